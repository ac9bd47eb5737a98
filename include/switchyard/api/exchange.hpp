#pragma once
// The request/response pair that flows through the pipeline (Envoy's stream, userver's request).
//
// Exchange is owned by the server session for the lifetime of one request (the request head it
// points into lives as long); filters and providers read the request part and fill the outcome
// part. Reply is what goes back to the client: either a whole body or a ChunkSource that the
// session pulls chunk by chunk (Proxygen's HTTPSource).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/api/body.hpp"
#include "switchyard/api/error.hpp"

namespace switchyard::keys {
class KeyEntry;
class KeySettings;
}
namespace switchyard::config {
struct Deployment;
}

namespace switchyard::api {

using Clock = std::chrono::steady_clock;
struct TraceContext;  // trace.hpp

enum class Endpoint : std::uint8_t { kChatCompletions, kCompletions, kEmbeddings };

// The wire format of a request body or a reply. Requests enter as OpenAI (the /v1 routes) or as
// Anthropic Messages (POST /v1/messages) or as OpenAI Responses (POST /v1/responses, translated
// into chat by ingress/responses); providers answer in OpenAI format unless they pass an
// Anthropic request through to Anthropic untouched, in which case the reply is kAnthropic.
enum class WireFormat : std::uint8_t { kOpenAI, kAnthropic, kResponses };
std::string_view endpointPath(Endpoint e) noexcept;  // "/chat/completions", ...
// LiteLLM's call type of an endpoint: "acompletion", "atext_completion", "aembedding".
std::string_view callTypeOf(Endpoint e) noexcept;

struct Header {
  std::string name;
  std::string value;
};

// Token usage as the provider reported it (OpenAI names; Anthropic's input_tokens are counted
// into prompt_tokens with the cache reads and writes, as OpenAI does).
// cached_tokens (cache reads) and cache_creation_tokens (cache writes) are part of prompt_tokens;
// reasoning_tokens are part of completion_tokens (OpenAI's completion_tokens_details).
struct Usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cached_tokens = 0;
  std::uint64_t cache_creation_tokens = 0;
  std::uint64_t reasoning_tokens = 0;
};

// The request's header fields, as the session received them. Implemented by the session over its
// HTTP parser; lookups are case-insensitive and return "" when the field is absent.
class RequestHeaders {
 public:
  virtual ~RequestHeaders() = default;
  virtual std::string_view get(std::string_view name) const noexcept = 0;
};

// Who is calling, once the auth filter has run. `is_master` callers may use every model and the
// admin routes. Virtual keys fill the rest (key hash, team, user, limits) through the same type.
struct Principal {
  bool authenticated = false;  // false until the auth filter ran (routes without auth)
  bool is_master = false;
  std::string key_alias;  // loggable name; never the key
  // A virtual key: its live counters and its settings as they were when the request began.
  std::shared_ptr<keys::KeyEntry> key;
  std::shared_ptr<const keys::KeySettings> key_row;
  std::string team;  // the virtual key's team_id, for the logs ("" for none)
  // The end customer the request names (x-litellm-customer-id, x-litellm-end-user-id, or the
  // body's `user`), once the key-limits filter resolved it ("" for none).
  std::string end_user;
};

// The request-level controls of a proxied request, taken out of the JSON body once by the parse
// filter (LiteLLM's names) and validated there; the body keeps only what the provider sees.
struct RequestOptions {
  // `models` (OpenRouter) then `fallbacks`, in order, the requested model removed; nullopt: the
  // configured fallbacks apply.
  std::optional<std::vector<std::string>> fallbacks;
  bool disable_fallbacks = false;
  std::optional<int> num_retries;            // 0..10: replaces the configured num_retries
  std::optional<std::string> mock_response;  // answer with this text, no provider called
  // `tags`, `metadata.tags` and the x-litellm-tags header: with router_settings
  // .enable_tag_filtering, only deployments carrying them serve the request.
  std::vector<std::string> tags;
  // mock_testing_fallbacks / _context_fallbacks / _content_policy_fallbacks: fail the requested
  // model at once with that kind of error, to try a fallback configuration.
  bool mock_testing_fallbacks = false;
  bool mock_testing_context_fallbacks = false;
  bool mock_testing_content_policy_fallbacks = false;
  // OpenRouter's usage accounting, `"usage": {"include": true}` (chat/completions and completions
  // in OpenAI format only; the field is taken out of the body either way): the answer's usage
  // object gets `cost`, the gateway's cost of the request in USD (key_limits, docs/keys.md#cost),
  // and a stream gets its usage chunk even without stream_options.include_usage.
  bool usage_include = false;
  // The end customer's allowed_model_region ("eu" | "us"; set by the key-limits filter from the
  // customer's row): only deployments in that region serve the request (router::inRegion).
  std::string allowed_model_region;
};

// A streamed response body. The session calls next() until it yields nullopt (clean end) or an
// Error (the stream broke: the session ends the client stream). Each value is bytes to send as
// they are (already framed, e.g. "data: {...}\n\n"). Destroying the source cancels the upstream.
//
// Usage the client does not see: a provider's source that keeps usage out of the stream (the
// usage-only chunk the gateway asked for upstream when the client did not set
// stream_options.include_usage, or a translated stream whose client did not ask for usage)
// writes it to the Exchange's `usage` itself, from next(), before it hands out the last chunks.
// The adapter gives its source &ex.usage (the exchange outlives the reply and its source); no
// wrapper of the source needs to forward anything, and the usage filter's observer merges what
// the chunks themselves carry into it.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> next() = 0;
};

// How a streamed reply ended, as the session saw it.
enum class StreamEnd : std::uint8_t {
  kComplete,    // the source yielded its end and everything was written
  kBroken,      // the source failed (the client got an error event)
  kClientGone,  // the client left, or a write to it failed
};

// Watches a streamed reply as the session writes it, with no coroutine of its own: filters that
// act after `next` (usage, the access log; spend and cache fill next) attach one to the Reply
// instead of wrapping the source. The session calls onChunk() with each chunk's bytes as sent
// (after any ingress translation) and onEnd() once; an observer destroyed without onEnd() was
// abandoned (treat it as kClientGone).
class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  virtual void onChunk(std::string_view bytes) {}
  virtual void onEnd(StreamEnd how) {}
};

struct Reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;          // extra response headers
  std::string header_lines;             // more, preformatted "name: value\r\n" (addHeader)
  std::string body;                     // when stream is null
  std::unique_ptr<ChunkSource> stream;  // when set: sent chunked, content_type text/event-stream
  std::optional<Usage> usage;           // when the provider's adapter already read it
  std::vector<std::unique_ptr<StreamObserver>> observers;  // of `stream`, called in order
  WireFormat format = WireFormat::kOpenAI;                 // what body/stream hold
  // Frames an Error that breaks `stream` after its head was sent, as the last event the client
  // gets. Default (null): OpenAI's "data: {"error":{...}}\n\n". An ingress sets its own.
  std::string (*stream_error)(const Error&) = nullptr;

  static Reply fromError(const Error& e);
  static Reply json(unsigned status, std::string body);

  // Adds a response header without a per-header allocation (the filters that add the same
  // headers to every reply use this). `name` and `value` must not contain CR or LF.
  void addHeader(std::string_view name, std::string_view value);
  // The value of a response header added either way (first match, exact name), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Outcome of one request, filled as it goes; the access log and response headers read it.
struct Outcome {
  std::string model_group;    // alias served
  std::string deployment_id;  // model_info.id of the deployment that answered
  std::string api_base;       // its api_base (no credentials)
  std::string provider;
  Clock::duration upstream_time{};  // time spent waiting for providers (overhead = total - this)
  int attempted_retries = 0;
  int attempted_fallbacks = 0;
  std::optional<Error> error;  // set when the reply is an error
  // The deployment whose answer the client got (its prices price the usage). Not owning for a
  // deployment of the config (the request holds its config generation); owning for a wildcard
  // deployment resolved for this request.
  std::shared_ptr<const config::Deployment> served;
  std::optional<double> cost;  // USD, once the usage is known and priced
  bool cache_hit = false;      // answered from the response cache (no provider, no cost)
  bool cache_miss = false;     // looked up in the response cache and not found there
  // The gateway's own time until the reply's head was ready (its time minus upstream_time), as
  // the x-litellm-overhead-duration-ms header gives it; unset when no proxied route set it.
  std::optional<Clock::duration> overhead;
};

struct Exchange {
  // Request head (set by the session; views into the request it owns)
  std::string_view method;
  std::string_view target;  // path and query string, as received
  std::string_view path;    // without the query string
  const RequestHeaders* headers = nullptr;
  std::string route_param;  // the {param} of the route pattern that matched, percent-decoded

  // Request
  Endpoint endpoint = Endpoint::kChatCompletions;
  // kAnthropic: the client called POST /v1/messages; kResponses: POST /v1/responses. `body` then
  // holds the request translated to OpenAI chat format, and `original_body` the request in the
  // client's format, for adapters that can pass it through (Anthropic for kAnthropic; OpenAI
  // and Azure for kResponses, previous_response_id already expanded by the ingress).
  WireFormat ingress = WireFormat::kOpenAI;
  std::unique_ptr<nlohmann::json> original_body;
  // Set by an ingress when `original_body` holds what its translation into `body` cannot carry
  // (a Responses request's built-in tools): a deployment that takes original_body as is serves
  // the request; any other answers this error (provider_call).
  std::optional<Error> untranslatable;
  std::string raw_body;    // the request body as received (moved from the connection)
  std::string auth_token;  // from Authorization: Bearer / x-api-key / api-key / x-litellm-api-key
  std::string request_id;  // client's x-request-id or generated
  std::string call_id;     // x-litellm-call-id
  Body body;  // the JSON body (an object), controls removed; OpenAI format (api/body.hpp)
  std::unique_ptr<nlohmann::json> controls;  // request-level controls taken out of the body, as
                                             // sent (fallbacks, models, cache, metadata, ...)
  RequestOptions options;                    // the same, typed and validated
  std::string model;                         // body.model: the alias asked for
  // api::estimatePromptTokens of the body, as the parse filter counted it while checking the
  // messages (unset before; the body's later edits change only `model` and provider defaults).
  std::optional<std::uint64_t> prompt_estimate;
  bool stream = false;                       // body.stream == true
  // Per-request upstream timeout in seconds (header x-litellm-timeout, or body `timeout`):
  // replaces timeout and stream_timeout for every attempt.
  std::optional<double> timeout_s;
  Clock::time_point started = Clock::now();
  // A streamed reply: when the session wrote the first chunk of data to the client (just before
  // its observers see it; an error event that breaks the stream is not data). Unset for a whole
  // reply and for a stream that sent no data. first_chunk - started is the time to first token.
  std::optional<Clock::time_point> first_chunk;
  Principal principal;  // set by the auth filter
  // W3C trace context and upstream attempts, when tracing is on and the request is sampled
  // (set by the request_id filter; null otherwise).
  std::unique_ptr<TraceContext> trace;
  // Only with litellm_settings.log_messages: the answer as the client got it (a whole body, or a
  // stream's bytes), at most 64 KiB, for the exporters. Empty otherwise.
  std::string logged_reply;
  // Outcome
  Outcome outcome;
  // The provider's usage once known: from the body of a whole reply (Reply::usage when the
  // adapter read it), from the chunks of a stream as they pass to the client (the usage filter's
  // observer), or written by the stream's source for usage the client does not see (ChunkSource).
  // All five counts, when the provider reports them.
  std::optional<Usage> usage;

  // Set by the session: starts watching the client for a disconnect, which then cancels the
  // request (and its provider call). Called by the stage about to wait on a provider, so that a
  // request answered without one (a cache hit, a refusal) never pays for the watch (a reactor
  // registration). Idempotent.
  void watchClient() {
    if (watch_client_ == nullptr) return;
    watch_client_(watch_client_ctx_);
    watch_client_ = nullptr;
  }
  void setClientWatch(void (*arm)(void*), void* ctx) noexcept {
    watch_client_ = arm;
    watch_client_ctx_ = ctx;
  }

  Exchange();
  ~Exchange();
  Exchange(Exchange&&) noexcept;
  Exchange& operator=(Exchange&&) noexcept;

 private:
  void (*watch_client_)(void*) = nullptr;
  void* watch_client_ctx_ = nullptr;
};

// The request's prompt in its body: `messages`, else `prompt`, else `input`; nullopt when there
// is no body or none of them.
std::optional<JsonView> promptOf(const Exchange& ex);
// The request's stream_options.include_usage is true.
bool includeUsageAsked(const Exchange& ex);

}  // namespace switchyard::api
