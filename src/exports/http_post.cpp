// HttpPoster (http_post.hpp).

#include "http_post.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
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

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // the answer is read and discarded

}  // namespace

struct HttpPoster::Impl {
  Impl() : tls(ssl::context::tls_client) {
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    tls.set_default_verify_paths(ec);
    tls.set_verify_mode(ssl::verify_peer);
  }
  ssl::context tls;
};

HttpPoster::HttpPoster(providers::Url url, std::map<std::string, std::string> headers)
    : url_(std::move(url)), headers_(std::move(headers)), impl_(std::make_unique<Impl>()) {}

HttpPoster::~HttpPoster() = default;

HttpPoster::Result HttpPoster::post(const std::string& content_type, std::string body,
                                    std::chrono::milliseconds timeout,
                                    const std::atomic<std::int64_t>* stop_at) {
  asio::io_context ctx(1);
  http::request<http::string_body> req{http::verb::post, url_.path.empty() ? "/" : url_.path, 11};
  if (!url_.query.empty()) req.target(std::string(req.target()) + "?" + url_.query);
  req.set(http::field::host, url_.hostHeader());
  req.set(http::field::content_type, content_type);
  req.set(http::field::user_agent, "switchyard");
  for (const auto& [k, v] : headers_) req.set(k, v);
  req.body() = std::move(body);
  req.keep_alive(false);
  req.prepare_payload();

  Result result;
  bool done = false;
  tcp::socket plain(ctx);
  std::optional<ssl::stream<tcp::socket&>> tls;
  auto run = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(ctx);
    auto endpoints =
        co_await resolver.async_resolve(url_.host, std::to_string(url_.port), asio::use_awaitable);
    co_await asio::async_connect(plain, endpoints, asio::use_awaitable);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    if (url_.tls) {
      tls.emplace(plain, impl_->tls);
      if (!SSL_set_tlsext_host_name(tls->native_handle(), url_.host.c_str()))
        throw std::runtime_error("TLS: cannot set the server name");
      tls->set_verify_callback(ssl::host_name_verification(url_.host));
      co_await tls->async_handshake(ssl::stream_base::client, asio::use_awaitable);
      co_await http::async_write(*tls, req, asio::use_awaitable);
      co_await http::async_read(*tls, buf, parser, asio::use_awaitable);
    } else {
      co_await http::async_write(plain, req, asio::use_awaitable);
      co_await http::async_read(plain, buf, parser, asio::use_awaitable);
    }
    result.status = parser.get().result_int();
    if (!result.ok()) result.error = "HTTP " + std::to_string(result.status);
  };
  asio::co_spawn(ctx, run(), [&](std::exception_ptr e) {
    done = true;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      result.status = 0;
      result.error = x.what();
    }
  });
  // In slices, to notice a shutdown's deadline.
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done && !ctx.stopped()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until) break;
    if (stop_at) {
      std::int64_t s = stop_at->load(std::memory_order_relaxed);
      if (s != 0 && now.time_since_epoch().count() >= s) break;
    }
    ctx.run_for(std::min<std::chrono::steady_clock::duration>(until - now,
                                                              std::chrono::milliseconds(20)));
  }
  if (!done) {
    // Past the deadline: close the socket, let the operations finish cancelled.
    boost::system::error_code ec;
    plain.close(ec);
    ctx.restart();
    ctx.run_for(std::chrono::milliseconds(500));
    result.status = 0;
    result.error = "timed out after " + std::to_string(timeout.count()) + " ms";
  }
  return result;
}

}  // namespace switchyard::exports
