// One client connection over TCP: the session of session.hpp for beast::tcp_stream, with what is
// TCP's own: timeouts, a speculative write, and the client-disconnect watch.

#include "session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace switchyard::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kWriteTimeout = std::chrono::seconds(60);

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

// Writes `a` then `b`. The socket is tried at once, without waiting — almost always it takes
// everything — and only what it did not take goes through a timed asynchronous write: Beast arms
// a timer for every operation while an expiry is set, which costs more than a small write.
// Returns false when the connection is unusable.
asio::awaitable<bool> writeAll(beast::tcp_stream& stream, std::string_view a,
                               std::string_view b = {}) {
  tcp::socket& socket = stream.socket();
  beast::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a.data(), a.size()),
                                         asio::buffer(b.data(), b.size())};
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
  std::array<asio::const_buffer, 2> rest{asio::buffer(a.data(), a.size()),
                                         asio::buffer(b.data(), b.size())};
  stream.expires_after(kWriteTimeout);
  auto [wec, wn] = co_await asio::async_write(stream, rest, kNoThrow);
  stream.expires_never();
  co_return !wec;
}

}  // namespace

template <>
struct Io<beast::tcp_stream> {
  static void expiresAfter(beast::tcp_stream& s, std::chrono::steady_clock::duration d) {
    s.expires_after(d);
  }
  static void expiresNever(beast::tcp_stream& s) { s.expires_never(); }
  static asio::awaitable<bool> write(beast::tcp_stream& s, std::string_view a,
                                     std::string_view b = {}) {
    return writeAll(s, a, b);
  }
  static void armWatch(beast::tcp_stream& s, const std::shared_ptr<ClientWatch>& w) {
    armClientWatch(s.socket(), w);
  }
  static void disarmWatch(beast::tcp_stream& s, ClientWatch& w) {
    disarmClientWatch(s.socket(), w);
  }
  static void shutdownSend(beast::tcp_stream& s) {
    beast::error_code ec;
    s.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
};

namespace session_detail {

namespace {
// Names and values are ours or validated (a client's x-request-id must be printable).
void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string formatHead(unsigned version, const api::Reply& reply, bool keep_alive,
                       std::optional<std::size_t> content_length) {
  std::string out;
  out.reserve(320 + reply.header_lines.size());
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ")
      .append(std::to_string(reply.status))
      .append(" ");
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

std::string_view BeastHeaders::get(std::string_view name) const noexcept {
  auto it = fields_.find(name);
  if (it == fields_.end()) return {};
  auto v = it->value();
  return std::string_view(v.data(), v.size());
}

void prepareExchange(api::Exchange& ex, const http::request_header<>& req,
                     const BeastHeaders& headers) {
  ex.method = req.method_string();
  ex.target = req.target();
  ex.path = ex.target.substr(0, ex.target.find('?'));
  ex.headers = &headers;
}

void notifyEnd(api::Reply& reply, api::StreamEnd how) {
  for (auto& o : reply.observers) o->onEnd(how);
  reply.observers.clear();
}

api::Error tooLarge(const config::GeneralSettings& gs) {
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", gs.max_request_size_mb);
  return {api::ErrorKind::kPayloadTooLarge, std::string("Request body too large: the limit is ") +
                                                limit + " MB (max_request_size_mb)."};
}

}  // namespace session_detail

asio::awaitable<void> serveConnection(tcp::socket socket, Worker& worker,
                                      std::shared_ptr<ClientWatch> watch) {
  beast::tcp_stream stream(std::move(socket));
  SessionHandle handle{&stream.socket(), true, &worker.inFlight()};
  worker.add(&handle);
  try {
    co_await session_detail::sessionLoop(stream, worker, handle, watch);
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
  handle.setIdle(true);  // a request cut short is in flight no more
  worker.remove(&handle);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
  worker.shared().connections.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace switchyard::server
