// HttpPoster (http_post.hpp).

#include "http_post.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace switchyard::exports {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // the answer is read and discarded
constexpr auto kResolveEvery = std::chrono::seconds(60);  // a name's addresses are looked up again

}  // namespace

struct HttpPoster::Impl {
  Impl() : tls_context(ssl::context::tls_client) {
    tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    tls_context.set_default_verify_paths(ec);
    tls_context.set_verify_mode(ssl::verify_peer);
  }

  void close() {
    boost::system::error_code ec;
    if (socket) socket->close(ec);
    tls.reset();
    socket.reset();
  }

  ssl::context tls_context;
  // Replaced after a post that could not be cancelled in time (its operations go with it).
  std::unique_ptr<asio::io_context> ctx = std::make_unique<asio::io_context>(1);
  // The connection kept between posts (none before the first post and after a failure).
  std::optional<tcp::socket> socket;
  std::optional<ssl::stream<tcp::socket&>> tls;
  // The endpoint's addresses: an IP literal's at once, a name's looked up (on asio's resolver
  // thread) at most once a minute.
  tcp::resolver::results_type endpoints;
  Clock::time_point resolved_at{};
};

HttpPoster::HttpPoster(providers::Url url, std::map<std::string, std::string> headers)
    : url_(std::move(url)), headers_(std::move(headers)), impl_(std::make_unique<Impl>()) {}

HttpPoster::~HttpPoster() = default;

HttpPoster::Result HttpPoster::post(const std::string& content_type, std::string body,
                                    std::chrono::milliseconds timeout,
                                    const std::atomic<std::int64_t>* stop_at) {
  Impl& s = *impl_;
  asio::io_context& ctx = *s.ctx;
  ctx.restart();
  http::request<http::string_body> req{http::verb::post, url_.path.empty() ? "/" : url_.path, 11};
  if (!url_.query.empty()) req.target(std::string(req.target()) + "?" + url_.query);
  req.set(http::field::host, url_.hostHeader());
  req.set(http::field::content_type, content_type);
  req.set(http::field::user_agent, "switchyard");
  for (const auto& [k, v] : headers_) req.set(k, v);
  req.body() = std::move(body);
  req.keep_alive(true);
  req.prepare_payload();

  Result result;
  bool done = false;
  auto connect = [&]() -> asio::awaitable<void> {
    s.close();
    if (s.endpoints.empty() || Clock::now() - s.resolved_at >= kResolveEvery) {
      boost::system::error_code ec;
      auto ip = asio::ip::make_address(url_.host, ec);
      if (!ec) {
        s.endpoints = tcp::resolver::results_type::create(tcp::endpoint(ip, url_.port), url_.host,
                                                         std::to_string(url_.port));
      } else {
        tcp::resolver resolver(ctx);
        s.endpoints = co_await resolver.async_resolve(url_.host, std::to_string(url_.port),
                                                      asio::use_awaitable);
      }
      s.resolved_at = Clock::now();
    }
    s.socket.emplace(ctx);
    co_await asio::async_connect(*s.socket, s.endpoints, asio::use_awaitable);
    if (url_.tls) {
      s.tls.emplace(*s.socket, s.tls_context);
      if (!SSL_set_tlsext_host_name(s.tls->native_handle(), url_.host.c_str()))
        throw std::runtime_error("TLS: cannot set the server name");
      s.tls->set_verify_callback(ssl::host_name_verification(url_.host));
      co_await s.tls->async_handshake(ssl::stream_base::client, asio::use_awaitable);
    }
  };
  // One exchange on the current connection; false when it failed before any answer byte came
  // back (a kept connection the server had closed meanwhile: worth one try on a new one).
  auto exchange = [&](bool reused) -> asio::awaitable<bool> {
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    boost::system::error_code ec;
    if (s.tls) {
      co_await http::async_write(*s.tls, req, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await http::async_read(*s.tls, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await http::async_write(*s.socket, req, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await http::async_read(*s.socket, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      s.close();
      if (reused && buf.size() == 0 && !parser.got_some()) co_return false;
      throw boost::system::system_error(ec);
    }
    result.status = parser.get().result_int();
    if (!result.ok()) result.error = "HTTP " + std::to_string(result.status);
    if (!parser.get().keep_alive()) s.close();
    co_return true;
  };
  auto run = [&]() -> asio::awaitable<void> {
    const bool reused = s.socket.has_value();
    if (!reused) co_await connect();
    if (!co_await exchange(reused)) {
      co_await connect();
      co_await exchange(false);
    }
  };
  asio::co_spawn(ctx, run(), [&](std::exception_ptr e) {
    done = true;
    if (!e) return;
    s.close();
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      result.status = 0;
      result.error = x.what();
    }
  });
  // In slices, to notice a shutdown's deadline.
  const auto until = Clock::now() + timeout;
  while (!done && !ctx.stopped()) {
    auto now = Clock::now();
    if (now >= until) break;
    if (stop_at) {
      std::int64_t at = stop_at->load(std::memory_order_relaxed);
      if (at != 0 && now.time_since_epoch().count() >= at) break;
    }
    ctx.run_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
  if (!done) {
    // Past the deadline: close the connection, let the operations finish cancelled.
    s.close();
    ctx.restart();
    ctx.run_for(std::chrono::milliseconds(500));
    if (!done) {
      // Still not unwound: drop the io_context with what it holds (nothing of it may outlive
      // this call's locals), and start the next post on a new one.
      s.close();
      s.ctx = std::make_unique<asio::io_context>(1);
    }
    result.status = 0;
    result.error = "timed out after " + std::to_string(timeout.count()) + " ms";
  }
  return result;
}

}  // namespace switchyard::exports
