// KeyEvents (key_events.hpp): one SUBSCRIBEd connection, and a queue of PUBLISHes sent through a
// client of their own, both on one executor.

#include "switchyard/keys/key_events.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <deque>
#include <mutex>

#include "switchyard/keys/key_loader.hpp"
#include "switchyard/redis/client.hpp"
#include "switchyard/redis/connection.hpp"

namespace switchyard::keys {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string randomId() {
  unsigned char bytes[8] = {};
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    auto t = Clock::now().time_since_epoch().count();
    std::memcpy(bytes, &t, sizeof bytes);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) out += {kDigits[b >> 4], kDigits[b & 15]};
  return out;
}

api::Error stopped() { return {api::ErrorKind::kUnavailable, "stopped", "key events stopped"}; }

}  // namespace

struct KeyEvents::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor e, redis::Settings s, KeyLoader& l, KeyEventsOptions o)
      : ex(std::move(e)), settings(std::move(s)), loader(l), opts(std::move(o)), id(randomId()),
        sub_timer(ex), pub_timer(ex) {
    if (settings.tls) {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      tls->set_default_verify_paths();
    }
  }

  asio::any_io_executor ex;
  const redis::Settings settings;
  KeyLoader& loader;
  const KeyEventsOptions opts;
  const std::string id;  // this instance's, to skip its own messages
  std::unique_ptr<asio::ssl::context> tls;
  asio::steady_timer sub_timer, pub_timer;
  std::shared_ptr<redis::Connection> conn;  // executor only
  std::atomic<bool> stopping{false}, subscribed{false};
  std::atomic<std::uint64_t> published{0}, received{0}, dropped{0}, resubscribed{0};

  struct Message {
    std::string text;
    Clock::time_point at;
  };
  std::mutex mu;
  std::deque<Message> queue;  // mu
  KeyEvents::LevelHandler on_level;  // set before start()

  void push(std::string text) {
    {
      std::lock_guard lock(mu);
      if (queue.size() >= opts.max_queued) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      queue.push_back({std::move(text), Clock::now()});
    }
    asio::post(ex, [st = shared_from_this()] { st->pub_timer.cancel(); });
  }

  void onMessage(const redis::Value& v) {
    if (v.elements.size() < 3) return;
    const std::string& text = v.elements.back().str;  // "message", channel, payload
    const std::size_t a = text.find(' ');
    const std::size_t b = a == std::string::npos ? a : text.find(' ', a + 1);
    if (b == std::string::npos) return;
    if (std::string_view(text).substr(0, a) == id) return;  // our own
    received.fetch_add(1, std::memory_order_relaxed);
    const std::string_view op = std::string_view(text).substr(a + 1, b - a - 1);
    const std::string_view arg = std::string_view(text).substr(b + 1);
    if (op == "k" || op == "s") {
      loader.refresh(arg, op == "s");
    } else if (op.size() == 1 && on_level) {
      on_level(op[0], arg);
    }
  }

  asio::awaitable<void> pause(std::chrono::milliseconds d) {
    sub_timer.expires_after(d);
    boost::system::error_code ec;
    co_await sub_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> subscribeLoop() {
    auto self = shared_from_this();
    std::chrono::milliseconds backoff = opts.backoff_initial;
    bool warned = false;
    while (!stopping) {
      conn = redis::Connection::make(ex, settings, tls.get());
      auto opened = co_await conn->open(Clock::now() + settings.connect_timeout);
      if (opened && !stopping) {
        std::weak_ptr<State> weak = self;
        conn->setPushHandler([weak](redis::Value&& v) {
          if (auto s = weak.lock()) s->onMessage(v);
        });
        const std::vector<std::string> subscribe{"SUBSCRIBE", opts.channel};
        auto r = co_await conn->call(subscribe, Clock::now() + opts.ping_timeout);
        if (r && !r->isError() && !stopping) {
          backoff = opts.backoff_initial;
          resubscribed.fetch_add(1, std::memory_order_relaxed);
          subscribed = true;
          loader.markAllStale();  // what was published while we were away is lost
          if (on_level) on_level('*', "");
          loader.setChannelUp(true);
          spdlog::info("key events: subscribed to {} on redis {}", opts.channel,
                       redis::describe(settings));
          warned = false;
          const std::vector<std::string> ping{"PING"};
          while (!stopping && conn->usable()) {
            co_await pause(opts.ping_every);
            if (stopping) break;
            auto p = co_await conn->call(ping, Clock::now() + opts.ping_timeout);
            if (!p) break;
          }
          subscribed = false;
          loader.setChannelUp(false);
        }
      }
      if (!warned && !stopping) {
        spdlog::warn("key events: not subscribed to redis {} ({}); keys are reread from the "
                     "store when older than the key cache's refresh interval",
                     redis::describe(settings),
                     opened ? "subscription lost" : opened.error().detail);
        warned = true;
      }
      conn->close(stopped());
      if (stopping) break;
      co_await pause(backoff);
      backoff = std::min(opts.backoff_max, backoff * 2);
    }
  }

  // Sends the queued messages in order; false when Redis did not take one (kept for a retry).
  asio::awaitable<bool> sendQueued(redis::Client& client) {
    for (;;) {
      std::string text;
      {
        std::lock_guard lock(mu);
        while (!queue.empty() && Clock::now() - queue.front().at > opts.max_age) {
          queue.pop_front();
          dropped.fetch_add(1, std::memory_order_relaxed);
        }
        if (queue.empty()) co_return true;
        text = queue.front().text;
      }
      const std::vector<std::string> args{"PUBLISH", opts.channel, text};
      auto r = co_await client.call(args, std::max(settings.timeout, std::chrono::milliseconds(250)));
      if (!r || r->isError()) co_return false;
      published.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(mu);
      if (!queue.empty() && queue.front().text == text) queue.pop_front();
    }
  }

  asio::awaitable<void> publishLoop() {
    auto self = shared_from_this();
    redis::Client client(ex, settings);
    while (!stopping) {
      const bool sent = co_await sendQueued(client);
      if (stopping) break;
      {
        std::lock_guard lock(mu);
        if (sent && !queue.empty()) continue;  // more came meanwhile
      }
      // Woken by publish() (which cancels the wait), or after retry_every to try again.
      if (sent) {
        pub_timer.expires_at(Clock::time_point::max());
      } else {
        pub_timer.expires_after(opts.retry_every);
      }
      boost::system::error_code ec;
      co_await pub_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

KeyEvents::KeyEvents(asio::any_io_executor ex, redis::Settings settings, KeyLoader& loader,
                     KeyEventsOptions options)
    : state_(std::make_shared<State>(std::move(ex), std::move(settings), loader,
                                     std::move(options))) {}

KeyEvents::~KeyEvents() { stop(); }

void KeyEvents::start() {
  asio::co_spawn(state_->ex, state_->subscribeLoop(), asio::detached);
  asio::co_spawn(state_->ex, state_->publishLoop(), asio::detached);
}

void KeyEvents::stop() {
  if (state_->stopping.exchange(true)) return;
  asio::post(state_->ex, [s = state_] {
    s->sub_timer.cancel();
    s->pub_timer.cancel();
    if (s->conn) s->conn->close(stopped());
  });
}

void KeyEvents::publish(std::string_view token_hex, bool spend_set) {
  state_->push(state_->id + (spend_set ? " s " : " k ") + std::string(token_hex));
}

void KeyEvents::publishLevel(store::Level level, std::string_view id, bool spend_set) {
  char op = level == store::Level::kTeam ? 't' : level == store::Level::kUser ? 'u' : 'c';
  if (level == store::Level::kKey) return publish(id, spend_set);
  if (spend_set) op = static_cast<char>(op - 'a' + 'A');
  state_->push(state_->id + " " + op + " " + std::string(id));
}

void KeyEvents::publishBudget(std::string_view budget_id) {
  state_->push(state_->id + " b " + std::string(budget_id));
}

void KeyEvents::onLevel(LevelHandler handler) { state_->on_level = std::move(handler); }

KeyEventStats KeyEvents::stats() const {
  return {state_->published.load(), state_->received.load(), state_->dropped.load(),
          state_->resubscribed.load(), state_->subscribed.load()};
}

}  // namespace switchyard::keys
