// Worker and Generation (worker.hpp): one io_context per core, and the per-generation state its
// requests run on.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <pthread.h>

#include <string>

#include "worker.hpp"
#include "deployment_sync.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "switchyard/redis/from_config.hpp"

namespace switchyard::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

providers::Transport::Options transportOptions(const config::Config& c) {
  providers::Transport::Options o;
  o.tls.verify = c.litellm_settings.ssl_verify;
  o.tls.ca_file = c.litellm_settings.ssl_ca_file;
  o.max_response_bytes = c.general_settings.max_upstream_response_mb << 20;
  return o;
}

telemetry::RequestSinks sinksOf(telemetry::RequestSink& access_log,
                                std::optional<keys::SpendLog>& spend_log,
                                const config::Config& cfg, store::StoreThread* store,
                                telemetry::RequestSink* metrics, telemetry::RequestSink* exports) {
  telemetry::RequestSinks sinks;
  sinks.add(access_log);
  if (store && !cfg.general_settings.disable_spend_logs) sinks.add(spend_log.emplace(*store));
  if (metrics) sinks.add(*metrics);
  if (exports) sinks.add(*exports);
  return sinks;
}

std::unique_ptr<cache::RedisCache> redisCacheOf(const config::Config& cfg, redis::Client* client) {
  const config::CacheParams& p = cfg.litellm_settings.cache_params;
  if (!client || !cfg.litellm_settings.cache || p.type != "redis") return nullptr;
  return std::make_unique<cache::RedisCache>(*client, p.namespace_.empty() ? "" : p.namespace_ + ":",
                                             client->settings().timeout);
}

RouteDeps routeDeps(Generation& g, SharedState& shared) {
  RouteDeps deps{[&shared] { return shared.draining.load(); },
                 [&g, &shared](api::Exchange& ex) {
                   return healthAnswer(g.shared_from_this(), shared.health, ex);
                 },
                 std::nullopt};
  deps.admin.emplace(admin::AdminContext{shared.keys, shared.store.get(), shared.key_events.get(),
                                         shared.hierarchy.get()});
  if (shared.metrics) {
    deps.metrics = [registry = shared.metrics.get()] { return registry->scrape(); };
    const config::Config& c = g.snapshot->config;
    deps.metrics_auth = c.general_settings.metrics_require_auth ||
                        c.litellm_settings.require_auth_for_metrics_endpoint;
  }
  return deps;
}

}  // namespace

Generation::Generation(std::shared_ptr<const Snapshot> s, std::shared_ptr<providers::Transport> t,
                       SharedState& shared, std::shared_ptr<redis::Client> r,
                       std::shared_ptr<keys::SharedKeyCounters> c, telemetry::RequestSink* metrics,
                       telemetry::RequestSink* exports)
    : snapshot(std::move(s)),
      transport(std::move(t)),
      providers(transport),
      auth(snapshot->config.general_settings.master_key, shared.keys, shared.key_loader.get()),
      sinks(sinksOf(access_log, spend_log, snapshot->config, shared.store.get(), metrics, exports)),
      redis(std::move(r)),
      redis_cache(redisCacheOf(snapshot->config, redis.get())),
      counters(std::move(c)),
      pipeline(snapshot->config, snapshot->router, providers, &auth, &sinks, &shared.keys,
               shared.store.get(),
               redis_cache ? static_cast<cache::ResponseCache*>(redis_cache.get()) : &shared.cache,
               counters.get()),
      routes(buildRoutes(pipeline, routeDeps(*this, shared))) {
  pipeline.services().hierarchy = shared.hierarchy.get();
}

Worker::Worker(unsigned index, SharedState& shared) : index_(index), shared_(shared) {
  if (shared.metrics) {
    request_metrics_ = std::make_unique<pipeline::RequestMetrics>(
        shared.metrics->shard("requests", index), shared.request_families);
  }
}

Worker::~Worker() { join(); }

// The client for `wanted` (a Redis the config names): `kept` while its settings hold (its
// connections stay open), else a new one; null when none is named or the setting is wrong.
std::shared_ptr<redis::Client> Worker::redisClient(
    const std::optional<api::Result<redis::Settings>>& wanted,
    std::shared_ptr<redis::Client> kept, std::string_view what, std::string_view otherwise,
    redis::ClientCounters& counters) {
  if (!wanted) return nullptr;
  if (!*wanted) {
    if (index_ == 0) spdlog::error("{}: {}; {}", what, wanted->error().message, otherwise);
    return nullptr;
  }
  if (kept && kept->settings() == **wanted) return kept;
  if (index_ == 0) spdlog::info("{}: redis {}", what, redis::describe(**wanted));
  return std::make_shared<redis::Client>(ctx_.get_executor(), **wanted, &counters);
}

std::shared_ptr<Generation> Worker::generation() {
  if (!gen_ || gen_->snapshot->generation != shared_.runtime.generation()) {
    std::shared_ptr<const Snapshot> snap = shared_.runtime.current();
    auto opts = transportOptions(snap->config);
    std::shared_ptr<providers::Transport> transport;
    if (gen_ && gen_->transport->options().tls == opts.tls &&
        gen_->transport->options().max_response_bytes == opts.max_response_bytes) {
      transport = gen_->transport;  // keep the pooled connections
    } else {
      transport = providers::Transport::create(ctx_.get_executor(), opts);
    }
    auto env = [](const char* n) { return std::getenv(n); };
    std::shared_ptr<redis::Client> client =
        redisClient(redis::cacheRedis(snap->config, env), gen_ ? gen_->redis : nullptr, "cache",
                    "requests are not cached", redis_counters_[0]);
    std::shared_ptr<keys::SharedKeyCounters> counters;
    if (snap->config.general_settings.master_key.empty()) {
      // No virtual keys without a master key: nothing to count.
    } else if (auto c = redisClient(redis::sharedRedis(snap->config, env),
                                    gen_ && gen_->counters ? gen_->counters->client() : nullptr,
                                    "shared limits", "key limits are counted per instance",
                                    redis_counters_[1])) {
      counters = gen_ && gen_->counters && gen_->counters->client() == c
                     ? gen_->counters
                     : std::make_shared<keys::SharedKeyCounters>(
                           std::move(c), std::chrono::milliseconds(static_cast<std::int64_t>(
                                             snap->config.general_settings.instance_lease_ttl_s *
                                             1000)));
    }
    const bool count_requests = !snap->config.general_settings.disable_metrics;
    gen_ = std::make_shared<Generation>(std::move(snap), std::move(transport), shared_,
                                        std::move(client), std::move(counters),
                                        count_requests ? request_metrics_.get() : nullptr,
                                        shared_.exports ? &shared_.exports->sink(index_) : nullptr);
  }
  return gen_;
}

void Worker::start() {
  // The first worker runs the background health checks (they re-read the config every round).
  if (index_ == 0) asio::co_spawn(ctx_, backgroundHealthLoop(*this), asio::detached);
  // It also keeps the deployments' rpm/tpm in step with the other instances (when shared).
  if (index_ == 0 && shared_.shared_deployments) {
    asio::co_spawn(ctx_, deploymentSyncLoop(*this), asio::detached);
  }
  thread_ = std::thread([this] {
    // "sy-worker-N" in top -H and /proc/<pid>/task/*/comm (15 characters at most).
    pthread_setname_np(pthread_self(), ("sy-worker-" + std::to_string(index_ % 100000)).c_str());
    auto guard = asio::make_work_guard(ctx_);
    ctx_.run();
  });
}

void Worker::stop() { ctx_.stop(); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::closeIdle() {
  for (SessionHandle* s : sessions_) {
    if (!s->idle) continue;
    boost::system::error_code ec;
    s->socket->cancel(ec);
    s->socket->shutdown(tcp::socket::shutdown_both, ec);
  }
}

}  // namespace switchyard::server
