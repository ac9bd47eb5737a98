#pragma once
// Upstream URLs: "https://host[:port]/base/path" split once, joined with an endpoint path.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::providers {

struct Url {
  bool tls = false;
  std::string host;  // no brackets for IPv6
  std::uint16_t port = 0;
  std::string path;   // "/v1" (no trailing slash; may be empty)
  std::string query;  // without '?', may be empty

  // "host" or "host:port" as it goes into the Host header (port only when not the default).
  std::string hostHeader() const;
  // scheme://host:port, a pool key and a loggable base (no credentials, no query).
  std::string origin() const;
};

// Parses http(s) URLs. nullopt on anything else (other schemes, userinfo, empty host, bad port).
std::optional<Url> parseUrl(std::string_view text);

}  // namespace switchyard::providers
