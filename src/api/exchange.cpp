#include <nlohmann/json.hpp>

#include "switchyard/api/exchange.hpp"

namespace switchyard::api {

std::string_view endpointPath(Endpoint e) noexcept {
  switch (e) {
    case Endpoint::kChatCompletions: return "/chat/completions";
    case Endpoint::kCompletions: return "/completions";
    case Endpoint::kEmbeddings: return "/embeddings";
  }
  return "/chat/completions";
}

Reply Reply::fromError(const Error& e) {
  Reply r;
  r.status = e.httpStatus();
  r.body = e.toJson();
  if (e.retry_after_s > 0) r.headers.push_back({"retry-after", std::to_string(e.retry_after_s)});
  return r;
}

Reply Reply::json(unsigned status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Exchange::Exchange() = default;
Exchange::~Exchange() = default;
Exchange::Exchange(Exchange&&) noexcept = default;
Exchange& Exchange::operator=(Exchange&&) noexcept = default;

}  // namespace switchyard::api
