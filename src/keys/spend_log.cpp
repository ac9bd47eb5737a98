// SpendLog (spend_log.hpp).

#include "switchyard/keys/spend_log.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "switchyard/keys/key_entry.hpp"
#include "switchyard/store/records.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::keys {
namespace {

std::string_view callTypeOf(const api::Exchange& ex) {
  if (ex.ingress == api::WireFormat::kAnthropic) return "anthropic_messages";
  if (ex.ingress == api::WireFormat::kResponses) return "aresponses";
  return api::callTypeOf(ex.endpoint);
}

store::UnixMs toMs(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
store::UnixMs toMsCeil(std::chrono::system_clock::time_point t) {
  return std::chrono::ceil<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

SpendView spendViewOf(const api::Exchange& ex, unsigned status, bool stream) {
  SpendView v;
  auto& r = v.row;
  r.request_id = ex.request_id;
  r.call_type = callTypeOf(ex);
  // The key's current row (a regeneration meanwhile changed its hash).
  v.key = ex.principal.key ? ex.principal.key->row() : ex.principal.key_row;
  if (const KeySettings* key = v.key.get()) {
    r.api_key = key->token;
    r.key_alias = key->key_alias;
    r.user = key->userId();
    r.team_id = key->teamId();
  }
  if (!ex.principal.end_user.empty()) {
    r.end_user = ex.principal.end_user;  // resolved by the key-limits filter (headers first)
  } else if (std::optional<api::JsonView> u = ex.body.find("user"); u && u->isString()) {
    if (std::optional<std::string_view> plain = u->plainString()) {
      r.end_user = *plain;
    } else {
      v.decoded_end_user = std::make_unique<std::string>(u->string());
      r.end_user = *v.decoded_end_user;
    }
  }
  const api::Outcome& o = ex.outcome;
  r.model = ex.model;
  r.model_group = o.model_group;
  r.model_id = o.deployment_id;
  r.custom_llm_provider = o.provider;
  r.api_base = o.api_base;
  if (ex.usage) {
    r.prompt_tokens = ex.usage->prompt_tokens;
    r.completion_tokens = ex.usage->completion_tokens;
    r.total_tokens = r.prompt_tokens + r.completion_tokens;
    r.cached_tokens = ex.usage->cached_tokens;
    r.cache_creation_tokens = ex.usage->cache_creation_tokens;
    r.reasoning_tokens = ex.usage->reasoning_tokens;
  }
  r.spend = o.cost.value_or(0);
  // Start rounded down and end rounded up to the millisecond, so that end_time - start_time is
  // never shorter than the request (nor than its time to first token).
  const api::Clock::time_point ended = api::Clock::now();
  auto now = std::chrono::system_clock::now();
  auto took = std::chrono::duration_cast<std::chrono::system_clock::duration>(ended - ex.started);
  r.end_time = toMsCeil(now);
  r.start_time = toMs(now - took);
  if (stream && ex.first_chunk) {
    r.ttft_ms = std::chrono::duration<double, std::milli>(*ex.first_chunk - ex.started).count();
  }
  r.status = status >= 200 && status < 300 ? "success" : "failure";
  r.http_status = static_cast<int>(status);
  r.request_tags = ex.options.tags;
  r.stream = stream;
  r.cache_hit = o.cache_hit;
  return v;
}

store::SpendRow spendRowOf(const api::Exchange& ex, unsigned status, bool stream) {
  return store::spendRowCopy<store::SpendRow>(spendViewOf(ex, status, stream).row);
}

void SpendLog::record(const api::Exchange& ex, unsigned status, bool stream) {
  if (ex.model.empty()) return;
  store_.write(spendRowOf(ex, status, stream));
}

}  // namespace switchyard::keys
