// The bodies and query strings of LiteLLM's /team/* routes (admin/hierarchy_request.hpp). From
// LiteLLM's team_endpoints.py and proxy/_types.py (NewTeamRequest, UpdateTeamRequest, Member,
// TeamMemberAddRequest...): tags, model_rpm_limit and model_tpm_limit live inside the team's
// metadata as for keys; members_with_roles is a /team/new field only (UpdateTeamRequest has
// none: members change through /team/member_add and /team/member_delete).

#include <cctype>
#include <exception>
#include <set>
#include <utility>

#include "hierarchy_fields.hpp"
#include "switchyard/api/query.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace field;

constexpr std::string_view kNoTeamId = "No team id passed in";

// team_id of the member routes: LiteLLM's "No team id passed in" when absent.
api::Result<std::string> memberRouteTeamId(const json& body) {
  return parseRequiredId(body, "team_id", kNoTeamId);
}

api::Result<void> applyTeamMetadata(const BodyReader& r, store::TeamRow& row) {
  auto clearAll = [&] {
    row.metadata = "{}";
    row.tags.clear();
    row.limits.model_rpm_limit.clear();
    row.limits.model_tpm_limit.clear();
  };
  const json* v = r.field("metadata", clearAll);
  if (v == nullptr) return {};
  auto parts = splitMetadata(*v, /*take_tags=*/true);
  if (!parts) return parts.error();
  row.metadata = std::move(parts->text);
  row.tags = std::move(parts->tags);
  row.limits.model_rpm_limit = std::move(parts->model_rpm_limit);
  row.limits.model_tpm_limit = std::move(parts->model_tpm_limit);
  return {};
}

api::Result<void> applyMembers(const json& body, store::TeamRow& row) {
  auto it = body.find("members_with_roles");
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_array()) {
    return bad("members_with_roles",
               "members_with_roles must be a list of {\"role\", \"user_id\", \"user_email\"}");
  }
  std::vector<store::TeamMember> members;
  std::set<std::string, std::less<>> ids, emails;
  for (const json& item : *it) {
    auto member = parseMember(item, "members_with_roles");
    if (!member) return member.error();
    bool repeated = !member->user_id.empty() ? !ids.insert(member->user_id).second
                                             : !emails.insert(member->user_email).second;
    if (repeated) {
      const std::string& who = member->user_id.empty() ? member->user_email : member->user_id;
      return bad("members_with_roles", "members_with_roles lists " + who + " more than once");
    }
    member->team_id = row.team_id;
    members.push_back(std::move(*member));
  }
  row.members = std::move(members);
  return {};
}

api::Result<void> applyTeam(const json& body, BodyMode mode, store::UnixMs now_ms,
                            store::TeamRow& row) {
  BodyReader r(body, mode);
  if (!r.updating()) {
    if (auto e = readNewId(body, "team_id", row.team_id); !e) return e;
  }
  if (auto e = r.put("team_alias", row.team_alias, readString); !e) return e;
  if (auto e = r.put("models", row.models, readStringList); !e) return e;
  if (auto e = r.put("budget_id", row.budget_id, readString); !e) return e;
  if (auto e = applyTeamMetadata(r, row); !e) return e;
  // Top-level tags and model limits come after metadata: they win over the ones inside it.
  if (auto e = applyLimits(body, mode, row.limits); !e) return e;
  applyWindow(body, row.limits, now_ms, row.spend.budget_reset_at);
  if (auto e = r.put("tags", row.tags, readStringList); !e) return e;
  if (auto e = r.put("blocked", row.blocked, readBool); !e) return e;
  if (auto e = r.put("model_aliases", row.model_aliases, readAliases); !e) return e;
  if (auto e = r.put("team_member_budget", row.team_member_budget, readBudgetAmount); !e) {
    return e;
  }
  if (auto e = r.put("team_member_rpm_limit", row.team_member_rpm_limit, readCount); !e) return e;
  if (auto e = r.put("team_member_tpm_limit", row.team_member_tpm_limit, readCount); !e) return e;
  if (!r.updating()) return applyMembers(body, row);
  return {};
}

}  // namespace

api::Result<void> applyTeamFields(const json& body, BodyMode mode, store::UnixMs now_ms,
                                  store::TeamRow& row) {
  if (!body.is_object()) return notAnObject();
  store::TeamRow next = row;  // a failure leaves `row` as it was
  try {
    if (auto e = applyTeam(body, mode, now_ms, next); !e) return e;
  } catch (const std::exception&) {  // nlohmann type errors: a value of an unexpected shape
    return bad("", "the request body has a value of the wrong type");
  }
  row = std::move(next);
  return {};
}

api::Result<store::TeamMember> parseMember(const json& v, std::string_view param_view) {
  const std::string param(param_view);
  if (!v.is_object()) {
    return bad(param, param +
                          " must be an object: {\"role\": \"admin\" | \"user\", "
                          "\"user_id\" or \"user_email\"}");
  }
  store::TeamMember member;
  auto id = readOptionalString(v, "user_id");
  if (!id) return bad(param, param + ".user_id must be a string");
  auto email = readOptionalString(v, "user_email");
  if (!email) return bad(param, param + ".user_email must be a string");
  if (id->empty() && email->empty()) {
    return bad(param, "Either user id or user email must be provided");
  }
  auto role = v.find("role");
  if (role == v.end() || !role->is_string() || (*role != "admin" && *role != "user")) {
    return bad(param, param + ".role must be \"admin\" or \"user\"");
  }
  member.user_id = std::move(*id);
  member.user_email = std::move(*email);
  member.role = role->get<std::string>();
  return member;
}

api::Result<std::vector<std::string>> parseTeamIds(const json& body) {
  if (!body.is_object()) return notAnObject();
  return readIdList(body, "team_ids", kNoTeamId);
}

api::Result<MemberAddRequest> parseMemberAdd(const json& body) {
  auto team_id = memberRouteTeamId(body);
  if (!team_id) return team_id.error();
  MemberAddRequest req;
  req.team_id = std::move(*team_id);
  if (auto it = body.find("max_budget_in_team"); it != body.end() && !it->is_null()) {
    auto amount = readBudgetAmount(*it, "max_budget_in_team");
    if (!amount) return amount.error();
    req.max_budget_in_team = *amount;
  }
  auto it = body.find("member");
  if (it == body.end() || it->is_null() || (it->is_array() && it->empty())) {
    return bad("member", "No member/members passed in");
  }
  if (it->is_array()) {
    for (const json& item : *it) {
      auto member = parseMember(item, "member");
      if (!member) return member.error();
      req.members.push_back(std::move(*member));
    }
  } else {
    auto member = parseMember(*it, "member");
    if (!member) return member.error();
    req.members.push_back(std::move(*member));
  }
  for (store::TeamMember& m : req.members) {
    m.team_id = req.team_id;
    m.max_budget_in_team = req.max_budget_in_team;
  }
  return req;
}

api::Result<MemberDeleteRequest> parseMemberDelete(const json& body) {
  auto team_id = memberRouteTeamId(body);
  if (!team_id) return team_id.error();
  MemberDeleteRequest req;
  req.team_id = std::move(*team_id);
  auto id = readOptionalString(body, "user_id");
  if (!id) return id.error();
  auto email = readOptionalString(body, "user_email");
  if (!email) return email.error();
  if (id->empty() && email->empty()) {
    return bad("user_id", "Either user_id or user_email needs to be passed in");
  }
  req.user_id = std::move(*id);
  req.user_email = std::move(*email);
  return req;
}

api::Result<TeamModelsRequest> parseTeamModels(const json& body) {
  auto team_id = parseRequiredId(body, "team_id");
  if (!team_id) return team_id.error();
  TeamModelsRequest req;
  req.team_id = std::move(*team_id);
  auto it = body.find("models");
  if (it == body.end() || it->is_null()) return bad("models", "models is required");
  auto models = readStringList(*it, "models");
  if (!models) return models.error();
  req.models = std::move(*models);
  return req;
}

api::Result<store::ListQuery> parseTeamListQuery(std::string_view target) {
  store::ListQuery q;
  auto page = queryInteger(target, "page", 1, 1'000'000'000, 1);
  if (!page) return page.error();
  auto size = queryInteger(target, "page_size", 1, 100, 10);
  if (!size) return size.error();
  q.page = *page;
  q.size = *size;
  q.user_id = api::queryParam(target, "user_id");
  q.team_id = api::queryParam(target, "team_id");
  q.filter = api::queryParam(target, "team_alias");
  std::string sort_by = api::queryParam(target, "sort_by");
  if (sort_by == "team_id" || sort_by == "team_alias" || sort_by == "created_at") {
    std::string order = api::queryParam(target, "sort_order");
    for (char& c : order) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    q.sort_by = std::move(sort_by);
    q.descending = order == "desc";  // LiteLLM: anything but asc/desc is asc
  }
  return q;
}

}  // namespace switchyard::admin
