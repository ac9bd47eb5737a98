#pragma once
// Where the Redis server is and how to talk to it (docs/redis.md).
//
//   parseRedisUrl   redis://[[user]:password@]host[:port][/db] and rediss:// (TLS), as LiteLLM
//                   and redis-py read them; `?ssl_cert_reqs=none` turns certificate checks off.
//
// Settings hold secrets (password): describe() is what may be logged.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"

namespace switchyard::redis {

struct Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string username;  // ACL user; empty: AUTH with the password only
  std::string password;  // secret; empty: no AUTH
  int db = 0;
  bool tls = false;
  bool tls_verify = true;  // check the server's certificate and name (rediss://)

  std::size_t connections = 1;                   // per worker, used in turn (each pipelined)
  // Each call's deadline: cache reads 100 ms, shared counters 50 ms unless
  // cache_params.socket_timeout (seconds) says otherwise (from_config.hpp).
  std::chrono::milliseconds timeout{100};
  std::chrono::milliseconds connect_timeout{200};  // TCP + TLS + AUTH + SELECT
  std::size_t max_reply_bytes = 64u << 20;       // a larger (or endless) reply closes the link
  // Circuit breaker: after `failures_to_open` failures in a row (timeouts, refused or broken
  // connections, never a Redis error reply), calls fail at once for `open_initial`, doubling
  // up to `open_max` while the probes that follow fail.
  int failures_to_open = 3;
  std::chrono::milliseconds open_initial{100}, open_max{5000};

  bool operator==(const Settings&) const = default;
};

api::Result<Settings> parseRedisUrl(std::string_view url);

// "host:port/db" (+ " tls"), never a secret.
std::string describe(const Settings& s);

}  // namespace switchyard::redis
