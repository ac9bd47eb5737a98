#include <nlohmann/json.hpp>

#include "switchyard/api/exchange.hpp"
#include "switchyard/api/trace.hpp"

namespace switchyard::api {

std::string_view endpointPath(Endpoint e) noexcept {
  switch (e) {
    case Endpoint::kChatCompletions:
      return "/chat/completions";
    case Endpoint::kCompletions:
      return "/completions";
    case Endpoint::kEmbeddings:
      return "/embeddings";
  }
  return "/chat/completions";
}

std::string_view callTypeOf(Endpoint e) noexcept {
  switch (e) {
    case Endpoint::kChatCompletions:
      return "acompletion";
    case Endpoint::kCompletions:
      return "atext_completion";
    case Endpoint::kEmbeddings:
      return "aembedding";
  }
  return "acompletion";
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

void Reply::addHeader(std::string_view name, std::string_view value) {
  if (header_lines.empty()) header_lines.reserve(1024);  // one allocation for a key's headers too
  header_lines.append(name).append(": ").append(value).append("\r\n");
}

std::optional<std::string_view> Reply::header(std::string_view name) const {
  for (const Header& h : headers)
    if (h.name == name) return std::string_view(h.value);
  std::string_view rest = header_lines;
  while (!rest.empty()) {
    std::size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    if (line.size() > name.size() + 1 && line.starts_with(name) && line[name.size()] == ':') {
      return line.substr(name.size() + 2);
    }
  }
  return std::nullopt;
}

std::optional<JsonView> promptOf(const Exchange& ex) {
  for (const char* field : {"messages", "prompt", "input"}) {
    if (auto v = ex.body.find(field)) return v;
  }
  return std::nullopt;
}

bool includeUsageAsked(const Exchange& ex) {
  std::optional<JsonView> so = ex.body.find("stream_options");
  std::optional<JsonView> iu = so ? so->find("include_usage") : std::nullopt;
  return iu && iu->boolean().value_or(false);
}

Exchange::Exchange() = default;
Exchange::~Exchange() = default;
Exchange::Exchange(Exchange&&) noexcept = default;
Exchange& Exchange::operator=(Exchange&&) noexcept = default;

}  // namespace switchyard::api
