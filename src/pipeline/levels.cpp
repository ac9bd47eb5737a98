// gatherLevels (levels.hpp): the key, team, member, user and customer of a request.

#include "levels.hpp"

#include <nlohmann/json.hpp>

#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/pipeline/filters.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

void renameModel(api::Exchange& ex, const store::ByModel<std::string>& aliases) {
  auto a = aliases.find(ex.model);
  if (a == aliases.end()) return;
  ex.model = a->second;
  if (ex.body) ex.body.setString("model", ex.model);
}

api::Error denied(std::string message, const char* type) {
  // LiteLLM answers 401 for the model lists of every level.
  return api::Error{api::ErrorKind::kUnauthorized, std::move(message), "", 0, type, "model"};
}

}  // namespace

RequestLevels::Needs RequestLevels::needs(std::string_view model) const {
  Needs n;
  for (std::size_t i = 0; i < count; ++i) {
    std::shared_ptr<const keys::KeySettings> row = entries[i]->row();
    n.budgets = n.budgets || row->budgets(model);
    n.limits = n.limits || row->limits(model);
  }
  return n;
}

std::string endUserOf(const api::Exchange& ex) {
  if (ex.headers) {
    for (std::string_view name : {"x-litellm-customer-id", "x-litellm-end-user-id"}) {
      std::string_view v = ex.headers->get(name);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!v.empty()) return std::string(v);
    }
  }
  if (std::optional<api::JsonView> u = ex.body.find("user"); u && u->isString()) {
    return u->string();
  }
  return {};
}

boost::asio::awaitable<std::optional<api::Error>> gatherLevels(api::Exchange& ex, Services& s,
                                                               RequestLevels& out) {
  const keys::KeySettings* key = ex.principal.key_row.get();
  std::optional<keys::TeamView> team;
  if (key && s.hierarchy && !key->teamId().empty()) team = s.hierarchy->team(key->teamId());
  if (key) {
    renameModel(ex, key->aliases());
    if (team) renameModel(ex, team->row->model_aliases);
    if (!keyAllowsModel(*key, ex.model, s.router)) {
      co_return api::Error{api::ErrorKind::kForbidden,
                           "key not allowed to access model. This key can only access models=" +
                               json(key->models()).dump() + ". Tried to access " + ex.model,
                           "",
                           0,
                           "key_model_access_denied",
                           "model"};
    }
    out.add(ex.principal.key);
  }
  if (team) {
    const store::TeamRow& t = *team->row;
    if (t.blocked) {
      co_return api::Error{api::ErrorKind::kUnauthorized,
                           "Authentication Error, Team=" + t.team_id +
                               " is blocked. Update via `/team/unblock` if you're an admin.",
                           "", 0, "auth_error"};
    }
    if (!modelsAllow(t.models, ex.model, s.router)) {
      co_return denied("Team not allowed to access model. Team=" + t.team_id + ", Model=" +
                           ex.model + ". Allowed team models = " + json(t.models).dump(),
                       "team_model_access_denied");
    }
    out.add(team->counters);
    if (!key->userId().empty()) out.add(s.hierarchy->member(t.team_id, key->userId()));
  }
  if (key && s.hierarchy && !key->userId().empty()) {
    if (std::optional<keys::UserView> user = s.hierarchy->user(key->userId())) {
      // A user's model list bounds its personal keys (LiteLLM's rule); a team key is bounded by
      // its team's list instead.
      if (!team && !modelsAllow(user->row->models, ex.model, s.router)) {
        co_return denied("User not allowed to access model. User=" + user->row->user_id +
                             ", Model=" + ex.model +
                             ". Allowed user models = " + json(user->row->models).dump(),
                         "user_model_access_denied");
      }
      out.add(user->counters);
    }
  }
  ex.principal.end_user = endUserOf(ex);
  if (s.hierarchy && s.store && !ex.principal.end_user.empty()) {
    std::optional<keys::CustomerView> customer = s.hierarchy->customer(ex.principal.end_user);
    if (!customer) {
      if (auto loaded = co_await s.hierarchy->loadCustomer(ex.principal.end_user, *s.store);
          !loaded) {
        co_return loaded.error();
      }
      customer = s.hierarchy->customer(ex.principal.end_user);
    }
    if (customer) {
      if (customer->row && customer->row->blocked) {
        co_return api::Error{
            api::ErrorKind::kInvalidRequest,
            "User blocked from making LLM API Calls. User=" + ex.principal.end_user};
      }
      if (customer->row) ex.options.allowed_model_region = customer->row->allowed_model_region;
      out.add(customer->counters);
    }
  }
  co_return std::nullopt;
}

}  // namespace switchyard::pipeline
