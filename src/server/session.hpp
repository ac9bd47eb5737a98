#pragma once
// One client connection, written once for any stream type (private to the server module).
//
// The session reads requests (bounded head and body, header/body/idle timeouts, pipelined
// requests answered in order, keep-alive) and writes replies, whole or streamed chunk by chunk;
// which chain answers a request is the route table's business, and everything a request means is
// the filters'. Io<Stream> supplies what differs between a TCP stream (timeouts, a speculative
// write, the client-disconnect watch; session.cpp) and beast::test::stream (the unit tests).

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "switchyard/asio/no_throw.hpp"
#include "switchyard/server/route_table.hpp"
#include "worker.hpp"

namespace switchyard::server {

// What differs between stream types, specialised for each:
//   static void expiresAfter(S&, duration); static void expiresNever(S&);
//   static awaitable<bool> write(S&, string_view a, string_view b = {});  // false: unusable
//   static void armWatch(S&, const shared_ptr<ClientWatch>&); static void disarmWatch(S&,
//   ClientWatch&); static void shutdownSend(S&);
template <class Stream>
struct Io;

namespace session_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
}

// The response head, written by hand: Beast's generic serializer costs more than the rest of a
// small reply. `content_length` nullopt: the body follows chunked (HTTP/1.1) or until close.
std::string formatHead(unsigned version, const api::Reply& reply, bool keep_alive,
                       std::optional<std::size_t> content_length);

// The request's header fields for the filters (api::RequestHeaders over Beast's fields).
class BeastHeaders final : public api::RequestHeaders {
 public:
  explicit BeastHeaders(const http::fields& f) : fields_(f) {}
  std::string_view get(std::string_view name) const noexcept override;

 private:
  const http::fields& fields_;
};

// The exchange of a request: its head as the filters see it.
void prepareExchange(api::Exchange& ex, const http::request_header<>& req,
                     const BeastHeaders& headers);
// Tells the reply's stream observers how the stream ended (once).
void notifyEnd(api::Reply& reply, api::StreamEnd how);
// The 413 for a body over general_settings.max_request_size_mb.
api::Error tooLarge(const config::GeneralSettings& gs);

// The error a stream source's exception becomes (writeStream): a 500 whose detail (logged) is the
// exception's text.
inline api::Error streamFault(const std::exception& e) {
  return api::Error{api::ErrorKind::kInternal, "The gateway failed while relaying the stream.",
                    std::string("stream source threw: ") + e.what()};
}

// Writes a whole reply (head and body together). Returns false when the connection is unusable.
template <class Stream>
asio::awaitable<bool> writeWhole(Stream& stream, unsigned version, api::Reply& reply,
                                 bool keep_alive) {
  std::string head = formatHead(version, reply, keep_alive, reply.body.size());
  co_return co_await Io<Stream>::write(stream, head, reply.body);
}

// Streams a reply chunk by chunk, showing each chunk to the reply's observers. A client that goes
// away cancels the source (and so the upstream). A source that fails after the head was sent
// ends the stream with an error event (reply.stream_error frames it). Sets ex.first_chunk when
// the first chunk of data goes out, before its observers see it.
template <class Stream>
asio::awaitable<bool> writeStream(Stream& stream, unsigned version, api::Reply& reply,
                                  bool keep_alive, api::Exchange& ex) {
  bool chunked = version >= 11;
  if (!chunked) keep_alive = false;  // HTTP/1.0: the body ends when the connection does
  std::string head = formatHead(version, reply, keep_alive, std::nullopt);
  if (!co_await Io<Stream>::write(stream, head)) {
    notifyEnd(reply, api::StreamEnd::kClientGone);
    co_return false;
  }
  Io<Stream>::expiresNever(stream);
  char frame[24];  // chunk-size line
  api::StreamEnd how = api::StreamEnd::kComplete;

  for (;;) {
    // A source that throws (a bug: bad upstream data must come back as an Error) breaks the
    // stream like an Error does: an error event, the request counted as failed. Cancellation
    // (the client left) passes through.
    std::optional<api::Result<std::optional<std::string>>> next;
    try {
      next.emplace(co_await reply.stream->next());
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw;
      next.emplace(streamFault(e));
    } catch (const std::exception& e) {
      next.emplace(streamFault(e));
    }
    api::Result<std::optional<std::string>>& chunk = *next;
    std::string bytes;
    bool last = false;
    if (!chunk) {
      const api::Error& e = chunk.error();
      spdlog::warn("request {}: stream broke: {}", ex.request_id,
                   e.logText());
      ex.outcome.error = e;  // the request failed: the access log, metrics and spend say so
      bytes = reply.stream_error ? reply.stream_error(e) : "data: " + e.toJson() + "\n\n";
      how = api::StreamEnd::kBroken;
      last = true;
    } else if (!*chunk) {
      break;
    } else {
      bytes = std::move(**chunk);
    }
    if (!bytes.empty()) {
      if (!ex.first_chunk && !last) ex.first_chunk = api::Clock::now();
      for (auto& o : reply.observers) o->onChunk(bytes);
      bool written;
      if (chunked) {
        int len = std::snprintf(frame, sizeof frame, "%zx\r\n", bytes.size());
        bytes += "\r\n";
        written = co_await Io<Stream>::write(
            stream, std::string_view(frame, static_cast<std::size_t>(len)), bytes);
      } else {
        written = co_await Io<Stream>::write(stream, bytes);
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
  if (chunked && !co_await Io<Stream>::write(stream, "0\r\n\r\n")) {
    notifyEnd(reply, api::StreamEnd::kClientGone);
    co_return false;
  }
  notifyEnd(reply, how);
  co_return keep_alive;
}

// Answers one request through its route's chain. Returns whether the connection may carry
// another.
template <class Stream>
asio::awaitable<bool> handleRequest(Stream& stream, http::request<http::string_body>& req,
                                    SessionHost& host, const std::shared_ptr<ClientWatch>& watch,
                                    bool keep_alive) {
  std::shared_ptr<Generation> gen = host.generation();
  BeastHeaders headers(req.base());
  api::Exchange ex;
  prepareExchange(ex, req, headers);
  RouteTable::Match m = gen->routes.match(ex.method, ex.path);
  ex.route_param = std::move(m.param);
  ex.raw_body = std::move(req.body());

  // Armed only when the request waits on a provider (Exchange::watchClient).
  struct WatchArm {
    Stream* stream;
    const std::shared_ptr<ClientWatch>* watch;
    static void arm(void* self) {
      auto* a = static_cast<WatchArm*>(self);
      Io<Stream>::armWatch(*a->stream, *a->watch);
    }
  } watch_arm{&stream, &watch};
  ex.setClientWatch(&WatchArm::arm, &watch_arm);
  api::Reply reply;
  bool client_gone = false;
  try {
    reply = co_await pipeline::Next{m.chain}(ex);
  } catch (const boost::system::system_error& e) {
    if (e.code() != asio::error::operation_aborted) throw;
    client_gone = true;  // the watch cancelled the request (the access log filter logged a 499)
  }
  if (client_gone) co_return false;

  keep_alive = keep_alive && !host.draining();
  bool ok;
  if (reply.stream) {
    try {
      ok = co_await writeStream(stream, req.version(), reply, keep_alive, ex);
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
  Io<Stream>::disarmWatch(stream, *watch);
  co_return ok&& keep_alive;
}

// Answers a request the session refuses before reading it whole (413), through the chain of the
// route it names, so the answer has that route's format, request id and access-log line.
template <class Stream>
asio::awaitable<void> rejectRequest(Stream& stream, SessionHost& host,
                                    const http::request_header<>& req, api::Error error) {
  std::shared_ptr<Generation> gen = host.generation();
  BeastHeaders headers(req);
  api::Exchange ex;
  prepareExchange(ex, req, headers);
  ex.outcome.error = std::move(error);
  api::Reply reply = co_await pipeline::Next{gen->routes.rejectChain(ex.method, ex.path)}(ex);
  reply.stream.reset();
  co_await writeWhole(stream, req.version() ? req.version() : 11, reply, false);
}

// An error answered before the request could be routed (malformed head, head too large).
template <class Stream>
asio::awaitable<void> writeSimpleError(Stream& stream, unsigned version, const api::Error& e) {
  api::Reply reply = api::Reply::fromError(e);
  co_await writeWhole(stream, version ? version : 11, reply, false);
}

// After an early answer (413) the client may still be sending: stop writing, then read and drop
// what comes for a moment, so that closing does not reset the connection before the client has
// read the answer. Bounded in time and bytes.
template <class Stream>
asio::awaitable<void> lingerClose(Stream& stream) {
  Io<Stream>::shutdownSend(stream);
  std::array<char, 16384> sink;
  std::size_t dropped = 0;
  Io<Stream>::expiresAfter(stream, std::chrono::seconds(2));
  while (dropped < (64u << 20)) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
    if (rec) break;
    dropped += n;
  }
}

inline api::Error malformedRequest() {
  return api::Error{api::ErrorKind::kInvalidRequest, "Malformed HTTP request."};
}

// A parser's verdict on bytes the client sent (not a timeout, a reset or a clean close).
inline bool isMalformed(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

inline std::string_view bufferText(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// What the buffered start of a request head shows: whether the head is complete (its blank line
// is there), and whether a field line is folded (obs-fold: a line starting with a space or a
// tab). RFC 9112 5.2 lets a server unfold such lines, and Beast does; the gateway refuses them
// instead (400), because a proxy in front that reads them differently could be made to see
// other fields than the gateway does (request smuggling). Bare LF line ends Beast refuses.
struct HeadScan {
  bool complete = false;
  bool folded = false;
};
inline HeadScan scanHead(std::string_view bytes) {
  const std::size_t end = bytes.find("\r\n\r\n");
  const std::string_view head = bytes.substr(0, end);
  HeadScan scan{end != std::string_view::npos, false};
  for (std::size_t at = head.find('\n'); at != std::string_view::npos;
       at = head.find('\n', at + 1)) {
    if (at + 1 < head.size() && (head[at + 1] == ' ' || head[at + 1] == '\t')) {
      scan.folded = true;
      break;
    }
  }
  return scan;
}

template <class Stream>
asio::awaitable<void> sessionLoop(Stream& stream, SessionHost& host, SessionHandle& handle,
                                  const std::shared_ptr<ClientWatch>& watch) {
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    std::shared_ptr<Generation> gen = host.generation();
    const config::GeneralSettings& gs = gen->snapshot->config.general_settings;
    handle.setIdle(true);
    if (host.draining() && buffer.size() == 0) co_return;
    if (buffer.size() == 0) {
      // Idle wait for the (next) request's first bytes; a connection that never sent anything is
      // idle too, so a drain closes it at once.
      Io<Stream>::expiresAfter(
          stream, seconds(first ? gs.request_header_timeout_s : gs.keepalive_timeout_s));
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), kNoThrow);
      if (ec) co_return;
      buffer.commit(n);
    }
    first = false;
    handle.setIdle(false);

    http::request_parser<http::string_body> parser;
    const std::uint64_t max_body = static_cast<std::uint64_t>(gs.max_request_size_mb * 1024 * 1024);
    const std::size_t max_head = gs.max_header_size_kb * 1024;
    parser.header_limit(static_cast<std::uint32_t>(max_head));
    parser.body_limit(max_body);
    Io<Stream>::expiresAfter(stream, seconds(gs.request_header_timeout_s));
    // The head's bytes are looked at before Beast parses them: a folded field line is refused.
    for (;;) {
      const HeadScan scan = scanHead(bufferText(buffer));
      if (scan.folded) {
        co_await writeSimpleError(stream, 11, malformedRequest());
        co_return;
      }
      if (scan.complete || buffer.size() > max_head) break;
      auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(8192), kNoThrow);
      if (rec) co_return;  // timeout (slowloris), reset or close mid-head
      buffer.commit(rn);
    }
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
      co_await rejectRequest(stream, host, parser.get().base(), big);
      co_await lingerClose(stream);
      co_return;
    }
    if (hec) {
      if (isMalformed(hec)) co_await writeSimpleError(stream, 11, malformedRequest());
      co_return;  // timeout (slowloris), reset or clean close
    }
    auto& req = parser.get();
    // Transfer-Encoding whose last coding is not chunked leaves the body's length unknown (RFC
    // 9112 6.3): refused, as are the conflicts with Content-Length Beast refuses itself.
    if (req.count(http::field::transfer_encoding) > 0 && !parser.chunked()) {
      co_await writeSimpleError(stream, 11, malformedRequest());
      co_return;
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), kNoThrow);
      if (cec) co_return;
    }
    if (!parser.is_done()) {
      Io<Stream>::expiresAfter(stream, seconds(gs.request_body_timeout_s));
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (bec == http::error::body_limit) {  // chunked body grew over the limit
        api::Error big = tooLarge(gs);
        co_await rejectRequest(stream, host, req.base(), big);
        co_await lingerClose(stream);
        co_return;
      }
      if (bec) {
        if (isMalformed(bec)) co_await writeSimpleError(stream, 11, malformedRequest());
        co_return;
      }
    }
    Io<Stream>::expiresNever(stream);
    gen.reset();
    bool keep = co_await handleRequest(stream, req, host, watch, req.keep_alive());
    if (!keep) co_return;
  }
}

}  // namespace session_detail
}  // namespace switchyard::server
