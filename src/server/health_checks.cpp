#include "health_checks.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/server/route_table.hpp"
#include "worker.hpp"

namespace switchyard::server {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool isEmbedding(const config::Deployment& d) { return d.mode == "embedding"; }

asio::awaitable<HealthRecord> probe(std::shared_ptr<Generation> gen, const config::Deployment& d) {
  HealthRecord rec;
  providers::Provider* provider = gen->providers.find(d.provider);
  if (!provider) {
    rec.error = "provider '" + d.provider + "' is not supported by this build";
    co_return rec;
  }
  api::Exchange ex;
  ex.request_id = "health-check";
  ex.model = d.model_name;
  if (isEmbedding(d)) {
    ex.endpoint = api::Endpoint::kEmbeddings;
    ex.body = api::Body::fromJson(
        json{{"model", d.model_name}, {"input", json::array({"health check"})}});
  } else {
    ex.endpoint = api::Endpoint::kChatCompletions;
    ex.body = api::Body::fromJson(
        json{{"model", d.model_name},
             {"messages", json::array({{{"role", "user"}, {"content", "ping"}}})},
             {"max_tokens", 1}});
  }
  providers::CallOptions opts = providers::callOptionsFor(gen->snapshot->config, d);
  opts.timeout = std::min<Clock::duration>(opts.timeout, kHealthCheckTimeout);
  opts.stream_timeout = opts.timeout;
  auto started = Clock::now();
  api::Result<api::Reply> r = co_await provider->call(ex, d, opts);
  rec.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  if (r) {
    rec.healthy = true;
  } else {
    rec.error = r.error().message;
  }
  co_return rec;
}

json endpointJson(const config::Deployment& d, const std::string& api_base) {
  json j{{"model", d.model}, {"model_name", d.model_name}, {"model_id", d.id}};
  if (!api_base.empty()) j["api_base"] = api_base;
  if (!d.mode.empty()) j["mode"] = d.mode;
  return j;
}

}  // namespace

void HealthBoard::store(const std::string& deployment_id, HealthRecord r) {
  std::lock_guard lock(mu_);
  records_[deployment_id] = std::move(r);
}

std::map<std::string, HealthRecord> HealthBoard::snapshot() const {
  std::lock_guard lock(mu_);
  return records_;
}

bool HealthBoard::hasRun() const {
  std::lock_guard lock(mu_);
  return ran_;
}

void HealthBoard::markRun() {
  std::lock_guard lock(mu_);
  ran_ = true;
}

asio::awaitable<void> runHealthChecks(std::shared_ptr<Generation> gen, HealthBoard& board,
                                      std::string only_model) {
  auto executor = co_await asio::this_coro::executor;
  // All probes at once; the timer is the join: each finished probe decrements `pending`, the last
  // one cancels the wait.
  auto pending = std::make_shared<std::size_t>(0);
  auto done = std::make_shared<asio::steady_timer>(executor);
  done->expires_after(kHealthCheckTimeout + std::chrono::seconds(5));
  for (const config::Deployment& d : gen->snapshot->config.model_list) {
    if (!only_model.empty() && d.model_name != only_model) continue;
    if (d.wildcard) continue;  // no one model to probe (LiteLLM skips them too)
    ++*pending;
    asio::co_spawn(
        executor,
        [gen, &d, &board, pending, done]() -> asio::awaitable<void> {
          HealthRecord rec = co_await probe(gen, d);
          board.store(d.id, std::move(rec));
          if (--*pending == 0) done->cancel();
        },
        asio::detached);
  }
  if (*pending > 0) {
    boost::system::error_code ec;
    co_await done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  board.markRun();
}

api::Reply healthReply(const Generation& gen, const HealthBoard& board,
                       std::string_view only_model) {
  auto records = board.snapshot();
  json healthy = json::array(), unhealthy = json::array();
  for (const config::Deployment& d : gen.snapshot->config.model_list) {
    if (!only_model.empty() && d.model_name != only_model) continue;
    auto it = records.find(d.id);
    if (it == records.end()) continue;
    json j = endpointJson(d, d.api_base);
    if (it->second.healthy) {
      healthy.push_back(std::move(j));
    } else {
      j["error"] = it->second.error;
      unhealthy.push_back(std::move(j));
    }
  }
  json body{{"healthy_endpoints", healthy},
            {"unhealthy_endpoints", unhealthy},
            {"healthy_count", healthy.size()},
            {"unhealthy_count", unhealthy.size()}};
  return api::Reply::json(200, api::dumpJson(body));
}

asio::awaitable<void> backgroundHealthLoop(Worker& worker) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    if (worker.shared().draining.load()) co_return;
    std::shared_ptr<Generation> gen = worker.generation();
    const auto& g = gen->snapshot->config.general_settings;
    if (g.background_health_checks) {
      co_await runHealthChecks(gen, worker.shared().health, "");
      auto snap = worker.shared().health.snapshot();
      std::size_t bad = 0;
      for (const auto& [id, r] : snap) bad += r.healthy ? 0 : 1;
      spdlog::info("background health checks: {} healthy, {} unhealthy", snap.size() - bad, bad);
    }
    double interval = g.health_check_interval_s.value_or(kDefaultHealthCheckInterval);
    gen.reset();
    timer.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<api::Reply> healthAnswer(std::shared_ptr<Generation> gen, HealthBoard& board,
                                         api::Exchange& ex) {
  std::string only_model = queryParam(ex.target, "model");
  bool background = gen->snapshot->config.general_settings.background_health_checks;
  if (!background || !board.hasRun()) co_await runHealthChecks(gen, board, only_model);
  co_return healthReply(*gen, board, only_model);
}

}  // namespace switchyard::server
