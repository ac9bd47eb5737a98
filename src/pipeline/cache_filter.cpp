// The response cache filter (docs/caching.md): after the key's limits (a hit counts against the
// key's rpm) and before the provider call (a hit reaches no deployment and costs nothing).
//
//   key       SHA-256 of: namespace, endpoint, alias (after the key's aliases), mock_response, and
//             the body without `user`, `stream`, `stream_options` (the request-level controls
//             are already out of it); JSON objects dump with sorted keys, so field order does
//             not matter.
//   read      unless the request says no-cache (body `cache: {"no-cache": true}` or
//             `Cache-Control: no-cache`); `s-maxage: N` takes only entries younger than N s.
//   write     a 200 whole answer, unless no-store; for `ttl: N` s, else cache_params.ttl, else
//             600 s.
//   opt-in    with `mode: default_off`, only requests with `cache: {"use-cache": true}`.
//   headers   x-cache: HIT | MISS and x-litellm-cache-key on every cacheable request.
//   streams   a streaming miss is stored, as the whole answer, once it completed (never a broken
//             or abandoned stream); a streaming hit is replayed as OpenAI SSE (cache_stream.hpp),
//             so a stream may be answered from a whole answer and the reverse.
// Answers of the Anthropic ingress pass through uncached.

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cache_stream.hpp"
#include "switchyard/api/usage.hpp"
#include "switchyard/auth/key_hash.hpp"
#include "switchyard/cache/response_cache.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/pipeline/filters.hpp"
#include "switchyard/pipeline/services.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

constexpr double kDefaultTtlS = 600;
constexpr std::size_t kMaxStreamBytes = 4u << 20;  // a larger stream is not stored

// A cached answer replayed as a stream.
class ReplayStream final : public api::ChunkSource {
 public:
  explicit ReplayStream(std::vector<std::string> events) : events_(std::move(events)) {}
  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (i_ >= events_.size()) co_return std::optional<std::string>{};
    co_return std::optional<std::string>{std::move(events_[i_++])};
  }

 private:
  std::vector<std::string> events_;
  std::size_t i_ = 0;
};

// Stores a streamed answer once the stream completed.
class CacheFill final : public api::StreamObserver {
 public:
  CacheFill(cache::ResponseCache& cache, std::string key, std::chrono::milliseconds ttl,
            const api::Exchange& ex)
      : cache_(cache), key_(std::move(key)), ttl_(ttl), ex_(ex),
        assembler_(ex.endpoint, kMaxStreamBytes) {}
  void onChunk(std::string_view bytes) override { assembler_.feed(bytes); }
  void onEnd(api::StreamEnd how) override {
    if (how != api::StreamEnd::kComplete) return;
    std::optional<std::string> whole = assembler_.finish(ex_.usage);
    if (!whole) return;
    auto entry = std::make_shared<cache::Entry>();
    entry->body = std::move(*whole);
    entry->content_type = "application/json";
    entry->stored_at = std::chrono::system_clock::now();
    cache_.put(key_, std::move(entry), ttl_);
  }

 private:
  cache::ResponseCache& cache_;
  std::string key_;
  std::chrono::milliseconds ttl_;
  const api::Exchange& ex_;  // the session keeps the exchange alive longer than the reply
  StreamAssembler assembler_;
};

bool wantsUsageChunk(const api::Exchange& ex) { return api::includeUsageAsked(ex); }

// What the request's controls ask of the cache.
struct CacheControls {
  bool read = true, write = true, use = true;
  std::optional<double> ttl_s, max_age_s;
  std::string namespace_;
};

api::Error badControl(std::string field, std::string expected) {
  return {api::ErrorKind::kInvalidRequest,
          "'cache." + field + "' must be " + std::move(expected) + ".", "", 0, "invalid_request",
          "cache"};
}

api::Result<CacheControls> controlsOf(const api::Exchange& ex, const config::CacheParams& p) {
  CacheControls c;
  c.use = p.mode != "default_off";
  c.namespace_ = p.namespace_;
  if (ex.headers) {
    std::string_view cc = ex.headers->get("cache-control");
    if (cc.find("no-cache") != std::string_view::npos) c.read = false;
    if (cc.find("no-store") != std::string_view::npos) c.write = false;
  }
  if (!ex.controls) return c;
  auto it = ex.controls->find("cache");
  if (it == ex.controls->end() || it->is_null()) return c;
  if (!it->is_object()) {
    return api::Error{api::ErrorKind::kInvalidRequest, "'cache' must be an object.", "", 0,
                      "invalid_request", "cache"};
  }
  for (auto f = it->begin(); f != it->end(); ++f) {
    const std::string& k = f.key();
    const json& v = f.value();
    if (k == "no-cache" || k == "no-store" || k == "use-cache") {
      if (!v.is_boolean()) return badControl(k, "true or false");
      bool b = v.get<bool>();
      if (k == "no-cache" && b) c.read = false;
      if (k == "no-store" && b) c.write = false;
      if (k == "use-cache") c.use = b;
    } else if (k == "ttl" || k == "s-maxage") {
      if (!v.is_number() || v.get<double>() < 0) return badControl(k, "a number of seconds >= 0");
      (k == "ttl" ? c.ttl_s : c.max_age_s) = v.get<double>();
    } else if (k == "namespace") {
      if (!v.is_string()) return badControl(k, "a string");
      c.namespace_ = v.get<std::string>();
    }
  }
  return c;
}

// cache_params.supported_call_types names the endpoint (LiteLLM's names, with or without "a").
bool supported(const config::CacheParams& p, api::Endpoint e) {
  if (p.supported_call_types.empty()) return true;
  std::string_view t = api::callTypeOf(e);  // "acompletion": also listed as "completion"
  for (const std::string& s : p.supported_call_types) {
    if (s == t || s == t.substr(1)) return true;
  }
  return false;
}

// A Responses request whose fields only a pass-through deployment sees (they are not part of the
// chat request the cache key is made of): not cached, so that a cached translated answer never
// stands in for what the client asked of OpenAI.
bool passThroughOnly(const api::Exchange& ex) {
  if (ex.ingress != api::WireFormat::kResponses || !ex.original_body) return false;
  for (const char* k : {"include", "truncation", "service_tier", "max_tool_calls", "top_logprobs",
                        "prompt_cache_key", "safety_identifier"})
    if (ex.original_body->contains(k)) return true;
  auto r = ex.original_body->find("reasoning");
  return r != ex.original_body->end() && r->is_object() && r->contains("summary");
}

class CacheFilter final : public Filter {
 public:
  explicit CacheFilter(Services& s) : s_(s) {}
  std::string_view name() const noexcept override { return "cache"; }

  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    const config::CacheParams& params = s_.config.litellm_settings.cache_params;
    const config::LitellmSettings& l = s_.config.litellm_settings;
    if (!s_.cache || !l.cache || (params.type != "local" && params.type != "redis") ||
        !ex.body || ex.ingress == api::WireFormat::kAnthropic || ex.untranslatable ||
        passThroughOnly(ex) ||
        !supported(params, ex.endpoint)) {
      co_return co_await next(ex);
    }
    auto controls = controlsOf(ex, params);
    if (!controls) co_return fail(ex, controls.error());
    if (!controls->use) co_return co_await next(ex);
    const std::string key = cacheKeyOf(ex, controls->namespace_);
    if (controls->read) {
      std::shared_ptr<const cache::Entry> hit = co_await s_.cache->get(key);
      if (hit && fresh(*hit, controls->max_age_s)) {
        api::Reply reply;
        reply.status = 200;
        if (ex.stream) {
          json whole = json::parse(hit->body, nullptr, false);
          reply.content_type = "text/event-stream";
          reply.stream = std::make_unique<ReplayStream>(
              replayEvents(whole, ex.endpoint, wantsUsageChunk(ex)));
          ex.usage = api::scanUsage(hit->body);  // the client may not see it
        } else {
          reply.content_type = hit->content_type;
          reply.body = hit->body;
        }
        reply.addHeader("x-cache", "HIT");
        reply.addHeader("x-litellm-cache-key", key);
        ex.outcome.cache_hit = true;
        ex.outcome.cost = 0;  // no provider, no cost (x-litellm-response-cost: 0)
        co_return reply;
      }
    }
    ex.outcome.cache_miss = controls->read;
    api::Reply reply = co_await next(ex);
    // A client's ttl is any number >= 0: at most ten years, so that the conversion to
    // milliseconds stays in range (1e300 would be undefined behaviour).
    constexpr double kMaxTtlS = 10.0 * 365 * 86400;
    const double ttl_s =
        std::min(controls->ttl_s.value_or(params.ttl_s.value_or(kDefaultTtlS)), kMaxTtlS);
    const auto ttl = std::chrono::milliseconds(static_cast<std::int64_t>(ttl_s * 1000));
    if (reply.status == 200 && controls->write && ttl.count() > 0 &&
        reply.format == api::WireFormat::kOpenAI) {
      if (reply.stream) {
        // Observers see the bytes the client gets: chat chunks only when no ingress translates
        // them (a Responses stream is cached from its whole-body requests only).
        if (ex.ingress == api::WireFormat::kOpenAI)
          reply.observers.push_back(std::make_unique<CacheFill>(*s_.cache, key, ttl, ex));
      } else if (!reply.body.empty()) {
        auto entry = std::make_shared<cache::Entry>();
        entry->body = reply.body;
        entry->content_type = reply.content_type;
        entry->stored_at = std::chrono::system_clock::now();
        s_.cache->put(key, std::move(entry), ttl);
      }
    }
    reply.addHeader("x-cache", "MISS");
    reply.addHeader("x-litellm-cache-key", key);
    co_return reply;
  }

 private:
  static bool fresh(const cache::Entry& e, const std::optional<double>& max_age_s) {
    if (!max_age_s) return true;
    auto age = std::chrono::system_clock::now() - e.stored_at;
    return std::chrono::duration<double>(age).count() <= *max_age_s;
  }

  // The body is hashed field by field, as its DOM (whose object keeps them sorted) writes them:
  // the key does not depend on the order or spacing the client wrote them in.
  static std::string cacheKeyOf(const api::Exchange& ex, const std::string& ns) {
    std::string material = ns;
    material += '\n';
    material += api::callTypeOf(ex.endpoint);
    material += '\n';
    material += ex.model;
    material += '\n';
    if (ex.options.mock_response) material += *ex.options.mock_response;
    const json& body = ex.body.dom();
    for (auto it = body.begin(); it != body.end(); ++it) {
      const std::string& k = it.key();
      if (k == "user" || k == "stream" || k == "stream_options") continue;
      material += '\n';
      material += k;
      material += '=';
      material += it.value().dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return auth::hashKey(material);
  }

  Services& s_;
};

}  // namespace

std::unique_ptr<Filter> makeCacheFilter(Services& services) {
  return std::make_unique<CacheFilter>(services);
}

}  // namespace switchyard::pipeline
