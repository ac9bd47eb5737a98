#pragma once
// Per-deployment values an adapter resolves once (base URL, key, path prefix) and reuses for every
// request. Deployments live as long as the adapter's config generation, so entries are keyed by
// address; an entry also remembers what it was resolved from, so a different deployment at a
// reused address is never served a stale value. One worker's adapter only: no locking.

#include <string>
#include <unordered_map>

#include "switchyard/config/config.hpp"

namespace switchyard::providers {

template <class T>
class TargetCache {
 public:
  // The value for `d`, calling `resolve(d)` the first time or when `d` changed.
  template <class Resolve>
  const T& get(const config::Deployment& d, Resolve&& resolve) {
    auto it = entries_.find(&d);
    if (it == entries_.end() || !it->second.resolvedFrom(d)) {
      it = entries_
               .insert_or_assign(&d, Entry{resolve(d), d.provider, d.api_base, d.api_key,
                                           d.api_version, d.model_id})
               .first;
    }
    return it->second.value;
  }

 private:
  struct Entry {
    T value;
    std::string provider, api_base, api_key, api_version, model_id;
    bool resolvedFrom(const config::Deployment& d) const {
      return provider == d.provider && api_base == d.api_base && api_key == d.api_key &&
             api_version == d.api_version && model_id == d.model_id;
    }
  };
  std::unordered_map<const config::Deployment*, Entry> entries_;
};

}  // namespace switchyard::providers
