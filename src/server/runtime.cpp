#include "switchyard/server/runtime.hpp"

namespace switchyard::server {

RuntimeHolder::RuntimeHolder(config::Config initial, router::StateRegistry::Factory states)
    : states_(std::make_shared<router::StateRegistry>(std::move(states))),
      current_(std::make_shared<const Snapshot>(std::move(initial), 1, states_)) {}

void RuntimeHolder::publish(config::Config next) {
  std::uint64_t gen = generation_.load() + 1;
  current_.store(std::make_shared<const Snapshot>(std::move(next), gen, states_),
                 std::memory_order_release);
  generation_.store(gen, std::memory_order_release);
}

}  // namespace switchyard::server
