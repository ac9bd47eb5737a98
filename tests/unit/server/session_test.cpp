// The session (server/session.hpp) over beast::test::stream: keep-alive, pipelining, oversize
// heads and bodies, malformed requests, HTTP/1.0, streams, draining and a client that leaves. No
// sockets: the client end of an in-memory stream pair writes requests and reads what the session
// wrote; the gateway's real route table and filters answer, with the mock provider.

#include "server/session.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace switchyard::server {

using TestStream = boost::beast::test::stream;

// The test stream has no timers, no socket to write to speculatively and no peer to watch.
template <>
struct Io<TestStream> {
  static void expiresAfter(TestStream&, std::chrono::steady_clock::duration) {}
  static void expiresNever(TestStream&) {}
  static boost::asio::awaitable<bool> write(TestStream& s, std::string_view a,
                                            std::string_view b = {}) {
    std::array<boost::asio::const_buffer, 2> bufs{boost::asio::buffer(a.data(), a.size()),
                                                  boost::asio::buffer(b.data(), b.size())};
    auto [ec, n] = co_await boost::asio::async_write(s, bufs, kNoThrow);
    co_return !ec;
  }
  static void armWatch(TestStream&, const std::shared_ptr<ClientWatch>&) {}
  static void disarmWatch(TestStream&, ClientWatch&) {}
  static void shutdownSend(TestStream& s) { s.close(); }
};

namespace {

namespace asio = boost::asio;

const char* kConfig = R"(
model_list:
  - model_name: echo
    litellm_params:
      model: mock/echo
general_settings:
  max_request_size_mb: 0.001
  max_header_size_kb: 1
)";

class TestHost final : public SessionHost {
 public:
  explicit TestHost(std::shared_ptr<Generation> gen) : gen_(std::move(gen)) {}
  std::shared_ptr<Generation> generation() override { return gen_; }
  bool draining() const override { return draining_; }
  bool draining_ = false;

 private:
  std::shared_ptr<Generation> gen_;
};

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() {
    auto loaded = config::loadConfigText(kConfig, "session_test.yaml");
    EXPECT_TRUE(loaded.has_value());
    shared_ = std::make_unique<SharedState>(loaded->config);
    auto snapshot = std::make_shared<const Snapshot>(std::move(loaded->config), 1,
                                                     std::make_shared<router::StateRegistry>());
    host_ = std::make_unique<TestHost>(std::make_shared<Generation>(snapshot, nullptr, *shared_, nullptr, nullptr));
    client_.connect(server_);
    asio::co_spawn(io_, session_detail::sessionLoop(server_, *host_, handle_, watch_),
                   [this](std::exception_ptr e) {
                     done_ = true;
                     failed_ = e != nullptr;
                   });
    settle();
  }
  ~SessionTest() override {
    client_.close();
    settle();
  }

  // Runs what is ready until nothing is (the mock answers without timers).
  void settle() {
    for (int i = 0; i < 1000; ++i) {
      io_.restart();
      if (io_.poll() == 0) break;
    }
  }
  void send(std::string_view bytes) {
    asio::write(client_, asio::buffer(bytes.data(), bytes.size()));
    settle();
  }
  std::string received() {
    std::string s = client_.str();
    client_.clear();
    return s;
  }
  static std::string chat(std::string_view rid, bool stream = false,
                          std::string_view extra_headers = "") {
    std::string body =
        std::string(R"({"model":"echo","messages":[{"role":"user","content":"hi"}])") +
        (stream ? R"(,"stream":true})" : "}");
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/json\r\nx-request-id: " +
           std::string(rid) + "\r\n" + std::string(extra_headers) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  static int count(const std::string& hay, std::string_view needle) {
    int n = 0;
    for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1))
      ++n;
    return n;
  }

  asio::io_context io_{1};
  TestStream server_{io_}, client_{io_};
  std::unique_ptr<SharedState> shared_;
  std::unique_ptr<TestHost> host_;
  SessionHandle handle_;
  std::shared_ptr<ClientWatch> watch_ = std::make_shared<ClientWatch>();
  bool done_ = false, failed_ = false;
};

TEST_F(SessionTest, KeepAliveAnswersOneRequestAfterAnother) {
  send(chat("first"));
  std::string one = received();
  EXPECT_EQ(one.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << one;
  EXPECT_NE(one.find("x-request-id: first\r\n"), std::string::npos);
  EXPECT_NE(one.find("\"object\":\"chat.completion\""), std::string::npos);
  EXPECT_FALSE(done_);  // the connection stays open
  send(chat("second"));
  std::string two = received();
  EXPECT_NE(two.find("x-request-id: second\r\n"), std::string::npos) << two;
  EXPECT_FALSE(done_);
  client_.close();
  settle();
  EXPECT_TRUE(done_);  // the client left: the session ends cleanly
  EXPECT_FALSE(failed_);
}

TEST_F(SessionTest, PipelinedRequestsAreAnsweredInOrder) {
  send(chat("p1") + chat("p2") + chat("p3"));
  std::string all = received();
  EXPECT_EQ(count(all, "HTTP/1.1 200 OK"), 3) << all;
  std::size_t a = all.find("x-request-id: p1"), b = all.find("x-request-id: p2"),
              c = all.find("x-request-id: p3");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_FALSE(done_);
}

TEST_F(SessionTest, OversizeHeadIs431AndCloses) {
  send("GET /v1/models HTTP/1.1\r\nHost: x\r\nx-big: " + std::string(2000, 'a') + "\r\n\r\n");
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 431 ", 0), 0u) << r;
  EXPECT_NE(r.find("request_header_too_large"), std::string::npos);
  EXPECT_TRUE(done_);
}

TEST_F(SessionTest, BodyOverTheLimitIs413InTheRoutesFormat) {
  send(
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-request-id: big\r\nContent-Length: 5000\r\n\r\n");
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 413 ", 0), 0u) << r;
  EXPECT_NE(r.find("\"type\":\"request_too_large\""), std::string::npos) << r;  // Anthropic's shape
  EXPECT_NE(r.find("x-request-id: big\r\n"), std::string::npos);                // through the edge
  EXPECT_NE(r.find("connection: close\r\n"), std::string::npos);
  settle();
  EXPECT_TRUE(done_);
}

TEST_F(SessionTest, MalformedRequestIs400AndCloses) {
  send("NOT HTTP AT ALL\r\n\r\n");
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 400 ", 0), 0u) << r;
  EXPECT_TRUE(done_);
}

TEST_F(SessionTest, UnknownRouteIs404AndKeepsTheConnection) {
  send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 404 ", 0), 0u) << r;
  EXPECT_FALSE(done_);
}

TEST_F(SessionTest, Http10ClosesAfterTheReply) {
  send("GET /health/liveness HTTP/1.0\r\n\r\n");
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.0 200 ", 0), 0u) << r;
  EXPECT_EQ(r.find("connection: keep-alive"), std::string::npos);
  EXPECT_TRUE(done_);
}

TEST_F(SessionTest, StreamIsChunkedToItsEnd) {
  send(chat("s", true));
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("content-type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(r.find("transfer-encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(r.find("data: [DONE]"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 5), "0\r\n\r\n");  // the last chunk
  EXPECT_FALSE(done_);                             // and the connection is kept
}

TEST_F(SessionTest, DrainingClosesAfterTheCurrentReply) {
  host_->draining_ = true;
  send(chat("last"));
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(done_);
}

TEST_F(SessionTest, ClientLeavingMidRequestEndsTheSession) {
  send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"model\":");
  EXPECT_FALSE(done_);  // waiting for the rest of the body
  client_.close();
  settle();
  EXPECT_TRUE(done_);
  EXPECT_TRUE(received().empty());
}

// A source that yields one chunk, then throws (a translator's bug): the client gets the chunk and
// an error event, the observers a broken end, and the request counts as failed.
class ThrowingSource final : public api::ChunkSource {
 public:
  asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (calls_++ == 0) co_return std::optional<std::string>{"data: {\"n\":1}\n\n"};
    throw std::runtime_error("type_error: cannot use value() with null");
  }

 private:
  int calls_ = 0;
};

class EndRecorder final : public api::StreamObserver {
 public:
  explicit EndRecorder(std::optional<api::StreamEnd>* end) : end_(end) {}
  void onEnd(api::StreamEnd how) override { *end_ = how; }

 private:
  std::optional<api::StreamEnd>* end_;
};

TEST_F(SessionTest, AStreamSourceThatThrowsEndsWithAnErrorEvent) {
  api::Reply reply;
  reply.stream = std::make_unique<ThrowingSource>();
  std::optional<api::StreamEnd> end;
  reply.observers.push_back(std::make_unique<EndRecorder>(&end));
  api::Exchange ex;
  bool finished = false;
  TestStream server{io_}, client{io_};
  client.connect(server);
  asio::co_spawn(io_, session_detail::writeStream(server, 11, reply, true, ex),
                 [&](std::exception_ptr e, bool) { finished = e == nullptr; });
  settle();
  ASSERT_TRUE(finished);  // no exception reached the session
  std::string r = client.str();
  EXPECT_NE(r.find("data: {\"n\":1}"), std::string::npos) << r;
  EXPECT_NE(r.find("\"error\""), std::string::npos) << r;
  EXPECT_NE(r.find("The gateway failed while relaying the stream."), std::string::npos) << r;
  EXPECT_EQ(r.find("cannot use value"), std::string::npos) << "the detail is for the logs only";
  EXPECT_EQ(r.substr(r.size() - 5), "0\r\n\r\n");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(*end, api::StreamEnd::kBroken);
  ASSERT_TRUE(ex.outcome.error.has_value());
  EXPECT_EQ(ex.outcome.error->kind, api::ErrorKind::kInternal);
}

// Request smuggling: a request whose framing two parsers could read differently is refused with a
// 400 and the connection closed, so nothing after it is read as another request.
struct Smuggle {
  const char* name;
  std::string request;
};

class SmugglingTest : public SessionTest, public ::testing::WithParamInterface<Smuggle> {};

TEST_P(SmugglingTest, RefusedWith400AndClosed) {
  send(GetParam().request + chat("after"));
  std::string r = received();
  EXPECT_EQ(r.rfind("HTTP/1.1 400 ", 0), 0u) << r;
  EXPECT_EQ(count(r, "HTTP/1.1 "), 1) << "a second request was read from the smuggled bytes: " << r;
  EXPECT_TRUE(done_);
}

const std::string kBody = R"({"model":"echo","messages":[{"role":"user","content":"hi"}]})";

INSTANTIATE_TEST_SUITE_P(
    Session, SmugglingTest,
    ::testing::Values(
        Smuggle{"ContentLengthAndChunked",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        Smuggle{"ChunkedAndContentLength",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Length: 4\r\n\r\n0\r\n\r\n"},
        Smuggle{"TwoContentLengths",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(kBody.size()) + "\r\nContent-Length: 5\r\n\r\n" + kBody},
        Smuggle{"ContentLengthList",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5, " +
                    std::to_string(kBody.size()) + "\r\n\r\n" + kBody},
        Smuggle{"ChunkedNotLast",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, "
                "identity\r\n\r\n0\r\n\r\n"},
        Smuggle{"ObsFoldedHeader",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n " +
                    std::to_string(kBody.size()) + "\r\n\r\n" + kBody},
        Smuggle{"ObsFoldedTransferEncoding",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip,\r\n "
                "chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"},
        Smuggle{"BareLineFeeds", "POST /v1/chat/completions HTTP/1.1\nHost: x\nContent-Length: " +
                                     std::to_string(kBody.size()) + "\n\n" + kBody},
        Smuggle{"BareLineFeedInAField",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-A: 1\nContent-Length: 0\r\n"
                "Content-Length: " +
                    std::to_string(kBody.size()) + "\r\n\r\n" + kBody},
        Smuggle{"SpaceBeforeColon",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n"
                "Content-Length: 4\r\n\r\n0\r\n\r\n"},
        Smuggle{
            "BadChunkSize",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "0x10\r\n0123456789abcdef\r\n0\r\n\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace switchyard::server
