#pragma once
// What the /team/* and /budget/* handlers (team_routes, team_member_routes, team_read_routes,
// budget_routes) share. Private to the admin module.
//
// Contract: store work runs in one StoreJob on the store thread (onStore); a job returns the
// error to answer with, or nullopt. A job reads and writes only through the Store it is given
// and the locals of the awaiting handler (which outlives it); the in-memory hierarchy and key
// registry are updated by the handler after the job succeeded, never from the job.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin_common.hpp"
#include "roles.hpp"
#include "switchyard/admin/hierarchy_request.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::admin::hier {

// The shared store-job and audit helpers (admin_common.hpp).
using admin::auditOf;
using admin::onStore;
using admin::StoreJob;
using admin::writeAudit;

inline api::Error invalid(std::string param, std::string message) {
  return {api::ErrorKind::kInvalidRequest, std::move(message), "", 0, "", std::move(param)};
}

// LiteLLM's 404 of /team/update, /team/delete, /team/block... ("Team not found, passed
// team_id=...").
inline api::Error teamNotFound(const std::string& team_id) {
  return {api::ErrorKind::kNotFound,
          "Team not found, passed team_id=" + team_id,
          "",
          0,
          "not_found_error",
          "team_id"};
}

inline api::Error forbidden(std::string message) {
  return {api::ErrorKind::kForbidden, std::move(message), "", 0, "auth_error"};
}

// On the store thread: the team `team_id` as stored (members included) into `row`, or 404.
inline std::optional<api::Error> readTeam(store::Store& s, const std::string& team_id,
                                          store::TeamRow& row) {
  auto found = s.findTeam(team_id);
  if (!found) return found.error();
  if (!*found) return teamNotFound(team_id);
  row = std::move(**found);
  return std::nullopt;
}

// On the store thread: 400 naming budget_id when `budget_id` (not empty) names no budget object.
std::optional<api::Error> checkBudgetExists(store::Store& s, const std::string& budget_id);

// teamJson with the live figures of this instance (the hierarchy's counters) as "spend" and
// "budget_reset_at": the store keeps a team's reset time in its spend state, which an update does
// not write (the counters start the new window of a changed budget_duration).
nlohmann::json liveTeamJson(const AdminContext& c, const store::TeamRow& row);

// After a team changed in the store: the hierarchy gets the row as re-read (its members
// included), other instances are told.
void teamChanged(const AdminContext& c, const store::TeamRow& row, bool spend_set = false);
// Users created or whose team list changed: into the hierarchy, other instances told.
void usersChanged(const AdminContext& c, const std::vector<store::UserRow>& users);

// Members to add to a team, as a store job resolves them (team_member_routes.cpp): each gets a
// user id. A user_id unknown to the store becomes a new user row (role internal_user); a member
// named by email only takes the id of the one user with that email, or a new user with a
// generated id ("Multiple users with this email found in db..." when several). Nothing is
// written: `create` lists the user rows to insert.
struct ResolvedMembers {
  std::vector<store::TeamMember> members;
  std::vector<store::UserRow> create;
};
// `param` names the field in errors ("member", "members_with_roles"). A user listed twice is
// kept once.
api::Result<ResolvedMembers> resolveMembers(store::Store& s, std::vector<store::TeamMember> members,
                                            std::string_view param, const std::string& actor,
                                            store::UnixMs now);
// Inserts resolved.create and puts every member of resolved.members (their team_id set).
std::optional<api::Error> writeMembers(store::Store& s, const ResolvedMembers& resolved);
// The users of `user_ids` as stored now (missing ones skipped).
api::Result<std::vector<store::UserRow>> readUsers(store::Store& s,
                                                   const std::vector<std::string>& user_ids);

}  // namespace switchyard::admin::hier
