#pragma once
// Expected failures as values (LevelDB's Status, userver's closed error list).
// Exceptions mean bugs; every failure a client can cause or an upstream can produce is an Error.

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::api {

enum class ErrorKind : std::uint8_t {
  kInvalidRequest,         // 400: malformed JSON, missing fields, bad values. Never retried.
  kContextWindowExceeded,  // 400: prompt too long for the model (context_window_fallbacks).
  kContentPolicy,          // 400: provider refused on content policy (content_policy_fallbacks).
  kUnauthorized,           // 401: missing, invalid, expired or blocked key.
  kForbidden,              // 403: key may not use this model or route.
  kModelNotFound,          // 404: no such model alias.
  kNotFound,               // 404: no such route or object.
  kMethodNotAllowed,       // 405
  kPayloadTooLarge,        // 413
  kRateLimited,            // 429: key or provider rate limit, budget, no healthy deployment.
  kBudgetExceeded,         // 400 "budget_exceeded" (LiteLLM's type): a key's budget is spent.
  kUpstreamTimeout,        // 504 after every attempt timed out.
  kUpstreamError,          // 502: connect failure, 5xx, malformed upstream answer.
  kOverloaded,             // 503: the provider says it is overloaded (Anthropic 529
                           // overloaded_error; an OpenAI-format 503, sent on as 502 like any
                           // upstream 5xx); Anthropic clients get 529.
  kUnavailable,            // 503: draining, not ready.
  kInternal,               // 500: a bug; the detail is logged.
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;      // client-safe: goes into the OpenAI {"error":{...}} body
  std::string detail = {};  // logs only; may name hosts, never a secret
  unsigned status = 0;      // 0: the kind's status. Set when an upstream status is passed through.
  std::string code = {};    // OpenAI "code"; empty: derived from the kind
  std::string param = {};   // OpenAI "param"; empty: null
  unsigned retry_after_s = 0;    // > 0: sent as Retry-After
  unsigned upstream_status = 0;  // the provider's HTTP status when the error came from one
  // The provider's own error body when it is already in the client's wire format (an Anthropic
  // deployment a /v1/messages request was passed through to): the ingress answers with it as is,
  // with upstream_status. Secrets scrubbed; never set for credential errors (401/403).
  std::string upstream_body = {};

  unsigned httpStatus() const noexcept;
  // What logs, spans and spend rows say of it: the internal detail, else the client's message.
  const std::string& logText() const noexcept { return detail.empty() ? message : detail; }
  std::string_view type() const noexcept;  // OpenAI "type", e.g. "invalid_request_error"
  std::string_view codeOrDefault() const noexcept;
  // {"error":{"message":..,"type":..,"param":..,"code":..}}
  std::string toJson() const;
};

// Retryable failures move the router to the next attempt or deployment (docs/design.md §4).
bool isRetryable(const Error& e) noexcept;

// Lets Result<T> carry an api::Error: a result<T, Error> whose value() is read on error throws
// std::runtime_error. Declared in this namespace so that boost::system::result finds it by ADL
// (a declaration in boost::system after <boost/system/result.hpp> is not seen by its templates).
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace switchyard::api
