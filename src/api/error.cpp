#include "switchyard/api/error.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace switchyard::api {

unsigned Error::httpStatus() const noexcept {
  if (status != 0) return status;
  switch (kind) {
    case ErrorKind::kInvalidRequest:
    case ErrorKind::kContextWindowExceeded:
    case ErrorKind::kContentPolicy:
    case ErrorKind::kBudgetExceeded:
      return 400;
    case ErrorKind::kUnauthorized:
      return 401;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kModelNotFound:
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kMethodNotAllowed:
      return 405;
    case ErrorKind::kPayloadTooLarge:
      return 413;
    case ErrorKind::kRateLimited:
      return 429;
    case ErrorKind::kUpstreamTimeout:
      return 504;
    case ErrorKind::kUpstreamError:
      return 502;
    case ErrorKind::kOverloaded:
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

std::string_view Error::type() const noexcept {
  switch (kind) {
    case ErrorKind::kInvalidRequest:
    case ErrorKind::kContextWindowExceeded:
    case ErrorKind::kContentPolicy:
    case ErrorKind::kModelNotFound:
    case ErrorKind::kNotFound:
    case ErrorKind::kMethodNotAllowed:
    case ErrorKind::kPayloadTooLarge:
      return "invalid_request_error";
    case ErrorKind::kUnauthorized:
      return "authentication_error";
    case ErrorKind::kForbidden:
      return "permission_error";
    case ErrorKind::kRateLimited:
      return "rate_limit_error";
    case ErrorKind::kBudgetExceeded:
      return "budget_exceeded";
    case ErrorKind::kUpstreamTimeout:
      return "timeout_error";
    case ErrorKind::kUpstreamError:
    case ErrorKind::kOverloaded:
    case ErrorKind::kUnavailable:
    case ErrorKind::kInternal:
      return "api_error";
  }
  return "api_error";
}

std::string_view Error::codeOrDefault() const noexcept {
  if (!code.empty()) return code;
  switch (kind) {
    case ErrorKind::kInvalidRequest:
      return "invalid_request";
    case ErrorKind::kContextWindowExceeded:
      return "context_length_exceeded";
    case ErrorKind::kContentPolicy:
      return "content_policy_violation";
    case ErrorKind::kUnauthorized:
      return "invalid_api_key";
    case ErrorKind::kForbidden:
      return "model_not_allowed";
    case ErrorKind::kModelNotFound:
      return "model_not_found";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorKind::kPayloadTooLarge:
      return "request_too_large";
    case ErrorKind::kRateLimited:
      return "rate_limit_exceeded";
    case ErrorKind::kBudgetExceeded:
      return "budget_exceeded";
    case ErrorKind::kUpstreamTimeout:
      return "upstream_timeout";
    case ErrorKind::kUpstreamError:
      return "upstream_error";
    case ErrorKind::kOverloaded:
      return "overloaded_error";
    case ErrorKind::kUnavailable:
      return "service_unavailable";
    case ErrorKind::kInternal:
      return "internal_error";
  }
  return "internal_error";
}

std::string Error::toJson() const {
  nlohmann::json err = {{"message", message},
                        {"type", type()},
                        {"param", param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param)},
                        {"code", codeOrDefault()}};
  return nlohmann::json{{"error", std::move(err)}}.dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace);
}

bool isRetryable(const Error& e) noexcept {
  switch (e.kind) {
    case ErrorKind::kRateLimited:
    case ErrorKind::kUpstreamTimeout:
    case ErrorKind::kUpstreamError:
    case ErrorKind::kOverloaded:
    case ErrorKind::kUnavailable:
      return true;
    default:
      return e.upstream_status == 408;
  }
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error("unchecked Result: " + e.message);
}

}  // namespace switchyard::api
