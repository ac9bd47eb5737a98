#include "switchyard/server/server.hpp"
#include "switchyard/asio/no_throw.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "switchyard/redis/from_config.hpp"
#include "switchyard/store/store.hpp"
#include "switchyard/telemetry/log.hpp"
#include "deployment_sync.hpp"
#include "metrics_setup.hpp"
#include "telemetry_setup.hpp"
#include "worker.hpp"

namespace switchyard::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

void stopSignals(sigset_t& set) {
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
}

}  // namespace

// ---- Server ----------------------------------------------------------------------------------

struct Server::Impl {
  Impl(ServerOptions o, config::LoadResult initial)
      : opts(std::move(o)),
        warnings(config::logMessages(initial)),
        shared(initial.config, sharedDeploymentStates(initial.config)) {}

  ServerOptions opts;
  std::vector<std::string> warnings;
  SharedState shared;
  // Workers are declared before main_ctx so that they outlive it: a pending accept on main_ctx
  // holds a socket bound to a worker's context.
  std::vector<std::unique_ptr<Worker>> workers;
  asio::io_context main_ctx{1};
  std::optional<tcp::acceptor> acceptor;
  asio::signal_set signals{main_ctx};  // installed before the listening line is printed
  bool drain_started = false;
  bool stopping = false;  // drain done: the signal loop ends

  bool openStore();
  void startKeyEvents();
  asio::awaitable<void> acceptLoop();
  asio::awaitable<void> signalLoop();
  asio::awaitable<void> drain();
  void reload();
};

asio::awaitable<void> Server::Impl::acceptLoop() {
  // Failed accepts are logged at most once a second (out of descriptors, they repeat every 50 ms).
  std::chrono::steady_clock::time_point last_warned{};
  unsigned unlogged = 0;
  for (std::size_t i = 0;; ++i) {
    Worker& w = *workers[i % workers.size()];
    auto [ec, socket] = co_await acceptor->async_accept(w.context(), kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warned >= std::chrono::seconds(1)) {
        spdlog::warn("accept failed: {}{}", ec.message(),
                     unlogged ? fmt::format(" ({} more since the last line)", unlogged) : "");
        last_warned = now;
        unlogged = 0;
      } else {
        ++unlogged;
      }
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
        asio::steady_timer pause(main_ctx, std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
      }
      continue;
    }
    auto limit = shared.runtime.current()->config.general_settings.max_connections;
    if (shared.connections.load(std::memory_order_relaxed) >= limit) {
      boost::system::error_code cec;
      socket.close(cec);
      continue;
    }
    boost::system::error_code nec;
    socket.set_option(tcp::no_delay(true), nec);
    shared.connections.fetch_add(1, std::memory_order_relaxed);
    auto watch = std::make_shared<ClientWatch>();
    auto& slot_owner = *watch;
    asio::co_spawn(w.context(), serveConnection(std::move(socket), w, std::move(watch)),
                   asio::bind_cancellation_slot(slot_owner.signal.slot(), asio::detached));
  }
}

// Opens the database and migrates it; virtual keys are loaded on first use (key_loader.hpp).
bool Server::Impl::openStore() {
  const config::Config& cfg = shared.runtime.current()->config;
  auto url = store::parseDatabaseUrl(cfg.general_settings.database_url);
  if (!url) {
    std::fprintf(stderr, "error: database_url: %s\n", url.error().message.c_str());
    return false;
  }
  auto opened = store::openStore(*url);
  if (!opened) {
    // The detail names the server and libpq's reason, never the url (it may hold a password).
    std::fprintf(stderr, "error: cannot open the database (%s%s%s): %s %s\n", url->engine.c_str(),
                 url->path.empty() ? "" : " ", url->path.c_str(), opened.error().message.c_str(),
                 opened.error().detail.c_str());
    return false;
  }
  store::StoreThreadOptions options;
  options.max_buffered = static_cast<std::size_t>(cfg.general_settings.store_buffer_rows);
  options.response_retention = std::chrono::milliseconds(
      static_cast<std::int64_t>(cfg.general_settings.responses_retention_s * 1000));
  shared.store = std::make_unique<store::StoreThread>(std::move(*opened), options);
  auto started = Clock::now();
  std::optional<api::Error> failed;
  std::int64_t keys = 0;
  int version = 0;
  keys::HierarchyOptions levels;
  levels.customer_defaults.max_budget = cfg.litellm_settings.max_end_user_budget;
  shared.hierarchy = std::make_unique<keys::Hierarchy>(levels);
  auto ran = shared.store->runBlocking([&](store::Store& st) {
    if (auto m = st.migrate(); !m) return void(failed = m.error());
    version = st.schemaVersion();
    auto counted = st.countKeys();
    if (!counted) return void(failed = counted.error());
    keys = *counted;
    if (auto h = shared.hierarchy->load(st); !h) return void(failed = h.error());
  });
  if (!ran) failed = ran.error();
  if (failed) {
    std::fprintf(stderr, "error: database %s: %s %s\n", url->path.c_str(),
                 failed->message.c_str(), failed->detail.c_str());
    return false;
  }
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  spdlog::info("store: {} {}(schema v{}), {} virtual key(s), ready in {:.0f} ms; keys are loaded "
               "on first use",
               url->engine, url->path.empty() ? "" : url->path + " ", version, keys, ms);
  // A shared database: without the Redis channel up, a loaded key is reread once this old.
  keys::KeyLoaderOptions loading;
  if (url->engine == "postgresql") {
    loading.refresh_after = std::chrono::milliseconds(
        static_cast<std::int64_t>(cfg.general_settings.user_api_key_cache_ttl_s * 1000));
  }
  shared.key_loader = std::make_unique<keys::KeyLoader>(shared.keys, *shared.store, loading);
  return true;
}

// Key changes told to and heard from the other instances over the shared Redis, when there is
// one and virtual keys are on (key_events.hpp).
void Server::Impl::startKeyEvents() {
  const config::Config& cfg = shared.runtime.current()->config;
  if (!shared.key_loader || cfg.general_settings.master_key.empty()) return;
  auto env = [](const char* n) { return std::getenv(n); };
  auto wanted = redis::sharedRedis(cfg, env);
  if (!wanted || !*wanted) return;  // no Redis (or a malformed one, reported by the workers)
  shared.key_events =
      std::make_unique<keys::KeyEvents>(main_ctx.get_executor(), **wanted, *shared.key_loader);
  if (shared.hierarchy) {
    shared.key_events->onLevel([h = shared.hierarchy.get(), st = shared.store.get()](
                                   char op, std::string_view id) { h->refresh(op, id, *st); });
  }
  shared.key_events->start();
  spdlog::info("key events: key changes shared over redis {}", redis::describe(**wanted));
}

void Server::Impl::reload() {
  if (opts.config_path.empty()) return;
  auto next = config::loadConfigFile(opts.config_path);
  if (next) providers::listUnsupportedProviders(*next);
  if (!next) {
    spdlog::error("config reload failed, keeping the previous config: {}", next.error().message);
    return;
  }
  for (const std::string& w : config::logMessages(*next)) spdlog::warn("{}", w);
  telemetry::setJsonLogs(next->config.litellm_settings.json_logs);
  std::size_t models = next->config.model_list.size();
  shared.runtime.publish(std::move(next->config));
  spdlog::info("config reloaded from {} ({} deployments)", opts.config_path, models);
}

asio::awaitable<void> Server::Impl::drain() {
  drain_started = true;
  shared.draining.store(true);
  if (shared.key_events) shared.key_events->stop();  // its loops end: main_ctx may return
  boost::system::error_code ec;
  acceptor->close(ec);
  double grace = shared.runtime.current()->config.general_settings.drain_timeout_s;
  spdlog::info("draining: finishing in-flight requests (up to {}s)", grace);
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(grace * 1000));
  asio::steady_timer tick(main_ctx);
  while (shared.connections.load() > 0 && Clock::now() < deadline) {
    for (auto& w : workers) asio::post(w->context(), [wp = w.get()] { wp->closeIdle(); });
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(kNoThrow);
  }
  if (shared.connections.load() > 0) {
    spdlog::warn("drain timeout: closing {} connection(s)", shared.connections.load());
  }
  for (auto& w : workers) w->stop();
  // main_ctx is not stopped: with the acceptor closed and the signal wait cancelled, its last
  // handlers (the aborted accept among them) run and run() returns on its own.
  stopping = true;
  signals.cancel(ec);  // signalLoop may be waiting, or (if this ran inline) checks `stopping`
}

asio::awaitable<void> Server::Impl::signalLoop() {
  while (!stopping) {
    auto [ec, sig] = co_await signals.async_wait(kNoThrow);
    if (ec) co_return;
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    if (sig == SIGUSR1) {
      telemetry::toggleDebugLogging();
      continue;
    }
    if (!drain_started) asio::co_spawn(main_ctx, drain(), asio::detached);
  }
}

namespace {

// Descriptors the process holds besides connections: listener, store, log and exporter sockets,
// the event loops' own.
constexpr rlim_t kSpareDescriptors = 64;

// Raises the soft open-files limit to the hard one (as nginx's worker_rlimit_nofile): each
// proxied request holds two descriptors, the client's connection and the provider's. Warns when
// max_connections needs more than the limit allows.
void raiseFileLimit(std::uint32_t max_connections) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    const rlim_t was = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) == 0) {
      spdlog::info("open files limit raised from {} to {}", was, lim.rlim_cur);
    } else {
      lim.rlim_cur = was;
    }
  }
  const rlim_t needed = 2 * static_cast<rlim_t>(max_connections) + kSpareDescriptors;
  if (lim.rlim_cur != RLIM_INFINITY && needed > lim.rlim_cur) {
    spdlog::warn(
        "general_settings.max_connections {} needs up to {} open files (a client and a provider "
        "connection per request) but the limit is {}: past about {} requests at once, new "
        "connections wait and provider connections fail (raise it with ulimit -n / LimitNOFILE)",
        max_connections, needed, lim.rlim_cur, (lim.rlim_cur - kSpareDescriptors) / 2);
  }
}

}  // namespace

Server::Server(ServerOptions opts, config::LoadResult initial)
    : impl_(std::make_unique<Impl>(std::move(opts), std::move(initial))) {}

Server::~Server() = default;

int Server::run() {
  Impl& s = *impl_;
  unsigned n = s.opts.workers ? s.opts.workers : std::max(1u, std::thread::hardware_concurrency());
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.opts.host, ec);
  if (ec) {
    std::fprintf(stderr, "error: --host %s is not an IP address\n", s.opts.host.c_str());
    return 1;
  }
  s.acceptor.emplace(s.main_ctx);
  tcp::endpoint ep(address, s.opts.port);
  s.acceptor->open(ep.protocol(), ec);
  if (!ec) s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(ep, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot listen on %s:%u: %s\n", s.opts.host.c_str(), s.opts.port,
                 ec.message().c_str());
    return 1;
  }
  s.signals.add(SIGINT);
  s.signals.add(SIGTERM);
  s.signals.add(SIGHUP);
  s.signals.add(SIGUSR1);
  auto bound = s.acceptor->local_endpoint();
  std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                             : bound.address().to_string();
  std::printf("Switchyard listening on http://%s:%u (port %u, %u workers)\n", host.c_str(),
              bound.port(), bound.port(), n);
  std::fflush(stdout);
  for (const std::string& w : s.warnings) spdlog::warn("{}", w);
  raiseFileLimit(s.shared.runtime.current()->config.general_settings.max_connections);
  if (s.shared.runtime.current()->config.general_settings.master_key.empty()) {
    spdlog::warn("no master_key configured: the gateway is open to anyone who can reach it");
  }

  if (!s.openStore()) return 1;
  s.startKeyEvents();
  makeMetrics(s.shared, n);
  startExports(s.shared, n);
  for (unsigned i = 0; i < n; ++i) s.workers.push_back(std::make_unique<Worker>(i, s.shared));
  addCollectors(s.shared, s.workers);
  addTelemetryCollectors(s.shared);
  // Only the main thread takes SIGTERM/SIGINT/SIGHUP: worker threads are started with them
  // blocked (a thread inherits its creator's mask).
  {
    sigset_t stop_signals, previous;
    stopSignals(stop_signals);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    for (auto& w : s.workers) w->start();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  asio::co_spawn(s.main_ctx, s.acceptLoop(), asio::detached);
  asio::co_spawn(s.main_ctx, s.signalLoop(), asio::detached);
  s.main_ctx.run();
  // Drained. From here on a further SIGTERM (a supervisor repeating itself) must not kill the
  // process with the default action while it exits: the signal_set that handles them is about
  // to be destroyed, which restores SIG_DFL. Every other thread already blocks them.
  {
    sigset_t stop_signals;
    stopSignals(stop_signals);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  }
  for (auto& w : s.workers) w->join();
  // Its loops ended with main_ctx's work; the workers read it until they stopped (a reload
  // builds their routes from it), so it goes after them (ThreadSanitizer).
  s.shared.key_events.reset();
  // Every request has ended: their spans and webhook events go out (bounded).
  stopExports(s.shared, std::chrono::seconds(2));
  if (s.shared.store) {
    // Every request has ended: what they queued (spend rows, key spend) is written now.
    s.shared.store->stop();
    store::StoreStats st = s.shared.store->stats();
    spdlog::info("store: {} item(s) written, {} dropped", st.written, st.dropped);
  }
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace switchyard::server
