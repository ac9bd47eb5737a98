// Fuzz target: the bodies of the /key/* admin routes (generate, update, delete, info,
// regenerate): validation and application to a key row, and the row rendered back. Checked
// beyond crashes: a refused field is named in the error (`param`) with a message.
// Input: the JSON body.

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "switchyard/admin/key_request.hpp"

using namespace switchyard;

namespace {

void checkRefusal(const api::Error& e) {
  if (e.message.empty()) std::abort();
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
  return 0;
}
