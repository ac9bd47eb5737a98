// cacheRedis and sharedRedis (from_config.hpp).

#include "switchyard/redis/from_config.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>

namespace switchyard::redis {
namespace {

api::Error badSetting(std::string_view name, const api::Error& e) {
  return {api::ErrorKind::kInvalidRequest, std::string(name) + ": " + e.message};
}

std::string envOr(const EnvLookup& env, const char* name) {
  const char* v = env ? env(name) : nullptr;
  return v != nullptr ? v : "";
}

constexpr std::chrono::milliseconds kCacheTimeout{100}, kCounterTimeout{50};

// cache_params.socket_timeout (seconds) when set, else `fallback`; at least 1 ms.
std::chrono::milliseconds timeoutOf(const config::CacheParams& c,
                                    std::chrono::milliseconds fallback) {
  if (!c.socket_timeout_s) return fallback;
  auto ms = static_cast<std::int64_t>(*c.socket_timeout_s * 1000);
  return std::chrono::milliseconds(std::max<std::int64_t>(1, ms));
}

// Settings from a URL when `url` is set, else from the separate parts over the defaults.
struct Parts {
  std::string_view url_name = {};
  std::string url = {}, host = {}, password = {}, username = {};
  std::optional<int> port = {}, db = {};
  std::optional<bool> ssl = {};
  std::chrono::milliseconds timeout{100};
};

// A call's deadline, and for opening a connection at least as long: a longer socket_timeout also
// covers a connect made under load (the first call of a worker opens its link).
void setTimeout(Settings& s, std::chrono::milliseconds timeout) {
  s.timeout = timeout;
  s.connect_timeout = std::max(s.connect_timeout, timeout);
}

api::Result<Settings> settingsOf(const Parts& p) {
  if (!p.url.empty()) {
    auto s = parseRedisUrl(p.url);
    if (!s) return badSetting(p.url_name, s.error());
    if (p.db) s->db = *p.db;
    setTimeout(*s, p.timeout);
    return s;
  }
  Settings s;
  setTimeout(s, p.timeout);
  if (!p.host.empty()) s.host = p.host;
  if (p.port) s.port = static_cast<std::uint16_t>(*p.port);
  s.password = p.password;
  s.username = p.username;
  if (p.db) s.db = *p.db;
  if (p.ssl) s.tls = *p.ssl;
  return s;
}

// REDIS_URL, else REDIS_HOST / REDIS_PORT / REDIS_PASSWORD / REDIS_USERNAME; fills only what
// `p` leaves empty. Returns an error for a REDIS_PORT that is not a port.
std::optional<api::Error> fromEnv(const EnvLookup& env, Parts& p) {
  if (p.url.empty() && p.host.empty()) {
    p.url = envOr(env, "REDIS_URL");
    if (!p.url.empty()) p.url_name = "REDIS_URL";
  }
  if (p.url.empty()) {
    if (p.host.empty()) p.host = envOr(env, "REDIS_HOST");
    if (p.password.empty()) p.password = envOr(env, "REDIS_PASSWORD");
    if (p.username.empty()) p.username = envOr(env, "REDIS_USERNAME");
    if (!p.port) {
      std::string port = envOr(env, "REDIS_PORT");
      if (!port.empty()) {
        int v = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc() || end != port.data() + port.size() || v < 1 || v > 65535) {
          return api::Error{api::ErrorKind::kInvalidRequest,
                            "REDIS_PORT: must be a number from 1 to 65535"};
        }
        p.port = v;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<api::Result<Settings>> cacheRedis(const config::Config& cfg, const EnvLookup& env) {
  const config::LitellmSettings& l = cfg.litellm_settings;
  if (!l.cache || l.cache_params.type != "redis") return std::nullopt;
  const config::CacheParams& c = l.cache_params;
  Parts p{.url_name = "cache_params.url", .url = c.url, .host = c.host, .password = c.password,
          .username = c.username, .port = c.port, .db = c.db, .ssl = c.ssl,
          .timeout = timeoutOf(c, kCacheTimeout)};
  if (auto e = fromEnv(env, p)) return api::Result<Settings>(*e);
  return settingsOf(p);
}

std::optional<api::Result<Settings>> sharedRedis(const config::Config& cfg, const EnvLookup& env) {
  const config::RouterSettings& r = cfg.router_settings;
  if (!r.redis_url.empty() || !r.redis_host.empty()) {
    Parts p{.url_name = "router_settings.redis_url", .url = r.redis_url, .host = r.redis_host,
            .password = r.redis_password, .port = r.redis_port, .db = r.redis_db,
            .timeout = timeoutOf(cfg.litellm_settings.cache_params, kCounterTimeout)};
    return settingsOf(p);
  }
  if (auto cache = cacheRedis(cfg, env)) {
    if (*cache) setTimeout(**cache, timeoutOf(cfg.litellm_settings.cache_params, kCounterTimeout));
    return cache;
  }
  Parts p{.timeout = timeoutOf(cfg.litellm_settings.cache_params, kCounterTimeout)};
  if (auto e = fromEnv(env, p)) return api::Result<Settings>(*e);
  if (p.url.empty() && p.host.empty()) return std::nullopt;
  return settingsOf(p);
}

}  // namespace switchyard::redis
