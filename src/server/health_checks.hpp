#pragma once
// GET /health: per-deployment health, in LiteLLM's shape. Private to the server module.
//
// A check sends each deployment one tiny real request (chat: one "ping" message, max_tokens 1;
// embedding deployments: one short input) through its adapter, all deployments at once, each
// bounded by kHealthCheckTimeout. With general_settings.background_health_checks the first
// worker runs the checks every health_check_interval (default 300 s) and GET /health answers
// from the last run; without it, GET /health runs them when asked. Results never include
// credentials: only the deployment's alias, model, id and api_base, and the client-safe error.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "switchyard/api/exchange.hpp"

namespace switchyard::server {

struct Generation;
class Worker;

inline constexpr auto kHealthCheckTimeout = std::chrono::seconds(15);
inline constexpr double kDefaultHealthCheckInterval = 300;

struct HealthRecord {
  bool healthy = false;
  std::string error;  // client-safe message when unhealthy
  double latency_ms = 0;
};

// The last results, by deployment id. Thread-safe.
class HealthBoard {
 public:
  void store(const std::string& deployment_id, HealthRecord r);
  std::map<std::string, HealthRecord> snapshot() const;
  bool hasRun() const;
  void markRun();

 private:
  mutable std::mutex mu_;
  std::map<std::string, HealthRecord> records_;
  bool ran_ = false;
};

// Checks every deployment of `gen` (only the alias `only_model` when not empty) and stores the
// results in `board`.
boost::asio::awaitable<void> runHealthChecks(std::shared_ptr<Generation> gen, HealthBoard& board,
                                             std::string only_model);

// The /health body from the board: {"healthy_endpoints":[...],"unhealthy_endpoints":[...],
// "healthy_count":N,"unhealthy_count":M}. Deployments never checked are left out.
api::Reply healthReply(const Generation& gen, const HealthBoard& board,
                       std::string_view only_model);

// GET /health[?model=alias]: from the background checks' last run, else checked now.
boost::asio::awaitable<api::Reply> healthAnswer(std::shared_ptr<Generation> gen, HealthBoard& board,
                                                api::Exchange& ex);

// Runs checks every interval on `worker` while it lives (background_health_checks).
boost::asio::awaitable<void> backgroundHealthLoop(Worker& worker);

}  // namespace switchyard::server
