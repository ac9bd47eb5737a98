// Fuzz target: the small parsers of operator and client text: durations ("30d", "1mo"), provider
// api_base URLs, database and Redis URLs, ISO-8601 times, W3C traceparent, query strings and
// percent-decoding, `provider/model` names. Checked beyond crashes: decoding never grows the
// text; a parsed URL has a host.
// Input: one control byte (which parser), then the text.

#include <cstdlib>
#include <string>

#include "fuzz_input.hpp"
#include "switchyard/admin/key_request.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/api/trace.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/url.hpp"
#include "switchyard/redis/settings.hpp"
#include "switchyard/store/store.hpp"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t which = in.byte();
  const std::string text(in.rest());
  switch (which % 8) {
    case 0:
      if (auto s = config::parseDurationSeconds(text); s && !(*s >= 0)) std::abort();
      break;
    case 1:
      if (auto u = providers::parseUrl(text)) {
        if (u->host.empty()) std::abort();
        (void)u->origin();
        (void)u->hostHeader();
      }
      break;
    case 2:
      (void)store::parseDatabaseUrl(text);
      break;
    case 3:
      (void)redis::parseRedisUrl(text);
      break;
    case 4:
      if (auto t = admin::parseIsoTime(text)) (void)admin::isoTime(*t);
      break;
    case 5:
      (void)api::parseTraceParent(text);
      break;
    case 6: {
      if (api::percentDecode(text).size() > text.size()) std::abort();
      (void)api::queryParam(text, "key");
      (void)api::hasQueryParam(text, "page");
      break;
    }
    default: {
      const auto ref = config::splitModel(text, which & 0x80 ? "openai" : "");
      if (ref.model_id.size() > text.size()) std::abort();
      break;
    }
  }
  return 0;
}
