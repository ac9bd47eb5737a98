// The transport's pooled connections (providers/transport.hpp): a connection the server closed
// while it sat in the pool, without a word (no "Connection: close"), costs the next request
// nothing but a second connection (the probe before reuse sees the close). A request written to a
// reused connection that the server then closes without answering is not sent again: the server
// may have acted on it (a chat completion billed twice); the failure is the request's.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "switchyard/providers/transport.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::providers {
namespace {

// Answers one request per connection, as keep-alive, then closes the connection silently; with
// `drop_second`, reads the second request on a connection and closes it without answering.
class ClosingServer {
 public:
  explicit ClosingServer(bool drop_second = false) : drop_second_(drop_second) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { run(); });
  }
  ~ClosingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void run() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      for (int request = 0; request < 2; ++request) {
        if (!readRequest(c)) break;
        ++requests_;
        if (request == 1) break;  // drop_second: read it, then close without a word
        const std::string body = "{\"ok\":true}";
        const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        (void)::write(c, answer.data(), answer.size());
        if (!drop_second_) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the client pools it first
          break;
        }
      }
      ::close(c);
    }
  }
  static bool readRequest(int c) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return false;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  bool drop_second_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0}, requests_{0};
  std::thread thread_;
};

api::Result<UpstreamResponse> post(boost::asio::io_context& ctx, Transport& t, const Url& url) {
  UpstreamRequest req;
  req.target = "/v1/chat/completions";
  req.body = "{}";
  auto f = boost::asio::co_spawn(ctx, t.send(url, req, std::chrono::seconds(5)), boost::asio::use_future);
  ctx.restart();
  ctx.run();
  return f.get();
}

TEST(TransportReuseTest, AConnectionClosedInThePoolIsReplacedWithoutAnError) {
  ClosingServer server;
  boost::asio::io_context ctx;
  auto transport = Transport::create(ctx.get_executor(), Transport::Options{});
  auto url = parseUrl("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(url.has_value());
  for (int i = 0; i < 3; ++i) {
    // Reused soon after release and after a long idle: both recover.
    if (i == 2) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    else std::this_thread::sleep_for(std::chrono::milliseconds(60));  // the server has closed it
    auto r = post(ctx, *transport, *url);
    ASSERT_TRUE(r.has_value()) << "request " << i << ": " << r.error().message;
    EXPECT_EQ(r->status, 200u);
    EXPECT_EQ(r->body, "{\"ok\":true}");
  }
  EXPECT_EQ(server.connections(), 3);  // one per request: each kept one was found closed
}

TEST(TransportReuseTest, ARequestWrittenToAReusedConnectionIsNotSentTwice) {
  ClosingServer server(/*drop_second=*/true);
  boost::asio::io_context ctx;
  auto transport = Transport::create(ctx.get_executor(), Transport::Options{});
  auto url = parseUrl("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(url.has_value());
  auto first = post(ctx, *transport, *url);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second = post(ctx, *transport, *url);  // on the pooled connection; the server drops it
  EXPECT_FALSE(second.has_value()) << "answered, but the server never answered it";
  EXPECT_EQ(server.requests(), 2) << "the second request was sent again on a new connection";
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace switchyard::providers
