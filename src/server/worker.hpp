#pragma once
// One worker: an io_context on its own thread, the upstream transport of that thread, and the
// per-config-generation state (adapters, pipeline, route table). Private to the server module;
// implemented in worker.cpp.

#include <atomic>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>
#include <unordered_set>

#include "health_checks.hpp"
#include "switchyard/cache/local_cache.hpp"
#include "switchyard/cache/redis_cache.hpp"
#include "switchyard/exports/budget_alerts.hpp"
#include "switchyard/exports/hub.hpp"
#include "switchyard/keys/hierarchy.hpp"
#include "switchyard/keys/key_auth.hpp"
#include "switchyard/keys/key_events.hpp"
#include "switchyard/keys/key_loader.hpp"
#include "switchyard/keys/key_registry.hpp"
#include "switchyard/keys/shared_counters.hpp"
#include "switchyard/keys/spend_log.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "switchyard/pipeline/request_metrics.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"
#include "switchyard/redis/client.hpp"
#include "switchyard/server/route_table.hpp"
#include "switchyard/server/routes.hpp"
#include "switchyard/server/runtime.hpp"
#include "switchyard/store/store_thread.hpp"
#include "switchyard/telemetry/metrics.hpp"

namespace switchyard::server {

// Shared by all workers and the acceptor.
struct SharedState {
  // `states`: the deployment states' factory (deployment_sync.hpp; default: this process's).
  explicit SharedState(config::Config c, router::StateRegistry::Factory states = {})
      : shared_deployments(static_cast<bool>(states)), runtime(std::move(c), std::move(states)) {}
  const bool shared_deployments;  // deployment rpm/tpm kept in step through Redis
  RuntimeHolder runtime;
  std::atomic<bool> draining{false};
  std::atomic<std::uint32_t> connections{0};
  HealthBoard health;  // GET /health, background health checks
  keys::KeyRegistry keys;                      // the virtual keys in use, in memory
  // Teams, members, users, customers, budget objects (with the store; docs/teams.md). Declared
  // before the store: the store thread's jobs may still use it while the store stops.
  std::unique_ptr<keys::Hierarchy> hierarchy;
  std::unique_ptr<store::StoreThread> store;   // the database (set before the workers start)
  std::unique_ptr<keys::KeyLoader> key_loader;  // keys loaded on first use (with the store)
  std::unique_ptr<keys::KeyEvents> key_events;  // key changes across instances (Redis)
  // The local response cache, used while the config turns caching on (cache_params.type local).
  cache::LocalCache cache{kLocalCacheBytes};
  static constexpr std::size_t kLocalCacheBytes = 64u << 20;
  // GET /metrics: set up before the workers start (null in tests that build workers alone).
  std::unique_ptr<telemetry::Registry> metrics;
  pipeline::RequestFamilies request_families{};
  // Traces and webhooks (callbacks: otel, generic_api): null when the config names none.
  std::unique_ptr<exports::ExportHub> exports;
  std::unique_ptr<exports::BudgetAlerts> budget_alerts;  // null: no budget-alert webhook
};

// The state of one config generation on one worker: its adapters, its pipeline (services and
// filters) and the route table built from them. Each request holds a reference.
struct Generation : std::enable_shared_from_this<Generation> {
  // `redis`: this worker's Redis client when the config names one for the cache (else null);
  // `counters`: the shared key counters when it names one for limits (else null).
  // `metrics`: the worker's request metrics; `exports`: its export sink (null: none).
  Generation(std::shared_ptr<const Snapshot> s, std::shared_ptr<providers::Transport> t,
             SharedState& shared, std::shared_ptr<redis::Client> redis,
             std::shared_ptr<keys::SharedKeyCounters> counters,
             telemetry::RequestSink* metrics = nullptr, telemetry::RequestSink* exports = nullptr);
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<providers::Transport> transport;
  providers::Providers providers;
  keys::KeyAuthenticator auth;  // master key of this generation's config, then virtual keys
  telemetry::AccessLog access_log;
  std::optional<keys::SpendLog> spend_log;  // unless disable_spend_logs or no database
  telemetry::RequestSinks sinks;            // access_log, spend_log, metrics, exports
  std::shared_ptr<redis::Client> redis;     // kept across generations while its settings hold
  std::unique_ptr<cache::RedisCache> redis_cache;  // cache_params.type redis
  std::shared_ptr<keys::SharedKeyCounters> counters;  // kept across generations like `redis`
  pipeline::Pipeline pipeline;
  RouteTable routes;
};

// A live connection, as the worker sees it for draining.
struct SessionHandle {
  boost::asio::ip::tcp::socket* socket = nullptr;
  bool idle = true;  // between requests
  telemetry::Cell* busy = nullptr;  // the worker's count of connections in a request

  void setIdle(bool now_idle) noexcept {
    if (busy && now_idle != idle) busy->add(now_idle ? -1 : 1);
    idle = now_idle;
  }
};

// What a session needs from the worker that runs it (a test provides its own).
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  virtual std::shared_ptr<Generation> generation() = 0;  // the current config generation
  virtual bool draining() const = 0;                     // stop taking requests
};

class Worker final : public SessionHost {
 public:
  Worker(unsigned index, SharedState& shared);
  ~Worker();
  boost::asio::io_context& context() noexcept { return ctx_; }
  SharedState& shared() noexcept { return shared_; }
  unsigned index() const noexcept { return index_; }

  // The current generation, rebuilt when the config changed. Worker thread only.
  std::shared_ptr<Generation> generation() override;
  bool draining() const override { return shared_.draining.load(); }

  void start();  // runs the context on a new thread
  void stop();   // stops the context (the thread ends)
  void join();

  // Session bookkeeping, worker thread only.
  void add(SessionHandle* s) { sessions_.insert(s); }
  void remove(SessionHandle* s) { sessions_.erase(s); }
  // Closes idle connections; busy ones close after their current response. Worker thread only.
  void closeIdle();
  // Requests being read or answered on this worker (written by it, read by GET /metrics).
  telemetry::Cell& inFlight() noexcept { return in_flight_; }
  // What this worker's Redis clients did, by use: every generation's client for the cache, and
  // for the shared limits, counts here (read by GET /metrics; they outlive the clients).
  const redis::ClientCounters& cacheRedisCounters() const noexcept { return redis_counters_[0]; }
  const redis::ClientCounters& limitsRedisCounters() const noexcept { return redis_counters_[1]; }

 private:
  std::shared_ptr<redis::Client> redisClient(
      const std::optional<api::Result<redis::Settings>>& wanted,
      std::shared_ptr<redis::Client> kept, std::string_view what, std::string_view otherwise,
      redis::ClientCounters& counters);

  unsigned index_;
  SharedState& shared_;
  redis::ClientCounters redis_counters_[2];  // cache, limits: before ctx_, which outlives clients
  boost::asio::io_context ctx_{1};
  std::thread thread_;
  std::shared_ptr<Generation> gen_;
  std::unordered_set<SessionHandle*> sessions_;
  telemetry::Cell in_flight_;
  std::unique_ptr<pipeline::RequestMetrics> request_metrics_;  // when shared.metrics is set
};

// Watches a client while one of its requests is being answered. The connection's coroutine is
// spawned with `signal.slot()` bound; if the client closes its side meanwhile, the signal is
// emitted, which cancels whatever the coroutine waits for (the upstream call, the next chunk):
// the upstream request is abandoned at once. Armed once per request, not per chunk.
struct ClientWatch {
  boost::asio::cancellation_signal signal;
  bool armed = false;
};

// Serves one accepted connection until it closes. Spawned on the worker's context with
// `watch->signal.slot()` bound as its cancellation slot.
boost::asio::awaitable<void> serveConnection(boost::asio::ip::tcp::socket socket, Worker& worker,
                                             std::shared_ptr<ClientWatch> watch);

}  // namespace switchyard::server
