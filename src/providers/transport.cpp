#include "switchyard/providers/transport.hpp"
#include "switchyard/asio/no_throw.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <unordered_map>

namespace switchyard::providers {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using api::Error;
using api::ErrorKind;
constexpr std::size_t kReadChunk = 16 * 1024;

struct Connection {
  std::string origin;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  bool reused = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

Error transportError(std::string_view what, const beast::error_code& ec,
                     const std::string& origin) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return Error{ErrorKind::kUpstreamTimeout, "The provider did not answer in time.",
                 std::string(what) + " " + origin + ": timed out"};
  }
  return Error{ErrorKind::kUpstreamError,
               "The provider could not be reached or sent an invalid response.",
               std::string(what) + " " + origin + ": " + ec.message()};
}

bool peerClosed(Connection& c) {
  int fd = c.lowest().socket().native_handle();
  char byte;
  ssize_t r = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r == 0) return true;
  if (r < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return !c.tls;  // stray bytes on a plain idle connection: unusable. TLS may carry tickets.
}

// The request head, written by hand (Beast's generic serializer costs more than the rest of a
// small request). Header names and values come from the config and adapters, never the client.
std::string formatRequestHead(const Url& url, const UpstreamRequest& req) {
  std::string out;
  out.reserve(256 + req.target.size());
  out.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\nhost: ");
  out.append(url.hostHeader()).append("\r\nuser-agent: switchyard/0.1\r\n");
  for (const api::Header& h : req.headers)
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  out.append("content-length: ").append(std::to_string(req.payload().size())).append("\r\n\r\n");
  return out;
}

template <class Stream>
asio::awaitable<beast::error_code> writeOn(Stream& s, const std::string& head,
                                           std::string_view body) {
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  auto [ec, n] = co_await asio::async_write(s, buffers, kNoThrow);
  co_return ec;
}
template <class Stream, class Parser>
asio::awaitable<beast::error_code> readAllOn(Stream& s, beast::flat_buffer& b, Parser& p) {
  auto [ec, n] = co_await http::async_read(s, b, p, kNoThrow);
  co_return ec;
}
template <class Stream, class Parser>
asio::awaitable<beast::error_code> readHeaderOn(Stream& s, beast::flat_buffer& b, Parser& p) {
  auto [ec, n] = co_await http::async_read_header(s, b, p, kNoThrow);
  co_return ec;
}
template <class Stream, class Parser>
asio::awaitable<beast::error_code> readSomeOn(Stream& s, beast::flat_buffer& b, Parser& p) {
  auto [ec, n] = co_await http::async_read_some(s, b, p, kNoThrow);
  co_return ec;
}

asio::awaitable<beast::error_code> writeRequest(Connection& c, const std::string& head,
                                                std::string_view body) {
  // (no co_await inside ?: — GCC 12 miscompiles it)
  if (c.tls) co_return co_await writeOn(*c.tls, head, body);
  // Plain TCP: try the socket at once; a timed asynchronous write (Beast arms a timer for it) only
  // for what it did not take.
  tcp::socket& socket = c.plain->socket();
  beast::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  std::size_t n = socket.write_some(bufs, ec);
  if (!ec && n == head.size() + body.size()) co_return beast::error_code{};
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return ec;
  if (ec) n = 0;
  std::size_t from_head = std::min(n, head.size());
  std::array<asio::const_buffer, 2> rest{
      asio::buffer(head.data() + from_head, head.size() - from_head),
      asio::buffer(body.data() + (n - from_head), body.size() - (n - from_head))};
  auto [wec, wn] = co_await asio::async_write(*c.plain, rest, kNoThrow);
  co_return wec;
}
template <class Parser>
asio::awaitable<beast::error_code> readMessage(Connection& c, Parser& p) {
  if (c.tls) co_return co_await readAllOn(*c.tls, c.buffer, p);
  co_return co_await readAllOn(*c.plain, c.buffer, p);
}
template <class Parser>
asio::awaitable<beast::error_code> readHeader(Connection& c, Parser& p) {
  if (c.tls) co_return co_await readHeaderOn(*c.tls, c.buffer, p);
  co_return co_await readHeaderOn(*c.plain, c.buffer, p);
}
template <class Parser>
asio::awaitable<beast::error_code> readSome(Connection& c, Parser& p) {
  if (c.tls) co_return co_await readSomeOn(*c.tls, c.buffer, p);
  co_return co_await readSomeOn(*c.plain, c.buffer, p);
}

// Whether writing the request to a pooled connection failed because the server closed it while
// idle (after the probe looked). Only then is the request sent again on a new connection: once it
// is written, the server may have read and acted on it (and billed it) before closing, so a
// failure after that is the request's, as nginx treats a POST (the router retries it if
// configured to).
bool staleReuse(const Connection& c, const beast::error_code& write_error) {
  const beast::error_code& ec = write_error;
  if (!c.reused) return false;
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

template <class Fields>
std::vector<api::Header> lowerHeaders(const Fields& fields) {
  std::vector<api::Header> out;
  out.reserve(8);
  for (const auto& f : fields) {
    std::string name(f.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.push_back({std::move(name), std::string(f.value())});
  }
  return out;
}

class TransportImpl;

class StreamImpl final : public UpstreamStream {
 public:
  StreamImpl(std::shared_ptr<TransportImpl> owner, std::unique_ptr<Connection> conn,
             std::unique_ptr<http::response_parser<http::buffer_body>> parser)
      : owner_(std::move(owner)),
        conn_(std::move(conn)),
        parser_(std::move(parser)),
        headers_(lowerHeaders(parser_->get().base())) {}
  ~StreamImpl() override;

  unsigned status() const noexcept override { return parser_->get().result_int(); }
  std::string_view header(std::string_view name) const noexcept override {
    for (const auto& h : headers_)
      if (h.name == name) return h.value;
    return {};
  }
  asio::awaitable<api::Result<std::optional<std::string>>> read(Clock::duration idle) override;
  asio::awaitable<api::Result<std::string>> readAll(Clock::duration timeout,
                                                    std::size_t max) override;

 private:
  void finish();
  // The stream broke: the connection is closed (never pooled) and the error returned.
  Error fail(const beast::error_code& ec) {
    Error e = transportError("stream from", ec, conn_->origin);
    conn_->close();
    conn_.reset();
    done_ = true;
    return e;
  }
  std::shared_ptr<TransportImpl> owner_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser_;
  std::vector<api::Header> headers_;
  std::unique_ptr<char[]> scratch_;  // body bytes land here, kReadChunk at a time
  bool done_ = false;
};

class TransportImpl final : public Transport {
 public:
  TransportImpl(asio::any_io_executor ex, Options opts)
      : Transport(std::move(opts)), ex_(std::move(ex)) {}

  asio::awaitable<api::Result<UpstreamResponse>> send(const Url& url, const UpstreamRequest& req,
                                                      Clock::duration timeout) override;
  asio::awaitable<api::Result<std::unique_ptr<UpstreamStream>>> open(
      const Url& url, const UpstreamRequest& req, Clock::duration first_byte_timeout) override;

  std::size_t idleConnections() const noexcept override {
    std::size_t n = 0;
    for (const auto& [k, v] : idle_) n += v.size();
    return n;
  }

  void release(std::unique_ptr<Connection> c) {
    auto& list = idle_[c->origin];
    if (list.size() >= opts_.max_idle_per_origin) return;  // closed by its destructor
    c->lowest().expires_never();
    c->idle_since = Clock::now();
    c->reused = true;
    list.push_back(std::move(c));
  }

 private:
  std::unique_ptr<Connection> takeIdle(const std::string& origin) {
    auto it = idle_.find(origin);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    auto now = Clock::now();
    while (!list.empty()) {
      std::unique_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      const auto idle = now - c->idle_since;
      if (idle >= opts_.idle_keepalive) continue;
      // Probed (a syscall) before it is trusted: a server that closed it meanwhile would otherwise
      // fail the request, which is not sent twice once written (staleReuse).
      if (!peerClosed(*c)) return c;
    }
    return nullptr;
  }

  asio::awaitable<api::Result<std::unique_ptr<Connection>>> connect(const Url& url,
                                                                    Clock::time_point deadline);
  // A pooled connection if one is alive, else a new one.
  asio::awaitable<api::Result<std::unique_ptr<Connection>>> acquire(const Url& url,
                                                                    Clock::time_point deadline,
                                                                    bool allow_pooled) {
    if (allow_pooled) {
      if (auto c = takeIdle(url.origin())) co_return std::move(c);
    }
    co_return co_await connect(url, deadline);
  }

  asio::any_io_executor ex_;
  // The TLS context, made with the first https connection: loading the system's CA bundle takes
  // tens of milliseconds, which a gateway with only plain-http upstreams should not spend at
  // startup (per worker).
  ssl::context& tlsContext() {
    if (ssl_ctx_) return *ssl_ctx_;
    ssl::context& c = ssl_ctx_.emplace(ssl::context::tls_client);
    c.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (opts_.tls.ca_file.empty()) {
      c.set_default_verify_paths(ec);
    } else {
      c.load_verify_file(opts_.tls.ca_file, ec);
    }
    if (ec)
      spdlog::error("TLS: could not load CA certificates ({}): {}", opts_.tls.ca_file, ec.message());
    c.set_verify_mode(opts_.tls.verify ? ssl::verify_peer : ssl::verify_none);
    return c;
  }
  std::optional<ssl::context> ssl_ctx_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

StreamImpl::~StreamImpl() {
  if (!done_ && conn_) conn_->close();  // cancels the upstream request
}

void StreamImpl::finish() {
  done_ = true;
  if (conn_ && parser_->get().keep_alive()) owner_->release(std::move(conn_));
  conn_.reset();
}

asio::awaitable<api::Result<std::optional<std::string>>> StreamImpl::read(Clock::duration idle) {
  if (done_ || !conn_) co_return std::optional<std::string>{};
  if (!scratch_) scratch_ = std::make_unique_for_overwrite<char[]>(kReadChunk);
  for (;;) {
    if (parser_->is_done()) {
      finish();
      co_return std::optional<std::string>{};
    }
    auto& body = parser_->get().body();
    body.data = scratch_.get();
    body.size = kReadChunk;
    beast::error_code ec;
    bool got_now = false;
    if (!conn_->tls && conn_->buffer.size() == 0) {
      // Plain TCP: take what the socket already holds without waiting; the timed asynchronous
      // read (Beast arms a timer for it) only when there is nothing yet.
      tcp::socket& socket = conn_->plain->socket();
      if (!socket.non_blocking()) socket.non_blocking(true, ec);
      std::size_t n = socket.read_some(conn_->buffer.prepare(kReadChunk), ec);
      if (!ec && n > 0) {
        conn_->buffer.commit(n);
        got_now = true;
      }
      ec = {};  // would_block, or an EOF/error the asynchronous read below reports properly
    }
    if (!got_now) {
      conn_->lowest().expires_after(idle);
      ec = co_await readSome(*conn_, *parser_);
      if (ec == http::error::need_buffer) ec = {};
    }
    if (ec) co_return fail(ec);
    // Beast stops after each chunk of a chunked body. Hand over every chunk already received
    // in one piece (parsing only bytes in the buffer, never waiting for more), so that a burst
    // of events becomes one write to the client rather than one per event.
    while (!parser_->is_done() && body.size > 0 && conn_->buffer.size() > 0) {
      beast::error_code pec;
      std::size_t used = parser_->put(conn_->buffer.data(), pec);
      conn_->buffer.consume(used);
      if (pec == http::error::need_more || pec == http::error::need_buffer || (!pec && used == 0))
        break;
      if (pec) {
        co_return fail(pec);
      }
    }
    std::size_t produced = kReadChunk - body.size;
    if (produced > 0) {
      std::optional<std::string> out{std::in_place, scratch_.get(), produced};
      if (parser_->is_done()) finish();
      co_return out;
    }
  }
}

asio::awaitable<api::Result<std::string>> StreamImpl::readAll(Clock::duration timeout,
                                                              std::size_t max) {
  std::string all;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto piece = co_await read(std::max(Clock::duration::zero(), deadline - Clock::now()));
    if (!piece) co_return piece.error();
    if (!*piece) co_return all;
    if (all.size() + (*piece)->size() > max) {
      conn_.reset();  // closes
      done_ = true;
      co_return Error{ErrorKind::kUpstreamError, "The provider sent a response that is too large.",
                      "response body over limit"};
    }
    all += **piece;
  }
}

asio::awaitable<api::Result<std::unique_ptr<Connection>>> TransportImpl::connect(
    const Url& url, Clock::time_point deadline) {
  auto c = std::make_unique<Connection>();
  c->origin = url.origin();
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, url.port);
  } else {
    auto resolver = std::make_shared<tcp::resolver>(ex_);
    auto timer = std::make_shared<asio::steady_timer>(ex_, deadline);
    timer->async_wait([resolver](const beast::error_code& tec) {
      if (!tec) resolver->cancel();
    });
    auto [rec, results] =
        co_await resolver->async_resolve(url.host, std::to_string(url.port), kNoThrow);
    timer->cancel();
    if (rec) {
      co_return transportError("resolve",
                               rec == asio::error::operation_aborted ? beast::error::timeout : rec,
                               c->origin);
    }
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  if (url.tls) {
    c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex_, tlsContext());
  } else {
    c->plain = std::make_unique<beast::tcp_stream>(ex_);
  }
  // Opened here so that running out of descriptors is reported as the gateway's own limit, not
  // as a provider that cannot be reached (a range connect reports it as a cancellation).
  if (!endpoints.empty()) {
    c->lowest().socket().open(endpoints.front().protocol(), ec);
    if (ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system) {
      co_return Error{ErrorKind::kUnavailable,
                      "The gateway has no file descriptor left for a provider connection; retry "
                      "shortly.",
                      "connect to " + c->origin + ": " + ec.message() +
                          " (the gateway's open files limit; see general_settings.max_connections)",
                      0, "", "", 1};
    }
    ec.clear();
  }
  c->lowest().expires_at(deadline);
  auto [cec, ep] = co_await c->lowest().async_connect(endpoints, kNoThrow);
  if (cec) co_return transportError("connect to", cec, c->origin);
  c->lowest().socket().set_option(tcp::no_delay(true), ec);
  if (c->tls) {
    beast::error_code aec;
    (void)asio::ip::make_address(url.host, aec);
    bool is_ip = !aec;
    if (!is_ip && !SSL_set_tlsext_host_name(c->tls->native_handle(), url.host.c_str())) {
      co_return Error{ErrorKind::kUpstreamError,
                      "The provider could not be reached or sent an invalid response.",
                      "TLS SNI setup failed for " + c->origin};
    }
    if (opts_.tls.verify) c->tls->set_verify_callback(ssl::host_name_verification(url.host));
    auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) co_return transportError("TLS handshake with", hec, c->origin);
  }
  co_return std::move(c);
}

asio::awaitable<api::Result<UpstreamResponse>> TransportImpl::send(const Url& url,
                                                                   const UpstreamRequest& req,
                                                                   Clock::duration timeout) {
  auto deadline = Clock::now() + timeout;
  const std::string head = formatRequestHead(url, req);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = co_await acquire(url, deadline, attempt == 0);
    if (!conn) co_return conn.error();
    std::unique_ptr<Connection> c = std::move(*conn);
    c->lowest().expires_at(deadline);
    beast::error_code ec = co_await writeRequest(*c, head, req.payload());
    const bool retry = staleReuse(*c, ec);
    http::response_parser<http::string_body> p;
    p.body_limit(opts_.max_response_bytes);
    p.header_limit(64 * 1024);
    if (!ec) ec = co_await readMessage(*c, p);
    if (ec) {
      c->close();
      if (retry) continue;
      if (ec == http::error::body_limit) {
        co_return Error{ErrorKind::kUpstreamError,
                        "The provider sent a response that is too large.",
                        "response body over limit from " + c->origin};
      }
      co_return transportError("request to", ec, c->origin);
    }
    UpstreamResponse out;
    auto& msg = p.get();
    out.status = msg.result_int();
    out.headers = lowerHeaders(msg.base());
    out.body = std::move(msg.body());
    if (msg.keep_alive()) release(std::move(c));
    co_return out;
  }
  co_return Error{ErrorKind::kUpstreamError, "The provider could not be reached.", "unreachable"};
}

asio::awaitable<api::Result<std::unique_ptr<UpstreamStream>>> TransportImpl::open(
    const Url& url, const UpstreamRequest& req, Clock::duration first_byte_timeout) {
  auto deadline = Clock::now() + first_byte_timeout;
  const std::string head = formatRequestHead(url, req);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = co_await acquire(url, deadline, attempt == 0);
    if (!conn) co_return conn.error();
    std::unique_ptr<Connection> c = std::move(*conn);
    c->lowest().expires_at(deadline);
    beast::error_code ec = co_await writeRequest(*c, head, req.payload());
    const bool retry = staleReuse(*c, ec);
    auto p = std::make_unique<http::response_parser<http::buffer_body>>();
    p->body_limit(boost::none);
    p->header_limit(64 * 1024);
    if (!ec) ec = co_await readHeader(*c, *p);
    if (ec) {
      c->close();
      if (retry) continue;
      co_return transportError("request to", ec, c->origin);
    }
    std::shared_ptr<TransportImpl> self(shared_from_this(), this);
    co_return std::unique_ptr<UpstreamStream>(
        std::make_unique<StreamImpl>(std::move(self), std::move(c), std::move(p)));
  }
  co_return Error{ErrorKind::kUpstreamError, "The provider could not be reached.", "unreachable"};
}

}  // namespace

std::string_view UpstreamResponse::header(std::string_view lower_name) const noexcept {
  for (const auto& h : headers)
    if (h.name == lower_name) return h.value;
  return {};
}

std::shared_ptr<Transport> Transport::create(asio::any_io_executor ex, Options opts) {
  return std::make_shared<TransportImpl>(std::move(ex), std::move(opts));
}

}  // namespace switchyard::providers
