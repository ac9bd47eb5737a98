#pragma once
// Who may call which admin route (docs/teams.md#who-may-do-what). Private to the admin module.
//
// The caller's role: the master key is proxy_admin; a virtual key takes the user_role of its
// user (user_id), internal_user when it has none or its user is unknown (LiteLLM's rule). A key
// of a user whose role is proxy_admin is a proxy admin key.
//
//   proxy_admin           every route
//   proxy_admin_viewer    every read (info, list, spend); no change (403)
//   internal_user         its own user (/user/info), the teams it is a member of (/team/info,
//                         /team/list), its own keys; as a team admin (members_with_roles role
//                         "admin"): that team's members (/team/member_add, /member_delete), models
//                         (/team/model/add, /delete) and keys (/key/generate with that team_id,
//                         /key/update, /delete, /block, /unblock, /regenerate of its keys)
//   internal_user_viewer  its own user, teams and keys, read only
// Customers and budget objects: proxy_admin (viewer: read).

#include <optional>
#include <string>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/store/hierarchy.hpp"

namespace switchyard::keys {
class Hierarchy;
}

namespace switchyard::admin {

enum class Role : std::uint8_t {
  kProxyAdmin,
  kProxyAdminViewer,
  kInternalUser,
  kInternalUserViewer
};

struct Caller {
  Role role = Role::kInternalUser;
  bool master = false;
  std::string user_id;  // the key's user ("" for none or the master key)
  std::string team_id;  // the key's team

  bool admin() const noexcept { return role == Role::kProxyAdmin; }
  bool readsAll() const noexcept { return admin() || role == Role::kProxyAdminViewer; }
  bool mayChange() const noexcept {
    return role == Role::kProxyAdmin || role == Role::kInternalUser;
  }
};

// The role of "proxy_admin" ... as a Role; nullopt for another text.
std::optional<Role> roleOf(std::string_view text);
std::string_view nameOf(Role role);

Caller callerOf(const api::Exchange& ex, const keys::Hierarchy* hierarchy);

// The caller is an admin of `team` (members_with_roles role "admin" with its user id).
bool isTeamAdmin(const Caller& caller, const store::TeamRow& team);
bool isTeamMember(const Caller& caller, const store::TeamRow& team);

// 403 errors naming the route and the role (LiteLLM's words).
api::Error notAllowed(const api::Exchange& ex, const Caller& caller);
// proxy_admin only; proxy_admin or proxy_admin_viewer.
std::optional<api::Error> requireAdmin(const api::Exchange& ex, const Caller& caller);
std::optional<api::Error> requireReader(const api::Exchange& ex, const Caller& caller);

}  // namespace switchyard::admin
