// Worker and Generation (worker.hpp): one io_context per core, and the per-generation state its
// requests run on.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "worker.hpp"

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
                                const config::Config& cfg, store::StoreThread* store) {
  telemetry::RequestSinks sinks;
  sinks.add(access_log);
  if (store && !cfg.general_settings.disable_spend_logs) sinks.add(spend_log.emplace(*store));
  return sinks;
}

std::unique_ptr<cache::RedisCache> redisCacheOf(const config::Config& cfg, redis::Client* client) {
  const config::CacheParams& p = cfg.litellm_settings.cache_params;
  if (!client || !cfg.litellm_settings.cache || p.type != "redis") return nullptr;
  return std::make_unique<cache::RedisCache>(*client, p.namespace_.empty() ? "" : p.namespace_ + ":");
}

RouteDeps routeDeps(Generation& g, SharedState& shared) {
  RouteDeps deps{[&shared] { return shared.draining.load(); },
                 [&g, &shared](api::Exchange& ex) {
                   return healthAnswer(g.shared_from_this(), shared.health, ex);
                 },
                 std::nullopt};
  deps.admin.emplace(admin::AdminContext{shared.keys, shared.store.get()});
  return deps;
}

}  // namespace

Generation::Generation(std::shared_ptr<const Snapshot> s, std::shared_ptr<providers::Transport> t,
                       SharedState& shared, std::shared_ptr<redis::Client> r)
    : snapshot(std::move(s)),
      transport(std::move(t)),
      providers(transport),
      auth(snapshot->config.general_settings.master_key, shared.keys),
      sinks(sinksOf(access_log, spend_log, snapshot->config, shared.store.get())),
      redis(std::move(r)),
      redis_cache(redisCacheOf(snapshot->config, redis.get())),
      pipeline(snapshot->config, snapshot->router, providers, &auth, &sinks, &shared.keys,
               shared.store.get(),
               redis_cache ? static_cast<cache::ResponseCache*>(redis_cache.get())
                           : &shared.cache),
      routes(buildRoutes(pipeline, routeDeps(*this, shared))) {}


Worker::Worker(unsigned index, SharedState& shared) : index_(index), shared_(shared) {}

Worker::~Worker() { join(); }

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
    // The cache's Redis client: kept while its settings hold (its connections stay open).
    std::shared_ptr<redis::Client> client;
    auto wanted = redis::cacheRedis(snap->config, [](const char* n) { return std::getenv(n); });
    if (wanted && !*wanted) {
      if (index_ == 0) spdlog::error("cache: {}; requests are not cached", wanted->error().message);
    } else if (wanted) {
      if (gen_ && gen_->redis && gen_->redis->settings() == **wanted) {
        client = gen_->redis;
      } else {
        client = std::make_shared<redis::Client>(ctx_.get_executor(), **wanted);
        if (index_ == 0) spdlog::info("cache: redis {}", redis::describe(**wanted));
      }
    }
    gen_ = std::make_shared<Generation>(std::move(snap), std::move(transport), shared_,
                                        std::move(client));
  }
  return gen_;
}

void Worker::start() {
  // The first worker runs the background health checks (they re-read the config every round).
  if (index_ == 0) asio::co_spawn(ctx_, backgroundHealthLoop(*this), asio::detached);
  thread_ = std::thread([this] {
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
