#include "switchyard/server/runtime.hpp"

#include <utility>

namespace switchyard::server {

RuntimeHolder::RuntimeHolder(config::Config initial, router::StateRegistry::Factory states)
    : states_(std::make_shared<router::StateRegistry>(std::move(states))),
      current_(std::make_shared<const Snapshot>(std::move(initial), 1, states_)) {}

void RuntimeHolder::publish(config::Config next) {
  const std::uint64_t gen = generation_.load() + 1;
  auto snapshot = std::make_shared<const Snapshot>(std::move(next), gen, states_);
  std::shared_ptr<const Snapshot> old;  // released outside the lock
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(current_, std::move(snapshot));
    generation_.store(gen, std::memory_order_release);  // after current_: a worker that sees it
  }                                                     // reads the new snapshot
}

}  // namespace switchyard::server
