#pragma once
// Deployment rpm/tpm shared by the instances on one Redis (docs/multi-instance.md). Private to
// the server module.
//
//   sharedDeploymentStates   the StateRegistry factory when the config names a Redis for
//                            shared limits (router_settings.redis_*, the cache's, or env):
//                            router::SharedDeploymentState for every deployment; else null
//                            (LocalDeploymentState). Decided at start: a reload that adds or
//                            drops that Redis takes effect at the next start.
//   deploymentSyncLoop       on the first worker, every 100 ms: for each deployment with an rpm
//                            or tpm limit, adds this instance's use since the last round to
//                            sy:dep:{<id>}:<wall-clock minute> (fields r, t; 2 min TTL) in one
//                            Lua call and learns every instance's totals. A failed round keeps
//                            the use for the next one; the limits are then this instance's.

#include <boost/asio/awaitable.hpp>

#include "switchyard/config/config.hpp"
#include "switchyard/router/deployment_state.hpp"

namespace switchyard::server {

class Worker;

router::StateRegistry::Factory sharedDeploymentStates(const config::Config& cfg);
boost::asio::awaitable<void> deploymentSyncLoop(Worker& worker);

}  // namespace switchyard::server
