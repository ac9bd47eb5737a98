// parseRedisUrl and describe (settings.hpp).

#include "switchyard/redis/settings.hpp"

#include <charconv>

namespace switchyard::redis {
namespace {

api::Error bad(std::string why) {
  return {api::ErrorKind::kInvalidRequest, "redis url: " + std::move(why)};
}

// %XX decoding of the user-info part (passwords may hold reserved characters).
std::string percentDecoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned v = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

api::Result<Settings> parseRedisUrl(std::string_view url) {
  Settings s;
  if (url.starts_with("rediss://")) {
    s.tls = true;
    url.remove_prefix(9);
  } else if (url.starts_with("redis://")) {
    url.remove_prefix(8);
  } else {
    return bad("expected redis:// or rediss://");
  }
  std::string_view query;
  if (auto q = url.find('?'); q != std::string_view::npos) {
    query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  std::string_view path;
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    path = url.substr(slash + 1);
    url = url.substr(0, slash);
  }
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = url.substr(0, at);
    url = url.substr(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      s.password = percentDecoded(userinfo);  // redis://secret@host, as redis-py reads it
    } else {
      s.username = percentDecoded(userinfo.substr(0, colon));
      s.password = percentDecoded(userinfo.substr(colon + 1));
    }
  }
  std::string_view host = url, port;
  if (url.starts_with('[')) {  // [::1]:6379
    auto close = url.find(']');
    if (close == std::string_view::npos) return bad("unclosed [ in the host");
    host = url.substr(1, close - 1);
    std::string_view rest = url.substr(close + 1);
    if (rest.starts_with(':')) port = rest.substr(1);
    else if (!rest.empty()) return bad("unexpected text after the host");
  } else if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  if (!host.empty()) s.host = std::string(host);
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) {
      return bad("port must be a number from 1 to 65535");
    }
    s.port = static_cast<std::uint16_t>(p);
  }
  if (!path.empty()) {
    int db = 0;
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc() || end != path.data() + path.size() || db < 0) {
      return bad("the path must be a database number");
    }
    s.db = db;
  }
  while (!query.empty()) {
    std::string_view item = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), item.size() + 1));
    if (item == "ssl_cert_reqs=none" || item == "ssl_cert_reqs=CERT_NONE") s.tls_verify = false;
    if (item.starts_with("db=")) {
      std::string_view v = item.substr(3);
      int db = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), db);
      if (ec != std::errc() || end != v.data() + v.size() || db < 0) {
        return bad("db must be a database number");
      }
      s.db = db;
    }
  }
  return s;
}

std::string describe(const Settings& s) {
  std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
  return host + ":" + std::to_string(s.port) + "/" + std::to_string(s.db) + (s.tls ? " tls" : "");
}

}  // namespace switchyard::redis
