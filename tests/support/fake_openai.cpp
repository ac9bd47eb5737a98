#include "support/fake_openai.hpp"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace switchyard::test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// RecordedRequest / Behavior

std::string RecordedRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

json RecordedRequest::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

Behavior Behavior::error(unsigned status, std::string message) {
  Behavior b;
  b.kind = Kind::kError;
  b.status = status;
  b.error_message = std::move(message);
  return b;
}

Behavior Behavior::hang() {
  Behavior b;
  b.kind = Kind::kHang;
  return b;
}

Behavior Behavior::slowStream(int n_chunks, Millis delay) {
  Behavior b;
  b.chunks.clear();
  for (int i = 0; i < n_chunks; ++i) b.chunks.push_back("c" + std::to_string(i) + " ");
  b.chunk_delay = delay;
  return b;
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string errorType(unsigned status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "invalid_request_error";
    case 429:
      return "rate_limit_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string errorBody(unsigned status, const std::string& message) {
  json code = nullptr;
  if (status == 429) code = "rate_limit_exceeded";
  if (status == 401) code = "invalid_api_key";
  json j = {
      {"error",
       {{"message", message}, {"type", errorType(status)}, {"param", nullptr}, {"code", code}}}};
  return j.dump();
}

long long unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

enum class Wait { kElapsed, kPeerClosed, kStopped };

}  // namespace

// ---------------------------------------------------------------------------------------------
// Impl

struct FakeOpenAI::Impl {
  Options options;
  net::io_context ioc;
  std::optional<ssl::context> ssl_ctx;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::thread accept_thread;
  std::atomic<bool> stop{false};

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<std::thread> threads;
  std::set<int> live_fds;
  std::deque<Behavior> queue;
  std::map<std::string, Behavior> per_model;
  Behavior default_behavior;
  std::vector<RecordedRequest> requests;
  int accepted = 0, open = 0, aborted = 0, streams_started = 0;
  std::vector<Clock::time_point> last_stream_times;
  std::atomic<std::uint64_t> id_counter{0};

  void acceptLoop();
  void serveConnection(tcp::socket sock);
  template <class Stream>
  void serve(Stream& s, int fd);
  template <class Stream>
  bool handle(Stream& s, int fd, const http::request<http::string_body>& req);
  template <class Stream>
  bool handleDialect(Stream& s, int fd, const http::request<http::string_body>& req);
  Wait waitPeerClosed(int fd, Millis d) const;
  Behavior choose(const json& body);
  void bump(int& counter) {
    {
      std::lock_guard lk(mu);
      ++counter;
    }
    cv.notify_all();
  }
};

Wait FakeOpenAI::Impl::waitPeerClosed(int fd, Millis d) const {
  const bool forever = d == Millis::max();
  const auto deadline = forever ? Clock::time_point::max() : Clock::now() + d;  // no overflow
  for (;;) {
    if (stop.load()) return Wait::kStopped;
    auto now = Clock::now();
    if (d != Millis::max() && now >= deadline) return Wait::kElapsed;
    int slice = 20;
    if (d != Millis::max()) {
      auto left = std::chrono::duration_cast<Millis>(deadline - now).count();
      slice = static_cast<int>(std::clamp<long long>(left, 1, 20));
    }
    pollfd p{fd, POLLRDHUP, 0};
    int r = ::poll(&p, 1, slice);
    if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) return Wait::kPeerClosed;
  }
}

Behavior FakeOpenAI::Impl::choose(const json& body) {
  std::lock_guard lk(mu);
  if (!queue.empty()) {
    Behavior b = std::move(queue.front());
    queue.pop_front();
    return b;
  }
  if (body.is_object() && body.contains("model") && body["model"].is_string()) {
    auto it = per_model.find(body["model"].get<std::string>());
    if (it != per_model.end()) return it->second;
  }
  return default_behavior;
}

void FakeOpenAI::Impl::acceptLoop() {
  while (!stop.load()) {
    pollfd p{acceptor.native_handle(), POLLIN, 0};
    int r = ::poll(&p, 1, 10);
    if (r <= 0) continue;
    boost::system::error_code ec;
    tcp::socket sock{ioc};
    acceptor.accept(sock, ec);
    if (ec) continue;
    std::lock_guard lk(mu);
    if (stop.load()) break;
    ++accepted;
    ++open;
    live_fds.insert(sock.native_handle());
    threads.emplace_back([this, s = std::move(sock)]() mutable { serveConnection(std::move(s)); });
    cv.notify_all();
  }
}

void FakeOpenAI::Impl::serveConnection(tcp::socket sock) {
  const int fd = sock.native_handle();
  boost::system::error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  try {
    if (ssl_ctx) {
      ssl::stream<tcp::socket&> s(sock, *ssl_ctx);
      s.handshake(ssl::stream_base::server, ec);
      if (!ec) serve(s, fd);
    } else {
      serve(sock, fd);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[fake_openai] connection error: %s\n", e.what());
  }
  {
    std::lock_guard lk(mu);
    live_fds.erase(fd);
    --open;
  }
  cv.notify_all();
  sock.close(ec);
}

template <class Stream>
void FakeOpenAI::Impl::serve(Stream& s, int fd) {
  boost::beast::flat_buffer buf;
  while (!stop.load()) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(256u * 1024 * 1024);
    parser.header_limit(1024 * 1024);
    boost::system::error_code ec;
    http::read(s, buf, parser, ec);
    if (ec) return;  // EOF, reset, or the fake is shutting down
    const auto& req = parser.get();
    RecordedRequest rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& f : req)
      rec.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    rec.body = req.body();
    rec.received_at = Clock::now();
    {
      std::lock_guard lk(mu);
      requests.push_back(std::move(rec));
    }
    cv.notify_all();
    if (!handle(s, fd, req)) return;
    if (!req.keep_alive()) return;
  }
}

template <class Stream>
bool FakeOpenAI::Impl::handle(Stream& s, int fd, const http::request<http::string_body>& req) {
  boost::system::error_code ec;
  std::string target(req.target());
  if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
  const json body = json::parse(req.body(), nullptr, false);

  auto writeSimple = [&](unsigned status, const std::string& text,
                         const std::map<std::string, std::string>& extra) {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.set("x-request-id", "req_fake_" + std::to_string(id_counter.fetch_add(1)));
    res.set("openai-processing-ms", "1");
    for (const auto& [k, v] : extra) res.set(k, v);
    res.body() = text;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(s, res, ec);
    return !ec;
  };

  if (options.dialect) return handleDialect(s, fd, req);

  // Azure OpenAI: /openai/deployments/{deployment}/<openai path>?api-version=... (api-version
  // required, as Azure requires it).
  if (target.rfind("/openai/deployments/", 0) == 0) {
    std::size_t slash = target.find('/', std::strlen("/openai/deployments/"));
    if (std::string(req.target()).find("api-version=") == std::string::npos) {
      return writeSimple(404, errorBody(404, "Resource not found"), {});
    }
    target = slash == std::string::npos ? std::string() : target.substr(slash);
  }
  enum class Route { kChat, kCompletions, kEmbeddings, kNone };
  Route route = Route::kNone;
  if (target == "/v1/chat/completions" || target == "/chat/completions") route = Route::kChat;
  if (target == "/v1/completions" || target == "/completions") route = Route::kCompletions;
  if (target == "/v1/embeddings" || target == "/embeddings") route = Route::kEmbeddings;
  if (route == Route::kNone || req.method() != http::verb::post) {
    return writeSimple(
        404,
        errorBody(404, "Unknown request URL: " + std::string(req.method_string()) + " " + target),
        {});
  }
  if (body.is_discarded() || !body.is_object()) {
    return writeSimple(400, errorBody(400, "We could not parse the JSON body of your request."),
                       {});
  }

  Behavior b = choose(body);
  if (b.kind == Behavior::Kind::kCloseImmediately) return false;
  if (b.header_delay.count() > 0 || b.kind == Behavior::Kind::kHang) {
    Wait w = waitPeerClosed(fd, b.kind == Behavior::Kind::kHang ? Millis::max() : b.header_delay);
    if (w == Wait::kPeerClosed) bump(aborted);
    if (w != Wait::kElapsed) return false;
  }
  if (b.kind == Behavior::Kind::kRaw) {
    net::write(s, net::buffer(b.body), ec);
    if (!ec && b.chunk_delay.count() > 0 && waitPeerClosed(fd, b.chunk_delay) == Wait::kPeerClosed)
      bump(aborted);
    return false;
  }
  if (b.kind == Behavior::Kind::kError) {
    return writeSimple(b.status, b.body.empty() ? errorBody(b.status, b.error_message) : b.body,
                       b.extra_headers) &&
           !b.close_after_answer;
  }

  const std::string model = body.value("model", std::string{"unknown"});
  const bool stream = body.value("stream", false) && route != Route::kEmbeddings;
  const long long created = unixNow();
  const std::uint64_t n = id_counter.fetch_add(1);
  const int prompt_tokens = static_cast<int>(req.body().size() / 4 + 1);
  std::string content = b.content;
  if (content.empty())
    for (const auto& c : b.chunks) content += c;
  const int completion_tokens = static_cast<int>(b.chunks.size());
  const json usage = {{"prompt_tokens", prompt_tokens},
                      {"completion_tokens", completion_tokens},
                      {"total_tokens", prompt_tokens + completion_tokens}};

  if (route == Route::kEmbeddings) {
    json inputs = body.value("input", json{});
    std::size_t count = inputs.is_array() ? std::max<std::size_t>(inputs.size(), 1) : 1;
    if (inputs.is_array() && !inputs.empty() && inputs[0].is_number()) count = 1;  // token ids
    json data = json::array();
    for (std::size_t i = 0; i < count; ++i) {
      json vec = json::array();
      for (int k = 0; k < 8; ++k) vec.push_back(0.125 * static_cast<double>((k + i) % 5) - 0.25);
      data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", vec}});
    }
    json res = {{"object", "list"},
                {"data", data},
                {"model", model},
                {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
    return writeSimple(200, res.dump(), b.extra_headers) && !b.close_after_answer;
  }

  const bool chat = route == Route::kChat;
  const std::string id = (chat ? "chatcmpl-fake" : "cmpl-fake") + std::to_string(n);

  if (!stream) {
    json res;
    if (chat) {
      res = {{"id", id},
             {"object", "chat.completion"},
             {"created", created},
             {"model", model},
             {"system_fingerprint", "fp_fake"},
             {"choices",
              json::array({{{"index", 0},
                            {"message",
                             {{"role", "assistant"}, {"content", content}, {"refusal", nullptr}}},
                            {"logprobs", nullptr},
                            {"finish_reason", "stop"}}})},
             {"usage", usage}};
    } else {
      res = {{"id", id},
             {"object", "text_completion"},
             {"created", created},
             {"model", model},
             {"system_fingerprint", "fp_fake"},
             {"choices", json::array({{{"text", content},
                                       {"index", 0},
                                       {"logprobs", nullptr},
                                       {"finish_reason", "stop"}}})},
             {"usage", usage}};
    }
    return writeSimple(200, res.dump(), b.extra_headers) && !b.close_after_answer;
  }

  // Streaming: chunked text/event-stream, one `data: {...}\n\n` per write.
  const bool include_usage = body.contains("stream_options") &&
                             body["stream_options"].is_object() &&
                             body["stream_options"].value("include_usage", false);
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache");
  res.set("x-request-id", "req_fake_" + std::to_string(n));
  for (const auto& [k, v] : b.extra_headers) res.set(k, v);
  res.keep_alive(req.keep_alive());
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  http::write_header(s, sr, ec);
  if (ec) {
    bump(aborted);
    return false;
  }
  {
    std::lock_guard lk(mu);
    ++streams_started;
    last_stream_times.clear();
  }
  cv.notify_all();

  auto chunkObj = [&](json delta_or_text, json finish) {
    json choice;
    if (chat) {
      choice = {
          {"index", 0}, {"delta", delta_or_text}, {"logprobs", nullptr}, {"finish_reason", finish}};
    } else {
      choice = {
          {"text", delta_or_text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish}};
    }
    json c = {{"id", id},
              {"object", chat ? "chat.completion.chunk" : "text_completion"},
              {"created", created},
              {"model", model},
              {"system_fingerprint", "fp_fake"},
              {"choices", json::array({choice})}};
    if (include_usage) c["usage"] = nullptr;
    return c;
  };
  bool first_event = true;
  std::size_t event_index = 0;
  auto send = [&](const std::string& data) -> bool {
    const Millis delay =
        event_index < b.event_delays.size() ? b.event_delays[event_index] : b.chunk_delay;
    ++event_index;
    if (!first_event && delay.count() > 0) {
      Wait w = waitPeerClosed(fd, delay);
      if (w == Wait::kPeerClosed) bump(aborted);
      if (w != Wait::kElapsed) return false;
    }
    first_event = false;
    std::string ev = "data: " + data + "\n\n";
    net::write(s, http::make_chunk(net::buffer(ev)), ec);
    if (ec) {
      bump(aborted);
      return false;
    }
    {
      std::lock_guard lk(mu);
      last_stream_times.push_back(Clock::now());
    }
    return true;
  };

  const bool cut =
      b.kind == Behavior::Kind::kCloseMidStream || b.kind == Behavior::Kind::kErrorEventInStream;
  if (chat &&
      !send(
          chunkObj({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr).dump()))
    return false;
  int sent = 0;
  for (const auto& piece : b.chunks) {
    if (cut && sent >= b.chunks_before_close) break;
    json delta = chat ? json{{"content", piece}} : json(piece);
    if (!send(chunkObj(delta, nullptr).dump())) return false;
    ++sent;
  }
  if (b.kind == Behavior::Kind::kCloseMidStream) return false;
  if (b.kind == Behavior::Kind::kErrorEventInStream) {
    json err = {{"error",
                 {{"message", b.error_message},
                  {"type", "server_error"},
                  {"param", nullptr},
                  {"code", nullptr}}}};
    send(err.dump());
    return false;
  }
  if (!send(chunkObj(chat ? json::object() : json(""), "stop").dump())) return false;
  if (include_usage) {
    json u = {{"id", id},
              {"object", chat ? "chat.completion.chunk" : "text_completion"},
              {"created", created},
              {"model", model},
              {"system_fingerprint", "fp_fake"},
              {"choices", json::array()},
              {"usage", usage}};
    if (!send(u.dump())) return false;
  }
  if (!send("[DONE]")) return false;
  net::write(s, http::make_chunk_last(), ec);
  return !ec && !b.close_after_answer;
}

// A FakeResponder over one connection of the server.
template <class Stream>
class StreamResponder final : public FakeResponder {
 public:
  StreamResponder(FakeOpenAI::Impl& impl, Stream& s, int fd, bool keep_alive)
      : impl_(impl), s_(s), fd_(fd), keep_alive_(keep_alive) {}

  bool respond(unsigned status, const std::string& content_type, const std::string& body,
               const std::map<std::string, std::string>& extra) override {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : extra) res.set(k, v);
    res.body() = body;
    res.keep_alive(keep_alive_);
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(s_, res, ec);
    return !ec;
  }

  bool startStream(const std::string& content_type,
                   const std::map<std::string, std::string>& extra) override {
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : extra) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    http::write_header(s_, sr, ec);
    if (ec) {
      impl_.bump(impl_.aborted);
      return false;
    }
    {
      std::lock_guard lk(impl_.mu);
      ++impl_.streams_started;
      impl_.last_stream_times.clear();
    }
    impl_.cv.notify_all();
    return true;
  }

  bool chunk(const std::string& bytes, Millis delay_before) override {
    if (delay_before.count() > 0) {
      Wait w = impl_.waitPeerClosed(fd_, delay_before);
      if (w == Wait::kPeerClosed) impl_.bump(impl_.aborted);
      if (w != Wait::kElapsed) return false;
    }
    boost::system::error_code ec;
    net::write(s_, http::make_chunk(net::buffer(bytes)), ec);
    if (ec) {
      impl_.bump(impl_.aborted);
      return false;
    }
    std::lock_guard lk(impl_.mu);
    impl_.last_stream_times.push_back(Clock::now());
    return true;
  }

  bool endStream() override {
    boost::system::error_code ec;
    net::write(s_, http::make_chunk_last(), ec);
    return !ec;
  }

 private:
  FakeOpenAI::Impl& impl_;
  Stream& s_;
  int fd_;
  bool keep_alive_;
};

template <class Stream>
bool FakeOpenAI::Impl::handleDialect(Stream& s, int fd,
                                     const http::request<http::string_body>& req) {
  RecordedRequest rec;
  {
    std::lock_guard lk(mu);
    rec = requests.back();
  }
  Behavior b = choose(json{{"model", options.dialect->modelOf(rec)}});
  if (b.kind == Behavior::Kind::kCloseImmediately) return false;
  if (b.header_delay.count() > 0 || b.kind == Behavior::Kind::kHang) {
    Wait w = waitPeerClosed(fd, b.kind == Behavior::Kind::kHang ? Millis::max() : b.header_delay);
    if (w == Wait::kPeerClosed) bump(aborted);
    if (w != Wait::kElapsed) return false;
  }
  StreamResponder<Stream> out(*this, s, fd, req.keep_alive());
  return options.dialect->serve(rec, b, out);
}

// ---------------------------------------------------------------------------------------------
// FakeOpenAI

FakeOpenAI::FakeOpenAI() : FakeOpenAI(Options{}) {}

FakeOpenAI::FakeOpenAI(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.tls) {
    impl_->ssl_ctx.emplace(ssl::context::tls_server);
    impl_->ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3);
    impl_->ssl_ctx->use_certificate_chain_file(impl_->options.cert_file);
    impl_->ssl_ctx->use_private_key_file(impl_->options.key_file, ssl::context::pem);
  }
  tcp::endpoint ep{net::ip::address_v4::loopback(), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(128);
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([p = impl_.get()] { p->acceptLoop(); });
}

FakeOpenAI::~FakeOpenAI() {
  impl_->stop = true;
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(impl_->mu);
    for (int fd : impl_->live_fds) ::shutdown(fd, SHUT_RDWR);
    threads.swap(impl_->threads);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

std::uint16_t FakeOpenAI::port() const { return impl_->port; }

std::string FakeOpenAI::baseUrl() const {
  return std::string(impl_->options.tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(impl_->port) + "/v1";
}

void FakeOpenAI::setDefaultBehavior(Behavior b) {
  std::lock_guard lk(impl_->mu);
  impl_->default_behavior = std::move(b);
}

void FakeOpenAI::setBehaviorForModel(const std::string& model, Behavior b) {
  std::lock_guard lk(impl_->mu);
  impl_->per_model[model] = std::move(b);
}

void FakeOpenAI::pushBehavior(Behavior b) {
  std::lock_guard lk(impl_->mu);
  impl_->queue.push_back(std::move(b));
}

std::vector<RecordedRequest> FakeOpenAI::requests() const {
  std::lock_guard lk(impl_->mu);
  return impl_->requests;
}

std::size_t FakeOpenAI::requestCount() const {
  std::lock_guard lk(impl_->mu);
  return impl_->requests.size();
}

std::optional<RecordedRequest> FakeOpenAI::lastRequest() const {
  std::lock_guard lk(impl_->mu);
  if (impl_->requests.empty()) return std::nullopt;
  return impl_->requests.back();
}

bool FakeOpenAI::waitForRequests(std::size_t n, Millis timeout) const {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->requests.size() >= n; });
}

int FakeOpenAI::connectionsAccepted() const {
  std::lock_guard lk(impl_->mu);
  return impl_->accepted;
}

int FakeOpenAI::openConnections() const {
  std::lock_guard lk(impl_->mu);
  return impl_->open;
}

int FakeOpenAI::abortedResponses() const {
  std::lock_guard lk(impl_->mu);
  return impl_->aborted;
}

bool FakeOpenAI::waitForAbortedResponses(int n, Millis timeout) const {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->aborted >= n; });
}

int FakeOpenAI::streamsStarted() const {
  std::lock_guard lk(impl_->mu);
  return impl_->streams_started;
}

bool FakeOpenAI::waitForStreamsStarted(int n, Millis timeout) const {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->streams_started >= n; });
}

std::vector<Clock::time_point> FakeOpenAI::lastStreamEventTimes() const {
  std::lock_guard lk(impl_->mu);
  return impl_->last_stream_times;
}

void FakeOpenAI::reset() {
  std::lock_guard lk(impl_->mu);
  impl_->requests.clear();
  impl_->aborted = 0;
  impl_->streams_started = 0;
  impl_->last_stream_times.clear();
}

// ---------------------------------------------------------------------------------------------
// TestPki

namespace {

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("command failed: " + cmd);
}

TestPki makePki() {
  char tmpl[] = "/tmp/sy-pki-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  TestPki pki;
  pki.dir = tmpl;
  const std::string d = pki.dir;
  {
    std::ofstream ext(d + "/ext.cnf");
    ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
           "basicConstraints=critical,CA:FALSE\n"
           "keyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=serverAuth\n";
  }
  const std::string quiet = " >>" + d + "/openssl.log 2>&1";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  for (const std::string who : {"ca", "rogue-ca"}) {
    run("openssl req -x509" + ec + " -keyout " + d + "/" + who + ".key -out " + d + "/" + who +
        ".pem -days 3 -subj '/CN=Switchyard " + who + "'" + quiet);
  }
  for (const auto& [leaf, ca] : {std::pair{"server", "ca"}, std::pair{"rogue", "rogue-ca"}}) {
    run("openssl req" + ec + " -keyout " + d + "/" + leaf + ".key -out " + d + "/" + leaf +
        ".csr -subj '/CN=127.0.0.1'" + quiet);
    run(std::string("openssl x509 -req -in ") + d + "/" + leaf + ".csr -CA " + d + "/" + ca +
        ".pem -CAkey " + d + "/" + ca + ".key -CAcreateserial -out " + d + "/" + leaf +
        ".pem -days 3 -extfile " + d + "/ext.cnf" + quiet);
  }
  pki.ca_file = d + "/ca.pem";
  pki.server_cert_file = d + "/server.pem";
  pki.server_key_file = d + "/server.key";
  pki.rogue_cert_file = d + "/rogue.pem";
  pki.rogue_key_file = d + "/rogue.key";
  return pki;
}

}  // namespace

const TestPki& testPki() {
  static const TestPki pki = [] {
    TestPki p = makePki();
    static std::string dir = p.dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return p;
  }();
  return pki;
}

}  // namespace switchyard::test
