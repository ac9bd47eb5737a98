#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace switchyard::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
using error_code = boost::system::error_code;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string headerOf(const std::map<std::string, std::string>& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? std::string{} : it->second;
}

template <class Fields>
std::map<std::string, std::string> headerMap(const Fields& fields) {
  std::map<std::string, std::string> out;
  for (const auto& f : fields) {
    std::string k = lower(std::string(f.name_string()));
    auto [it, inserted] = out.emplace(k, std::string(f.value()));
    if (!inserted) it->second += ", " + std::string(f.value());
  }
  return out;
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  return headerOf(headers, lower_name);
}

nlohmann::json HttpResponse::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json SseEvent::json() const {
  return nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
}

std::string StreamResult::header(const std::string& lower_name) const {
  return headerOf(headers, lower_name);
}

std::string StreamResult::content() const {
  std::string out;
  for (const auto& ev : events) {
    auto j = ev.json();
    if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() ||
        j["choices"].empty())
      continue;
    const auto& c = j["choices"][0];
    if (c.contains("delta") && c["delta"].is_object() && c["delta"].contains("content") &&
        c["delta"]["content"].is_string())
      out += c["delta"]["content"].get<std::string>();
    else if (c.contains("text") && c["text"].is_string())
      out += c["text"].get<std::string>();
  }
  return out;
}

std::vector<SseEvent> SseParser::feed(const std::string& bytes) {
  for (char c : bytes)
    if (c != '\r') pending_.push_back(c);
  std::vector<SseEvent> out;
  for (;;) {
    auto pos = pending_.find("\n\n");
    if (pos == std::string::npos) break;
    std::string block = pending_.substr(0, pos);
    pending_.erase(0, pos + 2);
    SseEvent ev;
    bool has_data = false;
    std::size_t start = 0;
    while (start <= block.size()) {
      auto nl = block.find('\n', start);
      std::string line =
          block.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (line.rfind("data:", 0) == 0) {
        std::string v = line.substr(5);
        if (!v.empty() && v[0] == ' ') v.erase(0, 1);
        if (has_data) ev.data += '\n';
        ev.data += v;
        has_data = true;
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    if (has_data) {
      ev.at = Clock::now();
      out.push_back(std::move(ev));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

struct HttpClient::Impl {
  net::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buf;
  std::string host;
  std::uint16_t port = 0;
  bool open = false;
  // streaming
  std::optional<http::response_parser<http::buffer_body>> sparser;
  SseParser sse;
  std::deque<SseEvent> pending;
  bool stream_done = true;
  bool complete = false;
  std::string raw;
  std::string last_error;
  char tmp[16384];

  void run() {
    ioc.restart();
    ioc.run();
  }
  void closeSocket() {
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    open = false;
    buf.consume(buf.size());
    sparser.reset();
    pending.clear();
    stream_done = true;
    sse = SseParser{};
  }
  // Closes the socket but keeps the events already parsed for the caller.
  void closeSocketKeepState() {
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    open = false;
    buf.consume(buf.size());
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string host) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() { close(); }

bool HttpClient::isOpen() const { return impl_->open; }

void HttpClient::close() {
  if (impl_->open) impl_->closeSocket();
}

bool HttpClient::connect() {
  if (impl_->open) return true;
  impl_->closeSocket();
  error_code result;
  tcp::endpoint ep{net::ip::make_address(impl_->host), impl_->port};
  impl_->stream.expires_after(timeout_);
  impl_->stream.async_connect(ep, [&](error_code ec) { result = ec; });
  impl_->run();
  if (result) return false;
  error_code ec;
  impl_->stream.socket().set_option(tcp::no_delay(true), ec);
  impl_->open = true;
  ++connects_;
  return true;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body, const Headers& headers) {
  HttpResponse out;
  if (!connect()) {
    out.error = "connect failed";
    return out;
  }
  http::request<http::string_body> req;
  req.version(11);
  req.method_string(method);
  req.target(target);
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    if (lower(k) == "content-type") has_ct = true;
    req.set(k, v);
  }
  if (!body.empty() && !has_ct) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(256u * 1024 * 1024);
  parser.header_limit(1024 * 1024);
  bool write_done = false;
  error_code wec, rec;
  impl_->stream.expires_after(timeout_);
  http::async_write(impl_->stream, req, [&](error_code ec, std::size_t) {
    write_done = true;
    wec = ec;
  });
  http::async_read(impl_->stream, impl_->buf, parser, [&](error_code ec, std::size_t) {
    rec = ec;
    if (!write_done) {
      error_code ignored;
      impl_->stream.socket().cancel(ignored);  // the server answered before taking the body
    }
  });
  impl_->run();
  if (rec) {
    out.error = "read: " + rec.message() + (wec ? " (write: " + wec.message() + ")" : "");
    impl_->closeSocket();
    return out;
  }
  const auto& res = parser.get();
  out.status = res.result_int();
  out.headers = headerMap(res);
  out.body = res.body();
  if (wec || !res.keep_alive()) impl_->closeSocket();
  return out;
}

HttpResponse HttpClient::readResponse() {
  HttpResponse out;
  if (!impl_->open) {
    out.error = "not connected";
    return out;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u * 1024 * 1024);
  parser.header_limit(1024 * 1024);
  error_code rec;
  impl_->stream.expires_after(timeout_);
  http::async_read(impl_->stream, impl_->buf, parser,
                   [&](error_code ec, std::size_t) { rec = ec; });
  impl_->run();
  if (rec) {
    out.error = "read: " + rec.message();
    impl_->closeSocket();
    return out;
  }
  const auto& res = parser.get();
  out.status = res.result_int();
  out.headers = headerMap(res);
  out.body = res.body();
  return out;
}

bool HttpClient::sendRaw(const std::string& bytes) {
  if (!connect()) return false;
  error_code wec;
  impl_->stream.expires_after(timeout_);
  net::async_write(impl_->stream, net::buffer(bytes),
                   [&](error_code ec, std::size_t) { wec = ec; });
  impl_->run();
  if (wec) impl_->closeSocket();
  return !wec;
}

bool HttpClient::waitClosed(std::chrono::milliseconds timeout) {
  if (!impl_->open) return true;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return false;
    error_code rec;
    std::size_t n = 0;
    impl_->stream.expires_after(std::chrono::duration_cast<Millis>(left) + Millis(1));
    impl_->stream.async_read_some(net::buffer(impl_->tmp), [&](error_code ec, std::size_t k) {
      rec = ec;
      n = k;
    });
    impl_->run();
    if (rec == beast::error::timeout) {
      impl_->closeSocket();
      return false;
    }
    if (rec) {
      impl_->closeSocket();
      return true;
    }
    (void)n;
  }
}

HttpResponse HttpClient::startStream(const std::string& target, const nlohmann::json& body,
                                     const Headers& headers) {
  HttpResponse out;
  impl_->pending.clear();
  impl_->sse = SseParser{};
  impl_->sparser.reset();
  impl_->stream_done = true;
  impl_->complete = false;
  impl_->raw.clear();
  impl_->last_error.clear();
  if (!connect()) {
    out.error = "connect failed";
    return out;
  }
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "text/event-stream");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body.dump();
  req.prepare_payload();
  error_code wec;
  impl_->stream.expires_after(timeout_);
  http::async_write(impl_->stream, req, [&](error_code ec, std::size_t) { wec = ec; });
  impl_->run();
  if (wec) {
    out.error = "write: " + wec.message();
    impl_->closeSocket();
    return out;
  }
  auto& p = impl_->sparser.emplace();
  p.body_limit(boost::none);
  p.header_limit(1024 * 1024);
  error_code rec;
  impl_->stream.expires_after(timeout_);
  http::async_read_header(impl_->stream, impl_->buf, p,
                          [&](error_code ec, std::size_t) { rec = ec; });
  impl_->run();
  if (rec) {
    out.error = "read header: " + rec.message();
    impl_->closeSocket();
    return out;
  }
  out.status = p.get().result_int();
  out.headers = headerMap(p.get());
  impl_->stream_done = p.is_done();
  impl_->complete = p.is_done();
  const bool sse = out.header("content-type").find("text/event-stream") != std::string::npos;
  if (!sse) {
    // Not a stream (an error answer): read the whole body into `out.body`.
    while (!impl_->stream_done) {
      if (!readSomeBody(Clock::now() + timeout_)) break;
    }
    out.body = impl_->raw;
    impl_->pending.clear();
    if (!impl_->stream_done) out.error = "body: " + impl_->last_error;
  }
  return out;
}

// Reads once from the body. False on error/timeout (connection closed) or when nothing is left.
bool HttpClient::readSomeBody(Clock::time_point deadline) {
  auto& p = *impl_->sparser;
  if (impl_->stream_done) return false;
  auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) {
    impl_->last_error = "timeout";
    return false;
  }
  p.get().body().data = impl_->tmp;
  p.get().body().size = sizeof impl_->tmp;
  error_code rec;
  impl_->stream.expires_after(std::chrono::duration_cast<Millis>(left) + Millis(1));
  http::async_read_some(impl_->stream, impl_->buf, p,
                        [&](error_code ec, std::size_t) { rec = ec; });
  impl_->run();
  if (rec == http::error::need_buffer) rec = {};
  const std::size_t n = sizeof impl_->tmp - p.get().body().size;
  if (n > 0) {
    std::string bytes(impl_->tmp, n);
    impl_->raw += bytes;
    for (auto& ev : impl_->sse.feed(bytes)) impl_->pending.push_back(std::move(ev));
  }
  if (p.is_done()) {
    impl_->stream_done = true;
    impl_->complete = true;
    if (!p.get().keep_alive()) impl_->closeSocketKeepState();
    return true;
  }
  if (rec) {
    impl_->last_error = rec == beast::error::timeout ? "timeout" : rec.message();
    impl_->stream_done = true;
    impl_->closeSocketKeepState();
    return false;
  }
  return true;
}

std::optional<SseEvent> HttpClient::nextEvent(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (impl_->pending.empty() && !impl_->stream_done) {
    if (!readSomeBody(deadline)) break;
  }
  if (impl_->pending.empty()) return std::nullopt;
  SseEvent ev = std::move(impl_->pending.front());
  impl_->pending.pop_front();
  return ev;
}

bool HttpClient::streamComplete() const { return impl_->complete; }

StreamResult HttpClient::stream(const std::string& target, const nlohmann::json& body,
                                const Headers& headers) {
  StreamResult out;
  HttpResponse head = startStream(target, body, headers);
  out.status = head.status;
  out.headers = head.headers;
  out.error = head.error;
  if (head.status == 0) return out;
  if (out.header("content-type").find("text/event-stream") == std::string::npos) {
    out.raw_body = head.body;
    out.complete = impl_->complete;
    return out;
  }
  const auto deadline = Clock::now() + timeout_;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) {
      out.error = "timeout";
      close();
      break;
    }
    auto ev = nextEvent(left);
    if (!ev) break;
    out.events.push_back(std::move(*ev));
  }
  out.raw_body = impl_->raw;
  out.complete = impl_->complete;
  if (!out.complete && out.error.empty()) out.error = impl_->last_error;
  return out;
}

// ---------------------------------------------------------------------------------------------

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

RawConnection::~RawConnection() { close(); }

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::send(const std::string& bytes) {
  if (fd_ < 0 || peer_closed_) return false;
  std::size_t off = 0;
  const auto deadline = Clock::now() + Millis(5000);
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (Clock::now() >= deadline) return false;
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 50);
      continue;
    }
    peer_closed_ = true;
    return false;
  }
  return true;
}

std::string RawConnection::receive(std::chrono::milliseconds timeout) {
  std::string out;
  if (fd_ < 0) return out;
  const auto deadline = Clock::now() + timeout;
  char buf[16384];
  while (!peer_closed_) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 50)));
    if (r <= 0) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      peer_closed_ = true;
    }
  }
  return out;
}

bool RawConnection::waitClosed(std::chrono::milliseconds timeout) {
  receive(timeout);
  return peer_closed_;
}

}  // namespace switchyard::test
