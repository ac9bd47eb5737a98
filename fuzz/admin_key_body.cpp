// Fuzz target: the bodies of the admin routes: /key/* (generate, update, delete, info,
// regenerate) and /team/*, /user/*, /customer/*, /budget/* (docs/teams.md): validation and
// application to a row, and the row rendered back. Checked beyond crashes: a refused field is
// named in the error with a message. Input: the JSON body.

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "switchyard/admin/hierarchy_request.hpp"
#include "switchyard/admin/key_request.hpp"

using namespace switchyard;

namespace {

void checkRefusal(const api::Error& e) {
  if (e.message.empty()) std::abort();
}

template <class Row, class Apply, class Render>
void applyBoth(const nlohmann::json& body, Apply apply, Render render) {
  for (auto mode : {admin::BodyMode::kCreate, admin::BodyMode::kUpdate}) {
    Row row;
    if (auto r = apply(body, mode, row); !r) {
      checkRefusal(r.error());
      continue;
    }
    (void)render(row).dump();
  }
}

// The same body as each level's route would read it.
void hierarchyBodies(const nlohmann::json& body, store::UnixMs now) {
  using admin::BodyMode;
  applyBoth<store::TeamRow>(
      body, [now](auto& b, BodyMode m, auto& r) { return admin::applyTeamFields(b, m, now, r); },
      [](const store::TeamRow& r) { return admin::teamJson(r); });
  applyBoth<store::UserRow>(
      body, [now](auto& b, BodyMode m, auto& r) { return admin::applyUserFields(b, m, now, r); },
      [](const store::UserRow& r) { return admin::userJson(r); });
  applyBoth<store::CustomerRow>(
      body,
      [now](auto& b, BodyMode m, auto& r) { return admin::applyCustomerFields(b, m, now, r); },
      [](const store::CustomerRow& r) { return admin::customerJson(r, nullptr); });
  applyBoth<store::BudgetRow>(
      body, [now](auto& b, BodyMode m, auto& r) { return admin::applyBudgetFields(b, m, now, r); },
      [](const store::BudgetRow& r) { return admin::budgetJson(r); });
  auto check = [](const auto& r) {
    if (!r) checkRefusal(r.error());
  };
  check(admin::parseTeamIds(body));
  check(admin::parseMemberAdd(body));
  check(admin::parseMemberDelete(body));
  check(admin::parseTeamModels(body));
  check(admin::parseNewUserOptions(body));
  check(admin::parseUserRef(body));
  check(admin::parseUserIds(body));
  check(admin::parseCustomerIds(body));
  check(admin::parseBudgetIds(body));
  check(admin::parseBudgetDelete(body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return 0;  // the route answers 400 before this
  constexpr store::UnixMs kNow = 1'800'000'000'000;
  for (auto mode : {admin::KeyBodyMode::kGenerate, admin::KeyBodyMode::kUpdate}) {
    store::KeyRow row;
    auto applied = admin::applyKeyFields(body, mode, kNow, row);
    if (!applied) {
      checkRefusal(applied.error());
      continue;
    }
    (void)admin::keyInfo(row).dump();
    (void)admin::generateResponse(row, "sk-fuzz").dump();
  }
  if (auto r = admin::customKey(body); !r) checkRefusal(r.error());
  if (auto r = admin::parseDeleteRequest(body); !r) checkRefusal(r.error());
  if (auto r = admin::parseKeyParam(body); !r) checkRefusal(r.error());
  if (auto r = admin::parseRegenerateRequest(body); !r) checkRefusal(r.error());
  hierarchyBodies(body, kNow);
  return 0;
}
