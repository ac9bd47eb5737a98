// slow_streams: the rig of bench/growth/slow_streams.sh (concurrent slow streams through the
// gateway). One binary, two roles, each run as its own process (each then has its own fd limit):
//
//   slow_streams upstream --port P [--interval-ms 100] [--seconds 30] [--tick-ms 10]
//     A fake OpenAI upstream on 127.0.0.1:P. POST /v1/chat/completions with "stream": true is
//     answered with text/event-stream (HTTP/1.1 chunked, keep-alive): one chat.completion.chunk
//     every interval for `seconds` (content "c<i> ", i = 0, 1, ...; the first delta also has
//     role), then a chunk with finish_reason "stop", a usage chunk when
//     stream_options.include_usage is true, and `data: [DONE]`. One timer drives every stream:
//     streams are put in interval/tick buckets and a bucket is served every tick, so 10,000
//     streams cost 10,000 timers' worth of nothing. Prints "listening P" once it accepts.
//
//   slow_streams client --port G --n N --key K [--model M] [--interval-ms 100] [--seconds 30]
//                       [--ramp-ms R] [--deadline-s D]
//     Opens N streaming requests to the gateway on 127.0.0.1:G (at most R ms to open them all:
//     default N/2 ms, at most 5 s), reads each stream to its end and checks it: HTTP 200, every
//     content chunk present and in order (seconds*1000/interval of them), a finish chunk, a usage
//     chunk, `data: [DONE]`. Everything is given up at the deadline (default 2*seconds + 60 s;
//     unfinished streams count as lost). N = 0 waits `seconds` (an idle baseline). Prints one line of key=value figures on stdout, and the
//     reasons of lost streams on stderr.
//
// Build: g++ -O2 -std=c++20 -pthread bench/growth/slow_streams.cpp -o slow_streams
// (bench/growth/slow_streams.sh does it). Single-threaded Asio; 127.0.0.1 only.

#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Options {
  std::string role;
  unsigned short port = 0;
  int n = 10;
  std::string key = "sk-1234";
  std::string model = "slow";
  int interval_ms = 100;
  int seconds = 30;
  int tick_ms = 10;
  int ramp_ms = -1;
  int deadline_s = -1;
  int chunks() const { return seconds * 1000 / interval_ms; }
};

double msSince(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - t0).count();
}

bool iequalsPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// The value of header `name` (lower case, with the colon) in `head`, or "".
std::string headerValue(std::string_view head, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    std::string_view line = head.substr(pos, head.find("\r\n", pos) - pos);
    if (iequalsPrefix(line, name)) {
      line.remove_prefix(name.size());
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      return std::string(line);
    }
  }
  return "";
}

// ------------------------------------------------------------------------------------------------
// upstream

struct UpStream {
  explicit UpStream(tcp::socket s) : sock(std::move(s)), done(sock.get_executor()) {}
  tcp::socket sock;
  asio::steady_timer done;  // cancelled when the response is written (or the socket failed)
  std::string id, model;
  long created = 0;
  int sent = 0;
  bool usage = false, finished = false, dead = false, writing = false, active = false;
  std::string out, queued;
};

struct Upstream {
  Options o;
  asio::io_context& io;
  asio::steady_timer tick;
  std::vector<std::vector<std::shared_ptr<UpStream>>> buckets;
  std::size_t tick_no = 0;
  unsigned long long streams = 0, bytes = 0, id_seq = 0;
  Upstream(Options opts, asio::io_context& ctx)
      : o(opts), io(ctx), tick(ctx), buckets(std::max(1, o.interval_ms / o.tick_ms)) {}

  static void finish(const std::shared_ptr<UpStream>& s) {
    s->active = false;
    s->done.cancel();
  }

  void asyncFlush(std::shared_ptr<UpStream> s) {
    asio::async_write(s->sock, asio::buffer(s->out), [this, s](error_code ec, std::size_t) {
      s->out.clear();
      if (ec) {
        s->dead = true;
        finish(s);
        return;
      }
      if (!s->queued.empty()) {
        std::swap(s->out, s->queued);
        asyncFlush(s);
        return;
      }
      s->writing = false;
      if (s->finished) finish(s);
    });
  }

  // Writes `data` now if the socket takes it, else queues it behind the write under way.
  void send(const std::shared_ptr<UpStream>& s, std::string data) {
    bytes += data.size();
    if (s->writing) {
      s->queued += data;
      return;
    }
    error_code ec;
    std::size_t n = s->sock.write_some(asio::buffer(data), ec);  // the socket is non-blocking
    if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {}, n = 0;
    if (ec) {
      s->dead = true;
      finish(s);
      return;
    }
    if (n == data.size()) {
      if (s->finished) finish(s);
      return;
    }
    s->out = data.substr(n);
    s->writing = true;
    asyncFlush(s);
  }

  static std::string chunked(std::string_view payload) {
    char size[16];
    int k = std::snprintf(size, sizeof size, "%zx\r\n", payload.size());
    std::string out(size, k);
    out += payload;
    out += "\r\n";
    return out;
  }

  std::string event(const UpStream& s, std::string_view choices_and_more) const {
    std::string e = "data: {\"id\":\"" + s.id +
                    "\",\"object\":\"chat.completion.chunk\",\"created\":" +
                    std::to_string(s.created) + ",\"model\":\"" + s.model +
                    "\",\"system_fingerprint\":null,";
    e += choices_and_more;
    e += "}\n\n";
    return e;
  }

  // The next event(s) of `s`; true once the last one is written.
  void emit(const std::shared_ptr<UpStream>& s) {
    const int total = o.chunks();
    if (s->sent < total) {
      std::string delta = s->sent == 0 ? "{\"role\":\"assistant\",\"content\":\"c0 \"}"
                                       : "{\"content\":\"c" + std::to_string(s->sent) + " \"}";
      std::string e = event(*s, "\"choices\":[{\"index\":0,\"delta\":" + delta +
                                    ",\"logprobs\":null,\"finish_reason\":null}]");
      ++s->sent;
      send(s, chunked(e));
      return;
    }
    std::string tail = event(*s,
                             "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                             "\"finish_reason\":\"stop\"}]");
    if (s->usage) {
      tail += event(*s, "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":" +
                            std::to_string(total) +
                            ",\"total_tokens\":" + std::to_string(total + 9) + "}");
    }
    tail += "data: [DONE]\n\n";
    s->finished = true;
    std::string wire = chunked(tail) + "0\r\n\r\n";
    send(s, std::move(wire));
  }

  asio::awaitable<void> ticker() {
    auto next = Clock::now();
    for (;;) {
      next += std::chrono::milliseconds(o.tick_ms);
      tick.expires_at(next);
      co_await tick.async_wait(kNoThrow);
      auto& b = buckets[tick_no++ % buckets.size()];
      for (std::size_t i = 0; i < b.size();) {
        auto& s = b[i];
        if (s->active && !s->dead && !s->finished) emit(s);
        if (!s->active || s->dead || s->finished) {
          std::swap(s, b.back());
          b.pop_back();
          continue;
        }
        ++i;
      }
    }
  }

  asio::awaitable<void> connection(tcp::socket sock) {
    auto s = std::make_shared<UpStream>(std::move(sock));
    error_code ec;
    s->sock.set_option(tcp::no_delay(true), ec);
    s->sock.non_blocking(true, ec);
    std::string buf;
    for (;;) {
      auto [rec, n] = co_await asio::async_read_until(s->sock, asio::dynamic_buffer(buf),
                                                      "\r\n\r\n", kNoThrow);
      if (rec) co_return;
      std::string head = buf.substr(0, n);
      buf.erase(0, n);
      std::string body;
      std::string cl = headerValue(head, "content-length:");
      if (!cl.empty()) {
        std::size_t len = std::strtoull(cl.c_str(), nullptr, 10);
        if (buf.size() < len) {
          auto [bec, bn] = co_await asio::async_read(
              s->sock, asio::dynamic_buffer(buf), asio::transfer_at_least(len - buf.size()),
              kNoThrow);
          if (bec) co_return;
        }
        body = buf.substr(0, len);
        buf.erase(0, len);
      } else if (headerValue(head, "transfer-encoding:").find("chunked") != std::string::npos) {
        auto [bec, bn] = co_await asio::async_read_until(s->sock, asio::dynamic_buffer(buf),
                                                         "\r\n0\r\n\r\n", kNoThrow);
        if (bec) co_return;
        // de-chunk
        std::size_t p = 0;
        for (;;) {
          std::size_t len = std::strtoull(buf.c_str() + p, nullptr, 16);
          p = buf.find("\r\n", p) + 2;
          if (len == 0) break;
          body.append(buf, p, len);
          p += len + 2;
        }
        buf.erase(0, bn);
      }
      const bool chat = head.compare(0, 26, "POST /v1/chat/completions ") == 0 ||
                        head.compare(0, 26, "POST /v1/chat/completions?") == 0;
      auto valueAfter = [&](std::string_view field) -> std::string_view {
        std::size_t p = body.find(field);
        if (p == std::string::npos) return {};
        p = body.find(':', p + field.size());
        if (p == std::string::npos) return {};
        ++p;
        while (p < body.size() && (body[p] == ' ' || body[p] == '\n' || body[p] == '\t')) ++p;
        return std::string_view(body).substr(p);
      };
      const bool stream = valueAfter("\"stream\"").starts_with("true");
      if (!chat || !stream) {
        std::string msg = "{\"error\":{\"message\":\"slow_streams upstream: only streamed POST "
                          "/v1/chat/completions\",\"type\":\"invalid_request_error\"}}";
        std::string resp = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(msg.size()) + "\r\n\r\n" + msg;
        s->sock.non_blocking(false, ec);
        auto [wec, wn] = co_await asio::async_write(s->sock, asio::buffer(resp), kNoThrow);
        s->sock.non_blocking(true, ec);
        if (wec) co_return;
        continue;
      }
      std::string_view m = valueAfter("\"model\"");
      s->model = "gpt-4o-mini";
      if (m.starts_with("\"")) s->model = std::string(m.substr(1, m.find('"', 1) - 1));
      s->usage = valueAfter("\"include_usage\"").starts_with("true");
      s->id = "chatcmpl-slow" + std::to_string(++id_seq);
      s->created = static_cast<long>(std::time(nullptr));
      s->sent = 0;
      s->finished = s->dead = s->writing = false;
      s->active = true;
      ++streams;
      s->done.expires_at(Clock::time_point::max());
      send(s,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
           "Transfer-Encoding: chunked\r\n\r\n");
      buckets[(tick_no + 1) % buckets.size()].push_back(s);
      if (s->active) co_await s->done.async_wait(kNoThrow);
      if (s->dead) co_return;
    }
  }

  asio::awaitable<void> acceptLoop(tcp::acceptor& acc) {
    for (;;) {
      auto [ec, sock] = co_await acc.async_accept(kNoThrow);
      if (ec) {
        std::fprintf(stderr, "upstream: accept: %s\n", ec.message().c_str());
        asio::steady_timer pause(io, std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      asio::co_spawn(io, connection(std::move(sock)), asio::detached);
    }
  }
};

int runUpstream(const Options& o) {
  asio::io_context io(1);
  tcp::acceptor acc(io);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o.port);
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(4096);
  Upstream up(o, io);
  asio::co_spawn(io, up.ticker(), asio::detached);
  asio::co_spawn(io, up.acceptLoop(acc), asio::detached);
  asio::signal_set sig(io, SIGTERM, SIGINT);
  sig.async_wait([&](error_code, int) {
    std::fprintf(stderr, "upstream: %llu streams served, %llu bytes\n", up.streams, up.bytes);
    io.stop();
  });
  std::printf("listening %u\n", acc.local_endpoint().port());
  std::fflush(stdout);
  io.run();
  return 0;
}

// ------------------------------------------------------------------------------------------------
// client

struct StreamResult {
  int status = 0;
  int content = 0;       // content chunks in order
  bool order_ok = true;  // every content chunk was the next one
  bool finish = false, usage = false, done = false;
  std::string error;     // why it failed, when it did
  double start_ms = 0, first_ms = -1, end_ms = -1, max_gap_ms = 0, last_ms = -1;
};

struct Client {
  Options o;
  asio::io_context& io;
  tcp::endpoint ep;
  Clock::time_point t0 = Clock::now();
  std::vector<StreamResult> results;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  int running = 0;
  std::string request;

  Client(Options opts, asio::io_context& ctx)
      : o(opts), io(ctx), ep(asio::ip::make_address("127.0.0.1"), o.port), results(o.n),
        sockets(o.n) {
    std::string body = "{\"model\":\"" + o.model +
                       "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count "
                       "slowly, please.\"}]}";
    request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
              o.key + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  // What follows `"field":` in `data` (spaces skipped), or npos.
  static std::size_t after(std::string_view data, std::string_view field, std::size_t from = 0) {
    std::size_t p = data.find(field, from);
    if (p == std::string_view::npos) return p;
    p += field.size();
    while (p < data.size() && data[p] == ' ') ++p;
    if (p >= data.size() || data[p] != ':') return std::string_view::npos;
    ++p;
    while (p < data.size() && data[p] == ' ') ++p;
    return p;
  }

  // One SSE event's data.
  void onEvent(StreamResult& r, std::string_view data, double now) {
    if (data == "[DONE]") {
      r.done = true;
      return;
    }
    std::size_t p = after(data, "\"content\"");
    if (p != std::string_view::npos && data.substr(p).starts_with("\"c")) {
      int seq = std::atoi(data.data() + p + 2);
      if (seq != r.content) r.order_ok = false;
      ++r.content;
      if (r.first_ms < 0) r.first_ms = now;
      if (r.last_ms >= 0) r.max_gap_ms = std::max(r.max_gap_ms, now - r.last_ms);
      r.last_ms = now;
      return;
    }
    p = after(data, "\"finish_reason\"");
    if (p != std::string_view::npos && data.substr(p).starts_with("\"stop\"")) r.finish = true;
    p = after(data, "\"usage\"");
    if (p != std::string_view::npos && data.substr(p).starts_with("{")) r.usage = true;
  }

  asio::awaitable<void> stream(int i) {
    StreamResult& r = results[i];
    r.start_ms = msSince(t0, Clock::now());
    auto sock = std::make_shared<tcp::socket>(io);
    sockets[i] = sock;
    ++running;
    struct Done {
      Client* c;
      int i;
      ~Done() {
        --c->running;
        c->sockets[i].reset();
        if (c->running == 0 && c->launched == c->o.n) c->io.stop();
      }
    } done_guard{this, i};
    auto [cec] = co_await sock->async_connect(ep, kNoThrow);
    if (cec) {
      r.error = "connect: " + cec.message();
      co_return;
    }
    error_code ec;
    sock->set_option(tcp::no_delay(true), ec);
    auto [wec, wn] = co_await asio::async_write(*sock, asio::buffer(request), kNoThrow);
    if (wec) {
      r.error = "write: " + wec.message();
      co_return;
    }
    std::vector<char> buf(4096);
    std::string head, sse, chunkbuf;
    bool in_body = false, chunked = false, body_end = false;
    std::size_t sse_pos = 0;
    // chunked decoding state
    std::size_t chunk_left = 0;
    bool need_size = true;
    std::string size_line;
    int crlf_skip = 0;
    auto feedSse = [&](const char* p, std::size_t n, double now) {
      sse.append(p, n);
      for (;;) {
        std::size_t e = sse.find("\n\n", sse_pos);
        if (e == std::string::npos) break;
        std::string_view ev(sse.data() + sse_pos, e - sse_pos);
        sse_pos = e + 2;
        std::size_t lp = 0;
        while (lp < ev.size()) {
          std::size_t le = ev.find('\n', lp);
          if (le == std::string_view::npos) le = ev.size();
          std::string_view line = ev.substr(lp, le - lp);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (line.starts_with("data:")) {
            line.remove_prefix(5);
            if (line.starts_with(" ")) line.remove_prefix(1);
            onEvent(r, line, now);
          }
          lp = le + 1;
        }
      }
      if (sse_pos > 0 && sse_pos == sse.size()) {
        sse.clear();
        sse_pos = 0;
      } else if (sse_pos > 65536) {
        sse.erase(0, sse_pos);
        sse_pos = 0;
      }
    };
    for (;;) {
      auto [rec, n] = co_await sock->async_read_some(asio::buffer(buf), kNoThrow);
      double now = msSince(t0, Clock::now());
      if (rec) {
        if (rec == asio::error::eof && !chunked && in_body) body_end = true;
        if (!r.done || (chunked && !body_end))
          r.error = std::string(in_body ? "read in body: " : "read in head: ") + rec.message();
        break;
      }
      const char* p = buf.data();
      std::size_t left = n;
      if (!in_body) {
        head.append(p, n);
        std::size_t e = head.find("\r\n\r\n");
        if (e == std::string::npos) continue;
        r.status = std::atoi(head.c_str() + 9);
        chunked = headerValue(head.substr(0, e + 2), "transfer-encoding:").find("chunked") !=
                  std::string::npos;
        in_body = true;
        std::string rest = head.substr(e + 4);
        if (r.status != 200) {
          r.error = "HTTP " + std::to_string(r.status) + ": " + rest.substr(0, 300);
          break;
        }
        chunkbuf = std::move(rest);
        p = chunkbuf.data();
        left = chunkbuf.size();
      }
      if (!chunked) {
        feedSse(p, left, now);
      } else {
        while (left > 0 && !body_end) {
          if (crlf_skip > 0) {
            --crlf_skip;
            ++p, --left;
            continue;
          }
          if (need_size) {
            char c = *p++;
            --left;
            if (c == '\n') {
              chunk_left = std::strtoull(size_line.c_str(), nullptr, 16);
              size_line.clear();
              need_size = false;
              if (chunk_left == 0) body_end = true;  // (trailers not expected)
            } else if (c != '\r') {
              size_line += c;
            }
            continue;
          }
          std::size_t take = std::min(chunk_left, left);
          feedSse(p, take, now);
          p += take, left -= take, chunk_left -= take;
          if (chunk_left == 0) need_size = true, crlf_skip = 2;
        }
      }
      if (body_end || (r.done && !chunked)) break;
    }
    r.end_ms = msSince(t0, Clock::now());
    sock->close(ec);
  }

  int launched = 0;

  asio::awaitable<void> launcher() {
    int ramp = o.ramp_ms >= 0 ? o.ramp_ms : std::min(5000, o.n / 2);
    asio::steady_timer t(io);
    if (o.n == 0) {  // no stream: the gateway's idle cost over the same time
      t.expires_after(std::chrono::seconds(o.seconds));
      co_await t.async_wait(kNoThrow);
      io.stop();
    }
    auto start = Clock::now();
    for (int i = 0; i < o.n; ++i) {
      auto due = start + std::chrono::microseconds(static_cast<long long>(ramp) * 1000 * i / o.n);
      if (due > Clock::now()) {
        t.expires_at(due);
        co_await t.async_wait(kNoThrow);
      }
      ++launched;
      asio::co_spawn(io, stream(i), asio::detached);
    }
  }
};

int runClient(const Options& o) {
  asio::io_context io(1);
  Client c(o, io);
  int deadline = o.deadline_s >= 0 ? o.deadline_s : 2 * o.seconds + 60;
  asio::steady_timer dl(io, std::chrono::seconds(deadline));
  bool timed_out = false;
  dl.async_wait([&](error_code ec) {
    if (ec) return;
    timed_out = true;
    io.stop();
  });
  asio::co_spawn(io, c.launcher(), asio::detached);
  io.run();
  double wall = msSince(c.t0, Clock::now());
  const int expect = o.chunks();
  int ok = 0, lost = 0;
  long long chunks = 0;
  std::map<std::string, int> reasons;
  std::vector<double> durations, firsts, gaps;
  for (auto& r : c.results) {
    chunks += r.content;
    std::string why = r.error;
    if (why.empty()) {
      if (r.status == 0 && r.end_ms < 0) why = "unfinished at the deadline";
      else if (r.content != expect)
        why = "content chunks " + std::to_string(r.content) + " of " + std::to_string(expect);
      else if (!r.order_ok) why = "content chunks out of order";
      else if (!r.finish) why = "no finish_reason stop";
      else if (!r.done) why = "no [DONE]";
    }
    if (why.empty() && r.end_ms < 0) why = "unfinished at the deadline";
    if (why.empty()) {
      ++ok;
      durations.push_back(r.end_ms - r.start_ms);
      firsts.push_back(r.first_ms - r.start_ms);
      gaps.push_back(r.max_gap_ms);
    } else {
      ++lost;
      // group the reasons without the per-stream numbers of a content count
      std::string key = why.substr(0, 200);
      ++reasons[key];
    }
  }
  int usage = 0;
  for (auto& r : c.results) usage += r.usage;
  auto pct = [](std::vector<double> v, double q) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5))];
  };
  std::printf(
      "n=%d ok=%d lost=%d chunks=%lld expected_chunks=%lld usage_chunks=%d wall_s=%.1f "
      "timed_out=%d duration_s_p50=%.2f duration_s_max=%.2f first_ms_p50=%.0f first_ms_max=%.0f "
      "max_gap_ms_p50=%.0f max_gap_ms_p99=%.0f max_gap_ms_max=%.0f\n",
      o.n, ok, lost, chunks, static_cast<long long>(expect) * o.n, usage, wall / 1000,
      timed_out ? 1 : 0, pct(durations, 0.5) / 1000, pct(durations, 1) / 1000, pct(firsts, 0.5),
      pct(firsts, 1), pct(gaps, 0.5), pct(gaps, 0.99), pct(gaps, 1));
  for (auto& [why, count] : reasons) std::fprintf(stderr, "lost %d: %s\n", count, why.c_str());
  std::fflush(stdout);
  return lost == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::fprintf(stderr, "usage: slow_streams upstream|client [options] (see the file's header)\n");
    return 2;
  }
  o.role = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--port") o.port = static_cast<unsigned short>(std::atoi(v));
    else if (k == "--n") o.n = std::atoi(v);
    else if (k == "--key") o.key = v;
    else if (k == "--model") o.model = v;
    else if (k == "--interval-ms") o.interval_ms = std::atoi(v);
    else if (k == "--seconds") o.seconds = std::atoi(v);
    else if (k == "--tick-ms") o.tick_ms = std::atoi(v);
    else if (k == "--ramp-ms") o.ramp_ms = std::atoi(v);
    else if (k == "--deadline-s") o.deadline_s = std::atoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (o.role == "upstream") return runUpstream(o);
  if (o.role == "client") return runClient(o);
  std::fprintf(stderr, "unknown role %s\n", o.role.c_str());
  return 2;
}
