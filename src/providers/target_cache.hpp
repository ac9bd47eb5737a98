#pragma once
// Per-deployment values an adapter resolves once (base URL, key, path prefix) and reuses for every
// request. Entries are keyed by the deployment's address and remember what they were resolved
// from, so a different deployment at a reused address (a config reload, a wildcard deployment
// made for one request) is never served a stale value. Values are shared: a caller holds its own
// across awaits, so the cache may drop entries; it holds at most kMaxEntries (then starts over),
// which bounds it when wildcard deployments make one per requested model. One worker's adapter
// only: no locking.

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "adapters.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::providers {

// Where a deployment is called and with which key: what every adapter's target starts from. The
// adapter then applies its own path rules (Ollama's /v1, Azure's /openai/deployments/...,
// Anthropic's /v1 suffix dropped, Gemini's /v1beta) and auth header.
struct BaseAndKey {
  std::optional<Url> base;
  std::string api_key;              // secret
  std::optional<api::Error> error;  // no api_base, or not an http(s) URL: reported at request time
};

struct BaseSources {
  std::string_view default_base;  // when neither the deployment nor base_env gives one ("": none)
  std::string_view base_env;      // environment variable read when the deployment has no api_base
  std::string_view key_env;       // environment variable read when the deployment has no api_key
};

// api_base: the deployment's, else $base_env, else default_base; api_key: the deployment's, else
// $key_env.
inline BaseAndKey resolveBaseAndKey(const config::Deployment& d, const BaseSources& from) {
  auto env = [](std::string_view name) {
    const char* v = name.empty() ? nullptr : std::getenv(std::string(name).c_str());
    return v ? std::string(v) : std::string();
  };
  BaseAndKey r;
  std::string base = d.api_base.empty() ? env(from.base_env) : d.api_base;
  if (base.empty()) base = from.default_base;
  if (base.empty()) {
    r.error = deploymentError(d, "This model's deployment has no api_base configured.",
                              from.base_env.empty()
                                  ? std::string("api_base is required")
                                  : "api_base (or " + std::string(from.base_env) + ") is required");
    return r;
  }
  r.base = parseUrl(base);
  if (!r.base) {
    r.error = invalidApiBase(d);
    return r;
  }
  r.api_key = d.api_key.empty() ? env(from.key_env) : d.api_key;
  return r;
}

template <class T>
class TargetCache {
 public:
  static constexpr std::size_t kMaxEntries = 1024;

  // The value for `d`, calling `resolve(d)` the first time or when `d` changed.
  template <class Resolve>
  std::shared_ptr<const T> get(const config::Deployment& d, Resolve&& resolve) {
    auto it = entries_.find(&d);
    if (it == entries_.end() || !it->second.resolvedFrom(d)) {
      if (it == entries_.end() && entries_.size() >= kMaxEntries) entries_.clear();
      it = entries_
               .insert_or_assign(&d, Entry{std::make_shared<const T>(resolve(d)), d.provider,
                                           d.api_base, d.api_key, d.api_version, d.model_id})
               .first;
    }
    return it->second.value;
  }

 private:
  struct Entry {
    std::shared_ptr<const T> value;
    std::string provider, api_base, api_key, api_version, model_id;
    bool resolvedFrom(const config::Deployment& d) const {
      return provider == d.provider && api_base == d.api_base && api_key == d.api_key &&
             api_version == d.api_version && model_id == d.model_id;
    }
  };
  std::unordered_map<const config::Deployment*, Entry> entries_;
};

}  // namespace switchyard::providers
