// Admin roles (roles.hpp).

#include "roles.hpp"

#include "admin_common.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_events.hpp"
#include "switchyard/keys/key_settings.hpp"

namespace switchyard::admin {

std::optional<Role> roleOf(std::string_view text) {
  if (text == "proxy_admin") return Role::kProxyAdmin;
  if (text == "proxy_admin_viewer") return Role::kProxyAdminViewer;
  if (text == "internal_user") return Role::kInternalUser;
  if (text == "internal_user_viewer") return Role::kInternalUserViewer;
  return std::nullopt;
}

std::string_view nameOf(Role role) {
  switch (role) {
    case Role::kProxyAdmin:
      return "proxy_admin";
    case Role::kProxyAdminViewer:
      return "proxy_admin_viewer";
    case Role::kInternalUser:
      return "internal_user";
    case Role::kInternalUserViewer:
      return "internal_user_viewer";
  }
  return "internal_user";
}

Caller callerOf(const api::Exchange& ex, const keys::Hierarchy* hierarchy) {
  Caller c;
  if (ex.principal.is_master) {
    c.role = Role::kProxyAdmin;
    c.master = true;
    return c;
  }
  if (const keys::KeySettings* key = ex.principal.key_row.get()) {
    c.user_id = key->userId();
    c.team_id = key->teamId();
  }
  if (hierarchy && !c.user_id.empty()) {
    if (std::optional<keys::UserView> u = hierarchy->user(c.user_id)) {
      c.role = roleOf(u->row->user_role).value_or(Role::kInternalUser);
    }
  }
  return c;
}

bool isTeamAdmin(const Caller& caller, const store::TeamRow& team) {
  if (caller.user_id.empty()) return false;
  for (const store::TeamMember& m : team.members) {
    if (m.user_id == caller.user_id && m.role == "admin") return true;
  }
  return false;
}

bool isTeamMember(const Caller& caller, const store::TeamRow& team) {
  if (!caller.team_id.empty() && caller.team_id == team.team_id) return true;
  if (caller.user_id.empty()) return false;
  for (const store::TeamMember& m : team.members) {
    if (m.user_id == caller.user_id) return true;
  }
  return false;
}

api::Error notAllowed(const api::Exchange& ex, const Caller& caller) {
  return api::Error{
      api::ErrorKind::kForbidden,
      "user not allowed to access this route, role= " + std::string(nameOf(caller.role)) +
          ". Trying to access: " + std::string(ex.path),
      "", 0, "auth_error"};
}

std::optional<api::Error> requireAdmin(const api::Exchange& ex, const Caller& caller) {
  if (caller.admin()) return std::nullopt;
  return notAllowed(ex, caller);
}

std::optional<api::Error> requireReader(const api::Exchange& ex, const Caller& caller) {
  if (caller.readsAll()) return std::nullopt;
  return notAllowed(ex, caller);
}

void tellLevel(const AdminContext& c, store::Level level, std::string_view id, bool spend_set) {
  if (c.events != nullptr && !id.empty()) c.events->publishLevel(level, id, spend_set);
}

void tellBudget(const AdminContext& c, std::string_view budget_id) {
  if (c.events != nullptr && !budget_id.empty()) c.events->publishBudget(budget_id);
}

}  // namespace switchyard::admin
