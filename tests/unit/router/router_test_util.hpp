#pragma once
// Shared helpers for the router unit tests: a deployment builder, a router on a hand-moved clock,
// and share counters for the statistical checks.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "switchyard/config/config.hpp"
#include "switchyard/router/router.hpp"

namespace switchyard::router::test {

using namespace std::chrono_literals;

// Draws for the distribution checks. The binomial standard deviation of a share is
// sqrt(p(1-p)/n): at n = 20000 it is 0.31% for p = 0.25, 0.33% for p = 1/3 and 0.35% for
// p = 0.5, so a tolerance of +-2% is more than 5.5 sigma (and the seeds are fixed anyway).
constexpr int kDraws = 20000;
constexpr double kTolerance = 0.02;

inline config::Deployment dep(std::string alias, std::string id, std::optional<double> weight = {},
                              std::optional<std::uint64_t> rpm = {},
                              std::optional<std::uint64_t> tpm = {}) {
  config::Deployment d;
  d.model_name = std::move(alias);
  d.model = "mock/" + id;
  d.provider = "mock";
  d.model_id = id;
  d.id = std::move(id);
  d.weight = weight;
  d.rpm = rpm;
  d.tpm = tpm;
  return d;
}

inline std::vector<std::string> ids(const std::vector<const config::Deployment*>& v) {
  std::vector<std::string> out;
  for (const config::Deployment* d : v) out.push_back(d->id);
  return out;
}

inline config::Config configOf(std::vector<config::Deployment> list,
                               std::string strategy = "simple-shuffle") {
  config::Config cfg;
  cfg.model_list = std::move(list);
  cfg.router_settings.routing_strategy = std::move(strategy);
  return cfg;
}

inline config::Config loadYaml(const std::string& yaml) {
  api::Result<config::LoadResult> r = config::loadConfigText(yaml, "router_test.yaml");
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
  return r.has_value() ? std::move(r->config) : config::Config{};
}

// A router on a ManualTime clock with its own state registry. Not movable: the router holds
// references to the config and the clock.
struct Env {
  config::Config cfg;
  ManualTime clock;
  std::shared_ptr<StateRegistry> states = std::make_shared<StateRegistry>();
  Router router;
  std::mt19937_64 rng;

  explicit Env(config::Config c, std::uint64_t seed = 12345)
      : cfg(std::move(c)), router(cfg, states, clock), rng(seed) {}
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  Selection select(std::string_view target, SelectInput in = {}) {
    return router.select(target, in, rng);
  }
  Selection dryRun(std::string_view target, SelectInput in = {}) {
    in.dry_run = true;
    return router.select(target, in, rng);
  }

  const config::Deployment& byId(std::string_view id) const {
    for (const config::Deployment& d : cfg.model_list)
      if (d.id == id) return d;
    ADD_FAILURE() << "no deployment " << id;
    return cfg.model_list.front();
  }
  DeploymentState& state(std::string_view id) const { return *router.stateOf(byId(id)); }
  StateView view(std::string_view id) const {
    return state(id).view(clock.now(), router.policy().latency_ttl);
  }

  // Picks `id` (by its model_info.id) and records a success that took `elapsed`.
  void succeed(std::string_view id, Clock::duration elapsed, bool stream = false,
               std::int64_t extra_tokens = 0, std::uint64_t prompt_tokens = 0) {
    SelectInput in;
    in.prompt_tokens = prompt_tokens;
    Selection s = select(id, in);
    ASSERT_TRUE(s) << id;
    ASSERT_EQ(s.deployment->id, id);
    s.lease.succeed(elapsed, stream, extra_tokens);
  }
  // Picks `id` and records one failure; returns whether it started a cooldown.
  bool fail(std::string_view id, FailureClass c = FailureClass::kTransient,
            Clock::duration elapsed = 100ms) {
    Selection s = select(id);
    EXPECT_TRUE(s) << id;
    if (!s) return false;
    EXPECT_EQ(s.deployment->id, id);
    return s.lease.fail(elapsed, c, router.policy(), "boom");
  }

  // Share of `draws` selections of `target` that went to each deployment id. Each selection's
  // lease is released at once; with dry_run no slot is taken at all.
  std::map<std::string, double> shares(std::string_view target, int draws = kDraws,
                                       bool dry_run = false, SelectInput in = {}) {
    in.dry_run = dry_run;
    std::map<std::string, int> counts;
    for (int i = 0; i < draws; ++i) {
      Selection s = router.select(target, in, rng);
      if (s) ++counts[s.deployment->id];
    }
    std::map<std::string, double> out;
    for (const auto& [id, n] : counts) out[id] = static_cast<double>(n) / draws;
    return out;
  }
};

}  // namespace switchyard::router::test
