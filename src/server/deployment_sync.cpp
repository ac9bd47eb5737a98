// The deployment counters' sync with Redis (deployment_sync.hpp).

#include "deployment_sync.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "switchyard/redis/client.hpp"
#include "switchyard/redis/from_config.hpp"
#include "switchyard/router/shared_state.hpp"
#include "worker.hpp"

namespace switchyard::server {
namespace {

namespace asio = boost::asio;

constexpr std::chrono::milliseconds kRound{100};

// KEYS: one minute hash per deployment; ARGV: its requests and tokens since the last round, in
// pairs. Returns the totals after adding them, in pairs.
constexpr std::string_view kSyncScript = R"lua(
local out = {}
for i, key in ipairs(KEYS) do
  out[2 * i - 1] = redis.call('HINCRBY', key, 'r', ARGV[2 * i - 1])
  out[2 * i] = redis.call('HINCRBY', key, 't', ARGV[2 * i])
  redis.call('EXPIRE', key, 120)
end
return out
)lua";

const char* env(const char* name) { return std::getenv(name); }

struct Pending {
  router::SharedDeploymentState* state;
  router::SharedDeploymentState::Delta delta;
};

}  // namespace

router::StateRegistry::Factory sharedDeploymentStates(const config::Config& cfg) {
  auto wanted = redis::sharedRedis(cfg, env);
  if (!wanted || !*wanted) return {};
  return [](const std::string&) { return std::make_shared<router::SharedDeploymentState>(); };
}

asio::awaitable<void> deploymentSyncLoop(Worker& worker) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  std::shared_ptr<redis::Client> client;  // for the config generation `generation`
  std::uint64_t generation = 0;
  std::vector<Pending> pending;
  for (;;) {
    timer.expires_after(kRound);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || worker.shared().draining.load()) co_return;
    std::shared_ptr<const Snapshot> snap = worker.shared().runtime.current();
    if (snap->generation != generation) {  // a reload: the Redis may have moved or gone
      generation = snap->generation;
      auto wanted = redis::sharedRedis(snap->config, env);
      if (!wanted || !*wanted) {
        client.reset();
      } else if (!client || client->settings() != **wanted) {
        client = std::make_shared<redis::Client>(executor, **wanted);
      }
    }
    if (!client) continue;
    std::int64_t minute = router::SharedDeploymentState::wallMinute();
    pending.clear();
    std::vector<std::string> args{"EVAL", std::string(kSyncScript), "0"};
    std::vector<std::string> argv;
    for (const router::Router::Entry& e : snap->router.entries()) {
      router::Limits limits = router::Router::limitsOf(*e.deployment);
      if (!limits.rpm && !limits.tpm) continue;
      auto* state = dynamic_cast<router::SharedDeploymentState*>(e.state);
      if (!state) continue;
      pending.push_back({state, state->takeDelta(minute)});
      args.push_back("sy:dep:{" + e.deployment->id + "}:" + std::to_string(minute));
      argv.push_back(std::to_string(pending.back().delta.requests));
      argv.push_back(std::to_string(pending.back().delta.tokens));
    }
    if (pending.empty()) continue;
    args[2] = std::to_string(pending.size());
    for (std::string& a : argv) args.push_back(std::move(a));
    auto r = co_await client->call(args, client->settings().timeout);
    bool ok = r && r->type == redis::Value::Type::kArray &&
              r->elements.size() == 2 * pending.size();
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (ok) {
        pending[i].state->synced(pending[i].delta, r->elements[2 * i].integer,
                                 r->elements[2 * i + 1].integer);
      } else {
        pending[i].state->unsent(pending[i].delta);
      }
    }
    if (r && r->isError()) spdlog::error("deployment counters: Redis answered {}", r->str);
  }
}

}  // namespace switchyard::server
