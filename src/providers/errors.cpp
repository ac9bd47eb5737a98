// The error mapping shared by every adapter (errors.hpp).

#include "errors.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

namespace switchyard::providers {

using api::Error;
using api::ErrorKind;

// ---------------------------------------------------------------------------------------------
// Error answers (errors.hpp)

void scrubSecret(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;
  for (std::size_t pos; (pos = text.find(secret)) != std::string::npos;)
    text.replace(pos, secret.size(), "***");
}

unsigned retryAfterSeconds(std::string_view value) {
  unsigned secs = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  return ec == std::errc{} ? secs : 0;
}

api::Error mapUpstreamError(UpstreamFailure f, const ErrorDialect& dialect,
                            std::string_view secret) {
  const std::string provider(dialect.provider);
  // Every field the client, the logs or a span may see: a provider may quote the key anywhere.
  for (std::string* field : {&f.type, &f.code, &f.param}) {
    scrubSecret(*field, secret);
    if (field->size() > 100) field->resize(100);
  }
  Error e;
  e.upstream_status = f.status;
  e.detail = "upstream " + provider + " answered " + std::to_string(f.status) +
             (f.type.empty() ? "" : " " + f.type);
  if (f.status == 401 || f.status == 403) {
    // Never echo what the provider says about our credentials (it quotes part of the key).
    e.kind = ErrorKind::kUpstreamError;
    e.status = f.status;
    e.message = "The provider rejected this deployment's credentials (HTTP " +
                std::to_string(f.status) + ").";
    e.code = f.status == 401 ? "upstream_authentication_error" : "upstream_permission_error";
    return e;
  }
  scrubSecret(f.message, secret);
  if (f.message.size() > 2000) f.message.resize(2000);
  e.message = provider + " error: ";
  if (!f.message.empty()) {
    e.message += f.message;
  } else {
    e.message += f.status == 429 ? "rate limited" : "HTTP " + std::to_string(f.status);
  }
  // Retryable answers: the router moves on, waiting for Retry-After (delta-seconds) before it
  // retries the same deployment (a 503 during maintenance sends one as well as a 429).
  if (f.status == 429) {
    e.kind = ErrorKind::kRateLimited;
  } else if (f.status == dialect.overloaded_status || f.type == "overloaded_error") {
    // Anthropic clients get 529 (ingress/anthropic); OpenAI-format clients get 503 for Anthropic's
    // overload and, as for any 5xx of an OpenAI-format provider after retries, 502 otherwise.
    e.kind = ErrorKind::kOverloaded;
    e.code = "overloaded_error";
    if (dialect.overloaded_status == 503) e.status = 502;
  } else if (f.status == 408 || f.status == 504) {
    e.kind = ErrorKind::kUpstreamTimeout;
  } else if (f.status >= 500) {
    e.kind = ErrorKind::kUpstreamError;
  } else {
    // Other answers: the request is at fault; status, message, param and code pass through.
    e.status = f.status;
    e.param = std::move(f.param);
    e.code = !f.code.empty() ? f.code : dialect.type_is_code ? f.type : std::string();
    std::string lower = f.message;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool too_long = f.code == "context_length_exceeded";
    for (std::string_view phrase : dialect.context_phrases)
      too_long = too_long || lower.find(phrase) != std::string::npos;
    if (f.status == 413 || f.type == "request_too_large") {
      e.kind = ErrorKind::kPayloadTooLarge;
    } else if (too_long) {
      e.kind = ErrorKind::kContextWindowExceeded;
      e.code = "context_length_exceeded";
    } else if (f.code == "content_filter" || f.code == "content_policy_violation") {
      e.kind = ErrorKind::kContentPolicy;
    } else if (f.status == 404) {
      e.kind = ErrorKind::kNotFound;
    } else {
      e.kind = ErrorKind::kInvalidRequest;
    }
    return e;
  }
  e.retry_after_s = retryAfterSeconds(f.retry_after);
  return e;
}

api::Error mapOpenAiError(unsigned status, std::string_view body, std::string_view retry_after,
                          std::string_view provider, std::string_view secret) {
  UpstreamFailure f{status, {}, {}, {}, {}, retry_after};
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    const nlohmann::json* err = &parsed;
    if (auto it = parsed.find("error"); it != parsed.end()) err = &*it;
    auto text = [&](const char* key, std::string& out) {
      if (auto v = err->find(key); v != err->end() && v->is_string()) out = v->get<std::string>();
    };
    if (err->is_string()) {
      f.message = err->get<std::string>();
    } else if (err->is_object()) {
      text("message", f.message);
      text("type", f.type);
      text("code", f.code);
      text("param", f.param);
    }
  }
  return mapUpstreamError(std::move(f), openAiDialect(provider), secret);
}

}  // namespace switchyard::providers
