// One client connection: HTTP/1.1 keep-alive, pipelined requests answered in order, bounded head
// and body, header/body/idle timeouts, replies written whole or streamed chunk by chunk.
//
// The session only reads requests and writes replies: which chain answers a request is the route
// table's business (routes.cpp), and everything a request means is the filters'.

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdio>

#include "switchyard/server/route_table.hpp"
#include "worker.hpp"

namespace switchyard::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kWriteTimeout = std::chrono::seconds(60);

std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
}

// Arms the watch (see ClientWatch): when the socket turns readable and the client has closed
// (EOF or error), the connection's coroutine is cancelled. Bytes of a pipelined request are left
// for the next read and end the watch. A plain completion handler, not a coroutine: arming costs
// one reactor registration per request.
void armClientWatch(tcp::socket& socket, const std::shared_ptr<ClientWatch>& watch) {
  watch->armed = true;
  socket.async_wait(tcp::socket::wait_read, [watch, &socket](const beast::error_code& ec) {
    if (ec || !watch->armed) return;  // disarmed: the socket may be gone, do not touch it
    char byte;
    ssize_t r = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      watch->armed = false;
      watch->signal.emit(asio::cancellation_type::terminal);
    } else if (r < 0) {
      armClientWatch(socket, watch);  // spurious wake-up
    }
  });
}

void disarmClientWatch(tcp::socket& socket, ClientWatch& watch) {
  if (!watch.armed) return;
  watch.armed = false;
  beast::error_code ec;
  socket.cancel(ec);
}


// The response head, written by hand: Beast's generic serializer costs more than the rest of a
// small reply. Names and values are ours or validated (a client's x-request-id must be printable).
void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// `content_length` nullopt: the body follows chunked (HTTP/1.1) or until close (HTTP/1.0).
std::string formatHead(unsigned version, const api::Reply& reply, bool keep_alive,
                       std::optional<std::size_t> content_length) {
  std::string out;
  out.reserve(320 + reply.header_lines.size());
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(reply.status)).append(" ");
  std::string_view reason = http::obsolete_reason(static_cast<http::status>(reply.status));
  out.append(reason.empty() ? std::string_view("Unknown") : reason).append("\r\n");
  appendHeader(out, "server", "switchyard");
  appendHeader(out, "content-type", reply.content_type);
  if (content_length) {
    appendHeader(out, "content-length", std::to_string(*content_length));
  } else {
    appendHeader(out, "cache-control", "no-cache");
    if (version >= 11) appendHeader(out, "transfer-encoding", "chunked");
  }
  if (!keep_alive && version >= 11) appendHeader(out, "connection", "close");
  if (keep_alive && version == 10) appendHeader(out, "connection", "keep-alive");
  for (const api::Header& h : reply.headers) appendHeader(out, h.name, h.value);
  out.append(reply.header_lines);
  out.append("\r\n");
  return out;
}

// The request's header fields for the filters (api::RequestHeaders over Beast's fields).
class BeastHeaders final : public api::RequestHeaders {
 public:
  explicit BeastHeaders(const http::fields& f) : fields_(f) {}
  std::string_view get(std::string_view name) const noexcept override {
    auto it = fields_.find(name);
    if (it == fields_.end()) return {};
    auto v = it->value();
    return std::string_view(v.data(), v.size());
  }

 private:
  const http::fields& fields_;
};

// Writes `a` then `b`. The socket is tried at once, without waiting — almost always it takes
// everything — and only what it did not take goes through a timed asynchronous write: Beast arms
// a timer for every operation while an expiry is set, which costs more than a small write.
// Returns false when the connection is unusable.
asio::awaitable<bool> writeAll(beast::tcp_stream& stream, std::string_view a, std::string_view b = {}) {
  tcp::socket& socket = stream.socket();
  beast::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a.data(), a.size()), asio::buffer(b.data(), b.size())};
  std::size_t n = socket.write_some(bufs, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
  } else if (ec) {
    co_return false;
  }
  if (n == a.size() + b.size()) co_return true;
  std::size_t from_a = std::min(n, a.size());
  a.remove_prefix(from_a);
  b.remove_prefix(n - from_a);
  std::array<asio::const_buffer, 2> rest{asio::buffer(a.data(), a.size()), asio::buffer(b.data(), b.size())};
  stream.expires_after(kWriteTimeout);
  auto [wec, wn] = co_await asio::async_write(stream, rest, kNoThrow);
  stream.expires_never();
  co_return !wec;
}

// Writes a whole reply (head and body together). Returns false when the connection is unusable.
asio::awaitable<bool> writeWhole(beast::tcp_stream& stream, unsigned version, api::Reply& reply, bool keep_alive) {
  std::string head = formatHead(version, reply, keep_alive, reply.body.size());
  co_return co_await writeAll(stream, head, reply.body);
}

void notifyEnd(api::Reply& reply, api::StreamEnd how) {
  for (auto& o : reply.observers) o->onEnd(how);
  reply.observers.clear();
}

// Streams a reply chunk by chunk, showing each chunk to the reply's observers. A client that goes
// away cancels the source (and so the upstream). A source that fails after the head was sent
// ends the stream with an error event (reply.stream_error frames it).
asio::awaitable<bool> writeStream(beast::tcp_stream& stream, unsigned version, api::Reply& reply, bool keep_alive) {
  bool chunked = version >= 11;
  if (!chunked) keep_alive = false;  // HTTP/1.0: the body ends when the connection does
  std::string head = formatHead(version, reply, keep_alive, std::nullopt);
  if (!co_await writeAll(stream, head)) {
    notifyEnd(reply, api::StreamEnd::kClientGone);
    co_return false;
  }
  stream.expires_never();
  char frame[24];  // chunk-size line
  api::StreamEnd how = api::StreamEnd::kComplete;

  for (;;) {
    api::Result<std::optional<std::string>> chunk = co_await reply.stream->next();
    std::string bytes;
    bool last = false;
    if (!chunk) {
      const api::Error& e = chunk.error();
      spdlog::warn("stream broke: {}", e.detail.empty() ? e.message : e.detail);
      bytes = reply.stream_error ? reply.stream_error(e) : "data: " + e.toJson() + "\n\n";
      how = api::StreamEnd::kBroken;
      last = true;
    } else if (!*chunk) {
      break;
    } else {
      bytes = std::move(**chunk);
    }
    if (!bytes.empty()) {
      for (auto& o : reply.observers) o->onChunk(bytes);
      bool written;
      if (chunked) {
        int len = std::snprintf(frame, sizeof frame, "%zx\r\n", bytes.size());
        bytes += "\r\n";
        written = co_await writeAll(stream, std::string_view(frame, static_cast<std::size_t>(len)), bytes);
      } else {
        written = co_await writeAll(stream, bytes);
      }
      if (!written) {
        reply.stream.reset();
        notifyEnd(reply, api::StreamEnd::kClientGone);
        co_return false;
      }
    }
    if (last) break;
  }
  reply.stream.reset();
  if (chunked && !co_await writeAll(stream, "0\r\n\r\n")) {
    notifyEnd(reply, api::StreamEnd::kClientGone);
    co_return false;
  }
  notifyEnd(reply, how);
  co_return keep_alive;
}

// The exchange of a request: its head as the filters see it.
void prepareExchange(api::Exchange& ex, const http::request_header<>& req, const BeastHeaders& headers) {
  ex.method = req.method_string();
  ex.target = req.target();
  ex.path = ex.target.substr(0, ex.target.find('?'));
  ex.headers = &headers;
}

// Answers one request through its route's chain. Returns whether the connection may carry
// another.
asio::awaitable<bool> handleRequest(beast::tcp_stream& stream, http::request<http::string_body>& req,
                                    Worker& worker, const std::shared_ptr<ClientWatch>& watch,
                                    bool keep_alive) {
  std::shared_ptr<Generation> gen = worker.generation();
  BeastHeaders headers(req.base());
  api::Exchange ex;
  prepareExchange(ex, req, headers);
  RouteTable::Match m = gen->routes.match(ex.method, ex.path);
  ex.route_param = std::move(m.param);
  ex.raw_body = std::move(req.body());

  armClientWatch(stream.socket(), watch);
  api::Reply reply;
  bool client_gone = false;
  try {
    reply = co_await pipeline::Next{m.chain}(ex);
  } catch (const boost::system::system_error& e) {
    if (e.code() != asio::error::operation_aborted) throw;
    client_gone = true;  // the watch cancelled the request (the access log filter logged a 499)
  }
  if (client_gone) co_return false;

  keep_alive = keep_alive && !worker.shared().draining.load();
  bool ok;
  if (reply.stream) {
    try {
      ok = co_await writeStream(stream, req.version(), reply, keep_alive);
    } catch (const boost::system::system_error& e) {
      if (e.code() != asio::error::operation_aborted) throw;
      client_gone = true;  // cancelled mid-stream by the watch
    }
    if (client_gone) {
      notifyEnd(reply, api::StreamEnd::kClientGone);
      co_return false;
    }
  } else {
    ok = co_await writeWhole(stream, req.version(), reply, keep_alive);
  }
  disarmClientWatch(stream.socket(), *watch);
  co_return ok && keep_alive;
}

// Answers a request the session refuses before reading it whole (413), through the chain of the
// route it names, so the answer has that route's format, request id and access-log line.
asio::awaitable<void> rejectRequest(beast::tcp_stream& stream, Worker& worker,
                                    const http::request_header<>& req, api::Error error) {
  std::shared_ptr<Generation> gen = worker.generation();
  BeastHeaders headers(req);
  api::Exchange ex;
  prepareExchange(ex, req, headers);
  ex.outcome.error = std::move(error);
  api::Reply reply = co_await pipeline::Next{gen->routes.rejectChain(ex.method, ex.path)}(ex);
  reply.stream.reset();
  co_await writeWhole(stream, req.version() ? req.version() : 11, reply, false);
}

// An error answered before the request could be routed (malformed head, head too large).
asio::awaitable<void> writeSimpleError(beast::tcp_stream& stream, unsigned version, const api::Error& e) {
  api::Reply reply = api::Reply::fromError(e);
  co_await writeWhole(stream, version ? version : 11, reply, false);
}

api::Error tooLarge(const config::GeneralSettings& gs) {
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", gs.max_request_size_mb);
  return {api::ErrorKind::kPayloadTooLarge,
          std::string("Request body too large: the limit is ") + limit + " MB (max_request_size_mb)."};
}

// After an early answer (413) the client may still be sending: stop writing, then read and drop
// what comes for a moment, so that closing does not reset the connection before the client has
// read the answer. Bounded in time and bytes.
asio::awaitable<void> lingerClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 16384> sink;
  std::size_t dropped = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (dropped < (64u << 20)) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
    if (rec) break;
    dropped += n;
  }
}

asio::awaitable<void> sessionLoop(beast::tcp_stream& stream, Worker& worker, SessionHandle& handle,
                                  const std::shared_ptr<ClientWatch>& watch) {
  SharedState& shared = worker.shared();
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    std::shared_ptr<Generation> gen = worker.generation();
    const config::GeneralSettings& gs = gen->snapshot->config.general_settings;
    handle.idle = true;
    if (shared.draining.load() && buffer.size() == 0) co_return;
    if (buffer.size() == 0) {
      // Idle wait for the (next) request's first bytes; a connection that never sent anything is
      // idle too, so a drain closes it at once.
      stream.expires_after(seconds(first ? gs.request_header_timeout_s : gs.keepalive_timeout_s));
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), kNoThrow);
      if (ec) co_return;
      buffer.commit(n);
    }
    first = false;
    handle.idle = false;

    http::request_parser<http::string_body> parser;
    const std::uint64_t max_body = static_cast<std::uint64_t>(gs.max_request_size_mb * 1024 * 1024);
    parser.header_limit(gs.max_header_size_kb * 1024);
    parser.body_limit(max_body);
    stream.expires_after(seconds(gs.request_header_timeout_s));
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    if (hec == http::error::header_limit) {
      api::Error e{api::ErrorKind::kInvalidRequest, "Request header fields too large."};
      e.status = 431;
      e.code = "request_header_too_large";
      co_await writeSimpleError(stream, 11, e);
      co_return;
    }
    // Arguments of a co_await are named locals, never braced temporaries: GCC 12 destroys such
    // temporaries twice.
    if (hec == http::error::body_limit) {  // Content-Length over the limit, seen with the head
      api::Error big = tooLarge(gs);
      co_await rejectRequest(stream, worker, parser.get().base(), big);
      co_await lingerClose(stream);
      co_return;
    }
    if (hec) {
      if (hec.category() == http::make_error_code(http::error::end_of_stream).category() &&
          hec != http::error::end_of_stream && hec != http::error::partial_message) {
        api::Error malformed{api::ErrorKind::kInvalidRequest, "Malformed HTTP request."};
        co_await writeSimpleError(stream, 11, malformed);
      }
      co_return;  // timeout (slowloris), reset or clean close
    }
    auto& req = parser.get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), kNoThrow);
      if (cec) co_return;
    }
    if (!parser.is_done()) {
      stream.expires_after(seconds(gs.request_body_timeout_s));
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (bec == http::error::body_limit) {  // chunked body grew over the limit
        api::Error big = tooLarge(gs);
        co_await rejectRequest(stream, worker, req.base(), big);
        co_await lingerClose(stream);
        co_return;
      }
      if (bec) co_return;
    }
    stream.expires_never();
    gen.reset();
    bool keep = co_await handleRequest(stream, req, worker, watch, req.keep_alive());
    if (!keep) co_return;
  }
}

}  // namespace

asio::awaitable<void> serveConnection(tcp::socket socket, Worker& worker,
                                      std::shared_ptr<ClientWatch> watch) {
  beast::tcp_stream stream(std::move(socket));
  SessionHandle handle{&stream.socket(), true};
  worker.add(&handle);
  try {
    co_await sessionLoop(stream, worker, handle, watch);
  } catch (const boost::system::system_error& e) {
    // The client went away mid-request: the watch cancelled the coroutine (expected).
    if (e.code() == asio::error::operation_aborted) {
      spdlog::debug("client closed the connection before its answer was complete");
    } else {
      spdlog::error("connection aborted by an internal error: {}", e.what());
    }
  } catch (const std::exception& e) {
    spdlog::error("connection aborted by an internal error: {}", e.what());
  }
  watch->armed = false;  // a completion already queued must not touch the socket below
  worker.remove(&handle);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
  worker.shared().connections.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace switchyard::server
