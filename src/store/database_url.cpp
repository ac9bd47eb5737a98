// database_url as SQLAlchemy and LiteLLM users write it (store.hpp). An error names the setting
// and at most the url's scheme: the rest may hold a password.

#include <algorithm>
#include <cctype>
#include <string>

#include "switchyard/store/store.hpp"

namespace switchyard::store {
namespace {

constexpr std::string_view kDefaultPath = "./switchyard.db";

api::Error invalid(std::string message) {
  return {.kind = api::ErrorKind::kInvalidRequest,
          .message = "database_url: " + std::move(message),
          .param = "database_url"};
}

bool isSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// `rest` is what follows "sqlite://": ":memory:", "/:memory:", "/relative.db", "//abs.db".
api::Result<DatabaseUrl> parseSqlite(std::string_view rest, std::string_view url) {
  if (auto q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  DatabaseUrl out{.engine = "sqlite", .path = {}, .url = std::string(url)};
  if (rest == ":memory:" || rest == "/:memory:") {
    out.path = ":memory:";
    return out;
  }
  if (rest.empty() || rest.front() != '/') {
    return invalid("a sqlite url is sqlite:///relative/path.db or sqlite:////absolute/path.db");
  }
  rest.remove_prefix(1);
  if (rest.empty() || rest.back() == '/') {
    return invalid("a sqlite url needs a file path, as in sqlite:///switchyard.db");
  }
  out.path = std::string(rest);
  return out;
}

}  // namespace

api::Result<DatabaseUrl> parseDatabaseUrl(std::string_view raw) {
  const std::string_view url = trim(raw);
  if (url.empty())
    return DatabaseUrl{.engine = "sqlite", .path = std::string(kDefaultPath), .url = {}};
  const std::size_t sep = url.find("://");
  const bool has_scheme =
      sep != std::string_view::npos && sep > 0 && sep <= 32 &&
      std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(sep), isSchemeChar);
  if (!has_scheme) {
    return invalid("expected sqlite:///path.db or postgresql://user:password@host/db");
  }
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme == "sqlite") return parseSqlite(url.substr(sep + 3), url);
  if (scheme == "postgresql" || scheme == "postgres") {
    return DatabaseUrl{.engine = "postgresql", .path = {}, .url = std::string(url)};
  }
  return invalid("unsupported scheme '" + scheme + "' (expected sqlite or postgresql)");
}

std::optional<std::string> startupRefusal(std::string_view database_url) {
  api::Result<DatabaseUrl> url = parseDatabaseUrl(database_url);
  if (!url) return url.error().message + "; switchyard will refuse to start with it";
  return std::nullopt;
}

}  // namespace switchyard::store
