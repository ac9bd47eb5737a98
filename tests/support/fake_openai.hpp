#pragma once
// An in-process fake OpenAI upstream for integration tests (Envoy's "fake upstream").
//
// Listens on 127.0.0.1:<ephemeral>, plain HTTP or HTTPS, one thread per connection, HTTP/1.1 with
// keep-alive. Serves POST /v1/chat/completions, /v1/completions and /v1/embeddings in the OpenAI
// wire format (chat.completion, chat.completion.chunk SSE ending with `data: [DONE]`,
// text_completion, embedding list, {"error":{...}} bodies). Any other target answers 404 with an
// OpenAI error body.
//
// Every request is recorded (method, target, lower-cased headers, body). Faults are injected per
// request through `Behavior`: chosen from a one-shot FIFO queue first, then by the request's
// `model` field, then the default. Nothing here blocks forever: a hanging response ends when the
// peer closes its connection or when the fake is destroyed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace switchyard::test {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  Clock::time_point received_at;

  std::string header(const std::string& lower_name) const;  // "" when absent
  nlohmann::json json() const;                              // null when the body is not JSON
};

struct Behavior {
  enum class Kind {
    kNormal,              // a well-formed answer (stream when the request says "stream": true)
    kError,               // answer `status` with `body` (default: an OpenAI error body)
    kHang,                // never answer; ends when the peer closes or the fake is destroyed
    kCloseMidStream,      // 200 SSE, `chunks_before_close` content chunks, then drop the connection
    kErrorEventInStream,  // 200 SSE, `chunks_before_close` chunks, an error event, then close
    kCloseImmediately,    // read the request, then close without answering
    kRaw,  // write `body` as it is (not HTTP, a head alone, a cut body), wait `chunk_delay`
           // (cut short when the peer closes), then close. OpenAI format only.
  };
  Kind kind = Kind::kNormal;
  unsigned status = 500;  // kError
  std::string body;       // kError: raw body; empty: an OpenAI error body for `status`
  std::string error_message = "fake upstream error";
  Millis header_delay{0};  // wait before sending the response head
  Millis chunk_delay{0};   // wait between streamed events
  // Streams (OpenAI format): when non-empty, the wait before event i (i >= 1; for chat, event 0
  // is the role chunk and event 1 the first content chunk) instead of chunk_delay; events past
  // its end wait chunk_delay. E.g. {0ms, 0ms, 3s}: the first content at once, then a stall.
  std::vector<Millis> event_delays;
  std::vector<std::string> chunks = {"Hello", " from", " the", " fake"};  // streamed contents
  std::string content;          // non-stream answer text; empty: the chunks joined
  int chunks_before_close = 1;  // kCloseMidStream / kErrorEventInStream
  std::map<std::string, std::string> extra_headers;  // added to the response head
  // Close the connection after a complete answer whose head said keep-alive (the peer's pooled
  // connection is then dead). OpenAI format only.
  bool close_after_answer = false;

  static Behavior error(unsigned status, std::string message = "fake upstream error");
  static Behavior hang();
  static Behavior slowStream(int n_chunks, Millis delay);
};

// The writing side of one request, for dialects that speak another wire format over this
// server (FakeGemini). Every call returns false once the connection is unusable (the dialect then
// returns false too, which closes it).
class FakeResponder {
 public:
  virtual ~FakeResponder() = default;
  // A whole response with Content-Length.
  virtual bool respond(unsigned status, const std::string& content_type, const std::string& body,
                       const std::map<std::string, std::string>& extra_headers = {}) = 0;
  // A 200 chunked response head (counted in streamsStarted()).
  virtual bool startStream(const std::string& content_type,
                           const std::map<std::string, std::string>& extra_headers = {}) = 0;
  // One chunk, after waiting `delay_before` (cut short, and counted as aborted, when the peer
  // closes). Its send time goes to lastStreamEventTimes().
  virtual bool chunk(const std::string& bytes, Millis delay_before = Millis{0}) = 0;
  virtual bool endStream() = 0;
};

// A wire format served by FakeOpenAI's machinery instead of OpenAI's. The server records the
// request, chooses the Behavior (queue, then modelOf(request), then default) and applies the
// faults common to every format (header_delay, kHang, kCloseImmediately); serve() does the rest.
class FakeDialect {
 public:
  virtual ~FakeDialect() = default;
  virtual std::string modelOf(const RecordedRequest& req) const = 0;
  // Returns false to close the connection.
  virtual bool serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) = 0;
};

class FakeOpenAI {
 public:
  struct Options {
    bool tls = false;
    std::string cert_file;                 // PEM chain (leaf first); required with tls
    std::string key_file;                  // PEM private key; required with tls
    std::shared_ptr<FakeDialect> dialect;  // null: the OpenAI wire format
  };

  FakeOpenAI();  // plain HTTP
  explicit FakeOpenAI(Options options);
  ~FakeOpenAI();  // stops accepting, unblocks every connection thread, joins them
  FakeOpenAI(const FakeOpenAI&) = delete;
  FakeOpenAI& operator=(const FakeOpenAI&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:PORT/v1" or "https://127.0.0.1:PORT/v1" (SDK-style api_base).
  std::string baseUrl() const;

  void setDefaultBehavior(Behavior b);
  void setBehaviorForModel(const std::string& model, Behavior b);
  void pushBehavior(Behavior b);  // consumed by the next request, before the per-model choice

  std::vector<RecordedRequest> requests() const;
  std::size_t requestCount() const;
  std::optional<RecordedRequest> lastRequest() const;
  bool waitForRequests(std::size_t n, Millis timeout) const;

  int connectionsAccepted() const;
  int openConnections() const;
  // Responses cut short because the peer closed the connection while the fake was still waiting
  // or writing (hang, header delay, slow stream): the gateway cancelled its upstream call.
  int abortedResponses() const;
  bool waitForAbortedResponses(int n, Millis timeout) const;
  // Streams the fake has started (status line sent) / finished (last event written).
  int streamsStarted() const;
  bool waitForStreamsStarted(int n, Millis timeout) const;
  // Send times of each event of the most recent stream, [DONE] included.
  std::vector<Clock::time_point> lastStreamEventTimes() const;

  void reset();  // forgets recorded requests and counters; behaviors stay

  struct Impl;  // defined in fake_openai.cpp only

 private:
  std::unique_ptr<Impl> impl_;
};

// A test CA and server certificates, generated once per process with the openssl CLI into a
// temporary directory. `ca_file` signs `server_cert_file` (SAN IP:127.0.0.1, DNS:localhost);
// `rogue_cert_file` has the same names but is signed by another CA the gateway does not trust.
struct TestPki {
  std::string dir;
  std::string ca_file;
  std::string server_cert_file, server_key_file;
  std::string rogue_cert_file, rogue_key_file;
};
const TestPki& testPki();  // throws std::runtime_error if openssl fails

}  // namespace switchyard::test
