#include "switchyard/router/router.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <type_traits>

namespace switchyard::router {
namespace {

using Entry = Router::Entry;

// A candidate's view, taken once per pick.
struct Candidate {
  const Entry* entry;
  StateView view;
};

std::size_t weightedPick(std::span<const Candidate> c, std::mt19937_64& rng) {
  double total = 0;
  for (const auto& x : c) total += Router::weightOf(*x.entry->deployment);
  if (total <= 0) return std::uniform_int_distribution<std::size_t>(0, c.size() - 1)(rng);
  double r = std::uniform_real_distribution<double>(0.0, total)(rng);
  std::size_t pick = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    double w = Router::weightOf(*c[i].entry->deployment);
    if (w <= 0) continue;
    pick = i;
    if (r < w) break;
    r -= w;
  }
  return pick;
}

// Index of a uniformly random element among those whose key is minimal. Keys are any ordered
// type; for a floating-point key, `relative_slack` also counts as ties those within that share
// above the minimum (latency buffer).
template <class KeyFn>
std::size_t argminRandom(std::span<const Candidate> c, KeyFn key, std::mt19937_64& rng,
                         double relative_slack = 0) {
  using Key = decltype(key(c[0]));
  std::vector<Key> keys;
  keys.reserve(c.size());
  for (const auto& x : c) keys.push_back(key(x));
  Key best = *std::min_element(keys.begin(), keys.end());
  std::vector<std::size_t> ties;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    bool tie = keys[i] == best;
    if constexpr (std::is_floating_point_v<Key>)
      tie = tie || keys[i] <= best * (1 + relative_slack);
    if (tie) ties.push_back(i);
  }
  return ties[std::uniform_int_distribution<std::size_t>(0, ties.size() - 1)(rng)];
}

std::optional<double> priceOf(const config::Deployment& d) {
  if (!d.input_cost_per_token && !d.output_cost_per_token) return std::nullopt;
  return d.input_cost_per_token.value_or(0) + d.output_cost_per_token.value_or(0);
}

std::size_t strategyPick(const Policy& p, bool stream, std::span<const Candidate> c,
                         std::mt19937_64& rng) {
  if (c.size() == 1) return 0;
  switch (p.strategy) {
    case Strategy::kSimpleShuffle:
      return weightedPick(c, rng);
    case Strategy::kLeastBusy:
      return argminRandom(
          c, [](const Candidate& x) { return x.view.in_flight; }, rng);
    case Strategy::kLatency:
      // Streams are ranked by time to first token when it was measured. A deployment with no
      // recent sample counts as 0 s, so it is tried (explored) before the known ones.
      return argminRandom(
          c,
          [stream](const Candidate& x) {
            std::optional<double> v = stream && x.view.ttft_s ? x.view.ttft_s : x.view.latency_s;
            if (!v && !stream) v = x.view.ttft_s;
            return v.value_or(0.0);
          },
          rng, std::max(p.latency_buffer, 0.0));
    case Strategy::kCost:
      return argminRandom(
          c,
          [](const Candidate& x) {
            return priceOf(*x.entry->deployment).value_or(std::numeric_limits<double>::max());
          },
          rng);
    case Strategy::kUsage:
      // Most headroom this minute: tokens left under tpm, then requests left under rpm (no limit
      // = unbounded headroom); among equals, least tokens used, then least requests.
      return argminRandom(
          c,
          [](const Candidate& x) {
            constexpr double kInf = std::numeric_limits<double>::infinity();
            const config::Deployment& d = *x.entry->deployment;
            double tokens_left =
                d.tpm ? static_cast<double>(*d.tpm) - static_cast<double>(x.view.minute_tokens)
                      : kInf;
            double requests_left =
                d.rpm ? static_cast<double>(*d.rpm) - static_cast<double>(x.view.minute_requests)
                      : kInf;
            return std::array<double, 4>{-tokens_left, -requests_left,
                                         static_cast<double>(x.view.minute_tokens),
                                         static_cast<double>(x.view.minute_requests)};
          },
          rng);
  }
  return 0;
}

}  // namespace

int Attempts::of(const config::Deployment* d) const noexcept {
  for (const auto& [dep, n] : made)
    if (dep == d) return n;
  return 0;
}

void Attempts::add(const config::Deployment* d) {
  for (auto& [dep, n] : made) {
    if (dep == d) {
      ++n;
      return;
    }
  }
  made.emplace_back(d, 1);
}

Router::Router(const config::Config& cfg, std::shared_ptr<StateRegistry> states,
               const TimeSource& time)
    : policy_(Policy::from(cfg)), time_(time), states_(std::move(states)) {
  entries_.reserve(cfg.model_list.size());
  for (const config::Deployment& d : cfg.model_list) {
    owned_.push_back(states_->get(d.id));
    entries_.push_back(Entry{&d, owned_.back().get(), false});
  }
  std::unordered_map<std::string_view, int> per_alias;
  for (const Entry& e : entries_) ++per_alias[e.deployment->model_name];
  for (Entry& e : entries_) e.sole = per_alias[e.deployment->model_name] == 1;
  for (const Entry& e : entries_) {
    const config::Deployment& d = *e.deployment;
    auto [it, inserted] = by_alias_.try_emplace(d.model_name);
    if (inserted) aliases_.push_back(d.model_name);
    it->second.push_back(&d);
    groups_[d.model_name].push_back(e);
    by_id_.try_emplace(d.id, e);
  }
  for (const std::string& alias : aliases_) {
    if (alias.find('*') != std::string::npos) patterns_.emplace_back(alias);
  }
  std::stable_sort(patterns_.begin(), patterns_.end(),
                   [](const WildcardPattern& a, const WildcardPattern& b) {
                     return a.specificity() > b.specificity();
                   });
  for (const config::ModelGroupAlias& a : cfg.router_settings.model_group_alias) {
    if (!group_alias_.try_emplace(a.alias, a.model).second) continue;
    if (!a.hidden && !by_alias_.contains(a.alias)) aliases_.push_back(a.alias);
  }
}

std::string_view Router::resolveAlias(std::string_view target) const {
  auto it = group_alias_.find(target);
  return it == group_alias_.end() ? target : std::string_view(it->second);
}

bool Router::hasAlias(std::string_view alias) const {
  return by_alias_.find(alias) != by_alias_.end() || group_alias_.find(alias) != group_alias_.end();
}

const std::vector<const config::Deployment*>& Router::deployments(std::string_view alias) const {
  static const std::vector<const config::Deployment*> kEmpty;
  auto it = by_alias_.find(alias);
  return it == by_alias_.end() ? kEmpty : it->second;
}

std::string_view Router::groupOf(std::string_view target) const {
  target = resolveAlias(target);
  if (auto it = by_alias_.find(target); it != by_alias_.end()) return it->first;
  if (auto it = by_id_.find(target); it != by_id_.end()) return it->second.deployment->model_name;
  return wildcardGroup(target);
}

std::string_view Router::wildcardGroup(std::string_view name) const {
  if (patterns_.empty()) return {};
  for (const WildcardPattern& p : patterns_) {
    if (p.match(name)) return p.text();
  }
  std::string_view provider = inferProvider(name);
  if (provider.empty()) return {};
  std::string prefixed = std::string(provider) + "/" + std::string(name);
  for (const WildcardPattern& p : patterns_) {
    if (p.match(prefixed)) return p.text();
  }
  return {};
}

api::Result<config::Deployment> Router::resolveWildcard(const config::Deployment& d,
                                                        std::string_view requested) const {
  auto it = std::find_if(patterns_.begin(), patterns_.end(),
                         [&](const WildcardPattern& p) { return p.text() == d.model_name; });
  if (it == patterns_.end()) return router::resolveWildcard(d, requested);  // not this router's
  return router::resolveWildcard(*it, d, requested);
}

std::span<const Entry> Router::members(std::string_view target) const {
  target = resolveAlias(target);
  if (auto it = groups_.find(target); it != groups_.end()) return it->second;
  if (auto it = by_id_.find(target); it != by_id_.end()) return {&it->second, 1};
  if (std::string_view pattern = wildcardGroup(target); !pattern.empty()) {
    if (auto it = groups_.find(pattern); it != groups_.end()) return it->second;
  }
  return {};
}

DeploymentState* Router::stateOf(const config::Deployment& d) const {
  auto it = by_id_.find(d.id);
  return it == by_id_.end() ? nullptr : it->second.state;
}

double Router::weightOf(const config::Deployment& d) noexcept {
  if (d.weight) return *d.weight;
  if (d.rpm) return static_cast<double>(*d.rpm);
  if (d.tpm) return static_cast<double>(*d.tpm);
  return 1.0;
}

Limits Router::limitsOf(const config::Deployment& d) noexcept {
  return Limits{d.rpm, d.tpm, d.max_parallel_requests};
}

bool inRegion(const config::Deployment& d, std::string_view region) {
  return !d.region.empty() && d.region == region;
}

Selection Router::select(std::string_view target, const SelectInput& in,
                         std::mt19937_64& rng) const {
  Selection out;
  std::span<const Entry> group = members(target);
  if (group.empty()) {
    out.reason = NoPick::kUnknownTarget;
    return out;
  }
  // Tag filtering (LiteLLM's get_deployments_for_tag), over the whole group: a tagged request is
  // not sent to "default" deployments while one carrying its tags merely cools down.
  enum class TagScope { kAll, kMatching, kDefault } scope = TagScope::kAll;
  auto carries = [](const config::Deployment& d, std::string_view tag) {
    return std::find(d.tags.begin(), d.tags.end(), tag) != d.tags.end();
  };
  auto matches = [&](const config::Deployment& d) {
    const std::vector<std::string>& want = *in.tags;
    if (policy_.tag_match_any) {
      return std::any_of(want.begin(), want.end(), [&](const auto& t) { return carries(d, t); });
    }
    return std::all_of(want.begin(), want.end(), [&](const auto& t) { return carries(d, t); });
  };
  if (policy_.tag_filtering) {
    auto any = [&](auto pred) {
      return std::any_of(group.begin(), group.end(),
                         [&](const Entry& e) { return pred(*e.deployment); });
    };
    bool has_default = any([&](const config::Deployment& d) { return carries(d, "default"); });
    if (in.tags && !in.tags->empty()) {
      if (any(matches)) {
        scope = TagScope::kMatching;
      } else if (has_default) {
        scope = TagScope::kDefault;
      } else {
        out.reason = NoPick::kTagMismatch;
        return out;
      }
    } else if (has_default) {
      scope = TagScope::kDefault;
    }
  }
  if (!in.region.empty() && std::none_of(group.begin(), group.end(), [&](const Entry& e) {
        return inRegion(*e.deployment, in.region);
      })) {
    out.reason = NoPick::kRegionMismatch;
    return out;
  }
  const Clock::time_point now = time_.now();
  // Why nothing could be picked, from the strongest reason seen.
  bool saw_cooling = false, saw_capacity = false, saw_too_large = false;
  Clock::duration soonest = Clock::duration::max();
  Clock::duration capacity_free = Clock::duration::max();  // when a full deployment may take one

  std::vector<Candidate> pool;
  pool.reserve(group.size());
  for (const Entry& e : group) {
    const config::Deployment& d = *e.deployment;
    if (scope == TagScope::kMatching && !matches(d)) continue;
    if (scope == TagScope::kDefault && !carries(d, "default")) continue;
    if (!in.region.empty() && !inRegion(d, in.region)) continue;
    if (in.attempts) {
      int limit = d.max_retries ? std::min(in.max_attempts_each, 1 + std::max(*d.max_retries, 0))
                                : in.max_attempts_each;
      if (in.attempts->of(&d) >= limit) continue;
    }
    if (policy_.pre_call_checks && d.max_input_tokens && in.prompt_tokens > *d.max_input_tokens) {
      saw_too_large = true;
      continue;
    }
    StateView v = e.state->view(now, policy_.latency_ttl);
    if (v.cooling) {
      saw_cooling = true;
      soonest = std::min(soonest, v.cooldown_left);
      continue;
    }
    pool.push_back(Candidate{&e, std::move(v)});
  }

  while (!pool.empty()) {
    // The lowest `order` tier first (no order: after every ordered tier).
    auto tierOf = [](const Candidate& c) {
      return c.entry->deployment->order.value_or(std::numeric_limits<int>::max());
    };
    int tier = tierOf(*std::min_element(
        pool.begin(), pool.end(),
        [&](const Candidate& a, const Candidate& b) { return tierOf(a) < tierOf(b); }));
    auto tier_end = std::partition(pool.begin(), pool.end(),
                                   [&](const Candidate& c) { return tierOf(c) == tier; });
    std::span<const Candidate> tier_pool(pool.data(),
                                         static_cast<std::size_t>(tier_end - pool.begin()));
    const Candidate& chosen = tier_pool[strategyPick(policy_, in.stream, tier_pool, rng)];
    const Entry* e = chosen.entry;
    if (in.dry_run) {
      out.deployment = e->deployment;
      return out;
    }
    switch (e->state->tryAcquire(limitsOf(*e->deployment), now, in.prompt_tokens)) {
      case Admission::kAdmitted:
        out.deployment = e->deployment;
        out.lease = Lease(e->state, &time_, e->sole);
        return out;
      case Admission::kCoolingDown: {
        saw_cooling = true;
        StateView v = e->state->view(now, policy_.latency_ttl);
        soonest = std::min(soonest, v.cooldown_left);
        break;
      }
      case Admission::kAtCapacity:
        saw_capacity = true;
        capacity_free = std::min<Clock::duration>(capacity_free, std::chrono::seconds(1));
        break;
      case Admission::kMinuteLimit: {
        saw_capacity = true;
        auto minute = std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch());
        capacity_free = std::min<Clock::duration>(
            capacity_free, (minute + std::chrono::minutes(1)) - now.time_since_epoch());
        break;
      }
    }
    std::erase_if(pool, [e](const Candidate& c) { return c.entry == e; });
  }

  if (saw_capacity) {
    out.reason = NoPick::kAtCapacity;
    out.retry_after = capacity_free;
  } else if (saw_cooling) {
    out.reason = NoPick::kCoolingDown;
    out.retry_after = soonest;
  } else if (saw_too_large) {
    out.reason = NoPick::kTooLarge;
  } else {
    out.reason = NoPick::kExhausted;
  }
  return out;
}

}  // namespace switchyard::router
