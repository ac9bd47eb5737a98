// The bodies and query strings of LiteLLM's /user/* routes (admin/hierarchy_request.hpp). From
// LiteLLM's internal_user_endpoints.py and proxy/_types.py (NewUserRequest, NewUserRequestTeam,
// UpdateUserRequest, DeleteUserRequest; get_users and its _validate_sort_params).

#include <array>
#include <cctype>
#include <exception>
#include <utility>

#include "hierarchy_fields.hpp"
#include "switchyard/api/query.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace field;

constexpr std::array<std::string_view, 4> kUserRoles = {"proxy_admin", "proxy_admin_viewer",
                                                        "internal_user", "internal_user_viewer"};
constexpr std::string_view kDefaultRole = "internal_user";
constexpr std::array<std::string_view, 6> kUserSortColumns = {"user_id", "user_email", "created_at",
                                                              "spend",   "user_alias", "user_role"};

api::Result<std::string> readRole(const json& v, const std::string& param) {
  if (v.is_string()) {
    for (std::string_view role : kUserRoles) {
      if (v.get_ref<const std::string&>() == role) return std::string(role);
    }
  }
  return bad(param, param +
                        " must be one of proxy_admin, proxy_admin_viewer, internal_user, "
                        "internal_user_viewer");
}

api::Result<void> applyUser(const json& body, BodyMode mode, store::UnixMs now_ms,
                            store::UserRow& row) {
  BodyReader r(body, mode);
  if (!r.updating()) {
    if (auto e = readNewId(body, "user_id", row.user_id); !e) return e;
  }
  if (auto e = r.put("user_alias", row.user_alias, readString); !e) return e;
  if (auto e = r.put("user_email", row.user_email, readString); !e) return e;
  if (const json* v = r.field("user_role", [&] { row.user_role = kDefaultRole; })) {
    auto role = readRole(*v, "user_role");
    if (!role) return role.error();
    row.user_role = std::move(*role);
  }
  if (auto e = r.put("models", row.models, readStringList); !e) return e;
  if (auto e = r.put("budget_id", row.budget_id, readString); !e) return e;
  // spend: null changes nothing (LiteLLM writes only the fields that are not None).
  if (auto it = body.find("spend"); it != body.end() && !it->is_null()) {
    auto spend = readMoney(*it, "spend");
    if (!spend) return spend.error();
    row.spend.spend = *spend;
  }
  auto clearMetadata = [&] {
    row.metadata = "{}";
    row.limits.model_rpm_limit.clear();
    row.limits.model_tpm_limit.clear();
  };
  if (const json* v = r.field("metadata", clearMetadata)) {
    auto parts = splitMetadata(*v, /*take_tags=*/false);
    if (!parts) return parts.error();
    row.metadata = std::move(parts->text);
    row.limits.model_rpm_limit = std::move(parts->model_rpm_limit);
    row.limits.model_tpm_limit = std::move(parts->model_tpm_limit);
  }
  // Top-level model limits come after metadata: they win over the ones inside it.
  if (auto e = applyLimits(body, mode, row.limits); !e) return e;
  applyWindow(body, row.limits, now_ms, row.spend.budget_reset_at);
  return {};
}

constexpr std::string_view kTeamsWhat =
    "teams must be a list of team ids or of {\"team_id\", \"max_budget_in_team\", "
    "\"user_role\": \"user\" | \"admin\"}";

// One entry of /user/new's teams: "team-id" or {team_id, max_budget_in_team?, user_role?}.
api::Result<store::TeamMember> readNewUserTeam(const json& v) {
  store::TeamMember team;
  if (v.is_string()) {
    team.team_id = v.get<std::string>();
  } else if (v.is_object()) {
    auto id = v.find("team_id");
    if (id == v.end() || !id->is_string()) return bad("teams", std::string(kTeamsWhat));
    team.team_id = id->get<std::string>();
    if (auto it = v.find("max_budget_in_team"); it != v.end() && !it->is_null()) {
      auto amount = readBudgetAmount(*it, "teams.max_budget_in_team");
      if (!amount) return amount.error();
      team.max_budget_in_team = *amount;
    }
    if (auto it = v.find("user_role"); it != v.end() && !it->is_null()) {
      if (!it->is_string() || (*it != "user" && *it != "admin")) {
        return bad("teams", "teams.user_role must be \"user\" or \"admin\"");
      }
      team.role = it->get<std::string>();
    }
  } else {
    return bad("teams", std::string(kTeamsWhat));
  }
  if (team.team_id.empty()) return bad("teams", "teams must not name an empty team id");
  return team;
}

}  // namespace

api::Result<void> applyUserFields(const json& body, BodyMode mode, store::UnixMs now_ms,
                                  store::UserRow& row) {
  if (!body.is_object()) return notAnObject();
  store::UserRow next = row;  // a failure leaves `row` as it was
  try {
    if (auto e = applyUser(body, mode, now_ms, next); !e) return e;
  } catch (const std::exception&) {  // nlohmann type errors: a value of an unexpected shape
    return bad("", "the request body has a value of the wrong type");
  }
  row = std::move(next);
  return {};
}

api::Result<NewUserOptions> parseNewUserOptions(const json& body) {
  if (!body.is_object()) return notAnObject();
  NewUserOptions options;
  if (auto it = body.find("teams"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return bad("teams", std::string(kTeamsWhat));
    for (const json& item : *it) {
      auto team = readNewUserTeam(item);
      if (!team) return team.error();
      options.teams.push_back(std::move(*team));
    }
  }
  // The deprecated team_id: the user joins that team as a "user" too.
  auto team_id = readOptionalString(body, "team_id");
  if (!team_id) return team_id.error();
  if (!team_id->empty()) {
    bool listed = false;
    for (const store::TeamMember& t : options.teams) listed = listed || t.team_id == *team_id;
    if (!listed) {
      store::TeamMember team;
      team.team_id = std::move(*team_id);
      options.teams.push_back(std::move(team));
    }
  }
  if (auto it = body.find("auto_create_key"); it != body.end() && !it->is_null()) {
    auto flag = readBool(*it, "auto_create_key");
    if (!flag) return flag.error();
    options.auto_create_key = *flag;
  }
  return options;
}

api::Result<UserRef> parseUserRef(const json& body) {
  if (!body.is_object()) return notAnObject();
  auto id = readOptionalString(body, "user_id");
  if (!id) return id.error();
  auto email = readOptionalString(body, "user_email");
  if (!email) return email.error();
  if (id->empty() && email->empty()) {
    return bad("user_id", "Either user id or user email must be provided");
  }
  return UserRef{std::move(*id), std::move(*email)};
}

api::Result<std::vector<std::string>> parseUserIds(const json& body) {
  if (!body.is_object()) return notAnObject();
  return readIdList(body, "user_ids", "No user id passed in");
}

api::Result<UserListQuery> parseUserListQuery(std::string_view target) {
  UserListQuery out;
  store::ListQuery& q = out.query;
  auto page = queryInteger(target, "page", 1, 1'000'000'000, 1);
  if (!page) return page.error();
  auto size = queryInteger(target, "page_size", 1, 100, 25);
  if (!size) return size.error();
  q.page = *page;
  q.size = *size;
  q.role = api::queryParam(target, "role");
  q.team_id = api::queryParam(target, "team");
  out.user_email = api::queryParam(target, "user_email");
  // user_ids: a comma list; one id is a case-insensitive "contains", several are exact.
  std::string ids = api::queryParam(target, "user_ids");
  std::vector<std::string> list;
  std::size_t start = 0;
  while (start <= ids.size()) {
    std::size_t comma = ids.find(',', start);
    if (comma == std::string::npos) comma = ids.size();
    std::string id = ids.substr(start, comma - start);
    auto first = id.find_first_not_of(" \t");
    auto last = id.find_last_not_of(" \t");
    if (first != std::string::npos) list.push_back(id.substr(first, last - first + 1));
    start = comma + 1;
  }
  if (list.size() == 1) {
    q.filter = std::move(list.front());
  } else {
    out.user_ids = std::move(list);
  }
  std::string sort_by = api::queryParam(target, "sort_by");
  if (!sort_by.empty()) {
    bool known = false;
    for (std::string_view c : kUserSortColumns) known = known || sort_by == c;
    if (!known) {
      return bad("sort_by",
                 "Invalid sort column. Must be one of: user_id, user_email, created_at, spend, "
                 "user_alias, user_role");
    }
    std::string order = api::queryParam(target, "sort_order");
    for (char& c : order) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (order.empty()) order = "asc";  // LiteLLM's default once sort_by is given
    if (order != "asc" && order != "desc") {
      return bad("sort_order", "Invalid sort order. Must be 'asc' or 'desc'");
    }
    q.sort_by = std::move(sort_by);
    q.descending = order == "desc";
  }
  return out;
}

}  // namespace switchyard::admin
