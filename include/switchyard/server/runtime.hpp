#pragma once
// What the workers share: the current configuration snapshot, swapped atomically on SIGHUP.
// A worker builds its own per-generation state (adapters, pipeline) from a snapshot, and every
// request holds that state until it ends, so a reload never pulls anything from under a request.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "switchyard/config/config.hpp"
#include "switchyard/router/router.hpp"

namespace switchyard::server {

struct Snapshot {
  Snapshot(config::Config c, std::uint64_t gen, std::shared_ptr<router::StateRegistry> states)
      : config(std::move(c)), router(config, std::move(states)), generation(gen) {}
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  const config::Config config;
  const router::Router router;  // indexes `config`; deployment states outlive the snapshot
  const std::uint64_t generation;
};

class RuntimeHolder {
 public:
  // `states`: the deployment states' factory (default: LocalDeploymentState).
  explicit RuntimeHolder(config::Config initial, router::StateRegistry::Factory states = {});
  // Read on a reload (a worker sees generation() change) and per accepted connection, never per
  // request: a mutex is cheap here. (libstdc++ 12's std::atomic<std::shared_ptr>, used before,
  // ends load() with a relaxed unlock, which ThreadSanitizer reports as a race with store().)
  std::shared_ptr<const Snapshot> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
  // Publishes a new configuration; requests already running keep the old one.
  void publish(config::Config next);

 private:
  // Deployment health and counters by id, kept across reloads.
  std::shared_ptr<router::StateRegistry> states_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;  // under mutex_
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace switchyard::server
