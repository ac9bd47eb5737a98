#pragma once
// Which deployment serves an attempt (docs/design.md §4).
//
// The router indexes model_list by alias (and by model_info.id, so a request or a fallback can
// name one deployment), and picks one deployment per attempt: among the target's deployments
// that are not cooling down, not at their rpm/tpm/max_parallel_requests limits, not too small for
// the prompt (pre-call checks) and not already used up by this request, it keeps the lowest
// `order` tier and lets the strategy choose. The pick holds a Lease (one request in flight, one
// request and its estimated tokens in this minute) that the caller settles with the outcome.
//
// Retries, backoff and fallbacks are the caller's loop (pipeline); the rules they follow live in
// Policy. State is shared with every worker and survives reloads (StateRegistry).

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/config/config.hpp"
#include "switchyard/router/deployment_state.hpp"
#include "switchyard/router/policy.hpp"
#include "switchyard/router/time_source.hpp"
#include "switchyard/router/wildcard.hpp"

namespace switchyard::router {

// What one request has used of each deployment: attempts made so far, by deployment.
struct Attempts {
  std::vector<std::pair<const config::Deployment*, int>> made;
  int of(const config::Deployment* d) const noexcept;
  void add(const config::Deployment* d);
};

struct SelectInput {
  bool stream = false;
  std::uint64_t prompt_tokens = 0;  // estimate; used by pre-call checks and tpm limits
  const Attempts* attempts = nullptr;
  // A deployment already attempted this many times is not picked again (1 + its max_retries,
  // else the group's retry budget: the caller passes 1 to ask for an untried deployment only).
  int max_attempts_each = 1;
  // Only tell whether a deployment could be picked: no slot is taken, the lease stays empty.
  bool dry_run = false;
  // The request's tags (router_settings.enable_tag_filtering): LiteLLM's tag routing. With tags,
  // only the deployments carrying one of them (every one: tag_filtering_match_any false) serve,
  // else those tagged "default", else none; without, those tagged "default" if any, else all.
  const std::vector<std::string>* tags = nullptr;
  // The customer's allowed_model_region ("eu" | "us"; empty: any): only deployments in it serve
  // (inRegion), whatever enable_pre_call_checks says.
  std::string_view region;
};

// Whether deployment `d` runs in `region` ("eu" | "us"): its region_name's region, read once
// at load (config::regionOf). No region_name: in none.
bool inRegion(const config::Deployment& d, std::string_view region);

enum class NoPick : std::uint8_t {
  kUnknownTarget,   // no alias or deployment id of that name
  kCoolingDown,     // every candidate is cooling down (retry_after: the soonest end)
  kAtCapacity,      // every candidate is at a limit (retry_after: 1 s for max_parallel_requests,
                    // until the clock minute rolls for rpm/tpm; the soonest of those)
  kTooLarge,        // pre-call checks: the prompt exceeds every deployment's max_input_tokens
  kExhausted,       // every candidate was already attempted by this request
  kTagMismatch,     // tag filtering: no deployment carries the request's tags, none is "default"
  kRegionMismatch,  // no deployment runs in the customer's allowed_model_region
};

struct Selection {
  const config::Deployment* deployment = nullptr;
  Lease lease;
  // When deployment is null: why, and how long until something may be free.
  NoPick reason = NoPick::kExhausted;
  Clock::duration retry_after{};
  explicit operator bool() const noexcept { return deployment != nullptr; }
};

class Router {
 public:
  // Indexes `cfg.model_list`; `cfg` must outlive the router. States come from `states` (one
  // registry per process, so they outlive reloads) and time from `time`.
  explicit Router(const config::Config& cfg,
                  std::shared_ptr<StateRegistry> states = std::make_shared<StateRegistry>(),
                  const TimeSource& time = steadyTime());

  const Policy& policy() const noexcept { return policy_; }
  const TimeSource& time() const noexcept { return time_; }

  // True for a model_list alias and for a router_settings.model_group_alias (hidden ones too);
  // not for names only a wildcard deployment matches (knows() is).
  bool hasAlias(std::string_view alias) const;
  // True when only a wildcard deployment serves `name` (GET /v1/models/{id} answers for it).
  bool matchesWildcard(std::string_view name) const { return !wildcardGroup(name).empty(); }
  // What /v1/models lists: aliases in the order they first appear in model_list, then the
  // model_group_alias names that are not hidden.
  const std::vector<std::string>& aliases() const noexcept { return aliases_; }
  // The alias's deployments (config order); empty when unknown.
  const std::vector<const config::Deployment*>& deployments(std::string_view alias) const;
  // The model group a target names: the group a model_group_alias points to, the alias itself, the
  // alias of the deployment whose model_info.id it is, or the wildcard pattern that matches it
  // (router/wildcard.hpp); empty when none.
  std::string_view groupOf(std::string_view target) const;
  bool knows(std::string_view target) const { return !groupOf(target).empty(); }
  // The most specific wildcard model_name matching `name` (or its provider-prefixed form).
  std::string_view wildcardGroup(std::string_view name) const;
  // The deployment a wildcard deployment `d` of this router makes for `requested`, with the
  // router's compiled pattern (router/wildcard.hpp).
  api::Result<config::Deployment> resolveWildcard(const config::Deployment& d,
                                                  std::string_view requested) const;
  // `target`, or the group its model_group_alias names.
  std::string_view resolveAlias(std::string_view target) const;

  // Picks a deployment of `target` (an alias or a model_info.id) for one attempt.
  Selection select(std::string_view target, const SelectInput& in, std::mt19937_64& rng) const;

  // Every deployment with its state, config order (GET /health, tests).
  struct Entry {
    const config::Deployment* deployment;
    DeploymentState* state;
    bool sole;  // the only deployment of its alias: cooled down only with allowed_fails set
  };
  std::span<const Entry> entries() const noexcept { return entries_; }
  DeploymentState* stateOf(const config::Deployment& d) const;

  static double weightOf(const config::Deployment& d) noexcept;
  static Limits limitsOf(const config::Deployment& d) noexcept;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <class V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  std::span<const Entry> members(std::string_view target) const;

  Policy policy_;
  const TimeSource& time_;
  std::shared_ptr<StateRegistry> states_;
  std::vector<std::shared_ptr<DeploymentState>> owned_;  // keeps the registry's states alive
  std::vector<Entry> entries_;                           // config order
  std::vector<std::string> aliases_;
  StringMap<std::vector<const config::Deployment*>> by_alias_;
  StringMap<std::vector<Entry>> groups_;   // alias -> its entries
  StringMap<Entry> by_id_;                 // model_info.id -> entry
  StringMap<std::string> group_alias_;     // model_group_alias -> model group
  std::vector<WildcardPattern> patterns_;  // wildcard model_names, most specific first
};

}  // namespace switchyard::router
