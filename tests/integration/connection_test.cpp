// Connection-level behaviour: keep-alive (client and upstream side), pipelining, slowloris,
// oversized heads, and cancellation of the upstream call when the client goes away.

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

ConfigBuilder connConfig(const FakeOpenAI& fake) {
  ConfigBuilder c;
  c.model("gpt-test", "openai/fake-model-1", fake.baseUrl(), kUpstreamKey, "dep-gpt-test")
      .model("mock-echo", "mock/echo")
      .router("num_retries", "0")
      .general("request_header_timeout", "1")
      .general("max_header_size_kb", "8");
  return c;
}

TEST(ConnectionTest, KeepAliveServesManyRequestsOnOneConnection) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  HttpClient client(gw->port());
  for (int i = 0; i < 5; ++i) {
    auto r = client.post("/v1/chat/completions", chatBody("gpt-test", "req " + std::to_string(i)));
    ASSERT_EQ(r.status, 200u) << i << " " << r.error << " " << r.body;
    EXPECT_NE(r.header("connection"), "close");
  }
  auto s = client.stream("/v1/chat/completions", chatBody("gpt-test", "s", {{"stream", true}}));
  EXPECT_EQ(s.status, 200u);
  EXPECT_TRUE(s.sawDone());
  auto r = client.get("/v1/models");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(client.connects(), 1) << "the gateway closed a keep-alive connection";
}

TEST(ConnectionTest, UpstreamConnectionsArePooled) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  HttpClient client(gw->port());
  for (int i = 0; i < 6; ++i) {
    auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  auto s = client.stream("/v1/chat/completions", chatBody("gpt-test", "s", {{"stream", true}}));
  EXPECT_TRUE(s.sawDone());
  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(fake.requestCount(), 8u);
  // Sequential requests from one client connection stay on one worker, whose pool reuses one
  // upstream connection.
  EXPECT_LE(fake.connectionsAccepted(), 2) << "upstream connections are not kept alive";
}

TEST(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  HttpClient client(gw->port());
  auto req = [](const std::string& id, const std::string& text) {
    std::string body = chatBody("mock-echo", text).dump();
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
           "application/json\r\n"
           "x-request-id: " +
           id + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  ASSERT_TRUE(client.sendRaw(
      req("pipe-1", "first") + req("pipe-2", "second") +
      "GET /health/liveliness HTTP/1.1\r\nHost: localhost\r\nx-request-id: pipe-3\r\n\r\n"));
  auto r1 = client.readResponse();
  auto r2 = client.readResponse();
  auto r3 = client.readResponse();
  ASSERT_EQ(r1.status, 200u) << r1.error << " " << r1.body;
  ASSERT_EQ(r2.status, 200u) << r2.error << " " << r2.body;
  ASSERT_EQ(r3.status, 200u) << r3.error << " " << r3.body;
  EXPECT_EQ(r1.header("x-request-id"), "pipe-1");
  EXPECT_EQ(r2.header("x-request-id"), "pipe-2");
  EXPECT_EQ(r1.json()["choices"][0]["message"]["content"], "first");
  EXPECT_EQ(r2.json()["choices"][0]["message"]["content"], "second");
}

TEST(ConnectionTest, SlowlorisIsCutOffWhileOthersAreServed) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());

  // Several slow clients, each trickling one header byte every 200 ms: never idle, never done.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::make_unique<RawConnection>(gw->port()));
    ASSERT_TRUE(slow.back()->ok());
    ASSERT_TRUE(slow.back()->send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  const auto t0 = Clock::now();
  std::vector<Millis> closed_after(slow.size(), Millis(-1));

  HttpClient good(gw->port());
  good.setTimeout(Millis(2000));
  int served = 0, failed = 0;
  Millis worst{0};
  while (Clock::now() - t0 < Millis(3500)) {
    for (std::size_t i = 0; i < slow.size(); ++i) {
      if (closed_after[i].count() >= 0) continue;
      if (!slow[i]->send("a") || slow[i]->waitClosed(Millis(1)))
        closed_after[i] = std::chrono::duration_cast<Millis>(Clock::now() - t0);
    }
    auto q0 = Clock::now();
    auto r = good.get("/health/liveliness");
    auto q = std::chrono::duration_cast<Millis>(Clock::now() - q0);
    worst = std::max(worst, q);
    (r.status == 200u ? served : failed)++;
    bool all_closed = true;
    for (auto& c : closed_after) all_closed = all_closed && c.count() >= 0;
    if (all_closed && Clock::now() - t0 > Millis(1500)) break;
    std::this_thread::sleep_for(Millis(200));
  }
  EXPECT_EQ(failed, 0);
  EXPECT_GE(served, 5);
  // Stalled behind a slow client it would wait out the 1 s header timeout; 900 ms leaves room
  // for a loaded machine under the sanitizers (554 ms seen there).
  EXPECT_LT(worst, Millis(900)) << "a good client was stalled by slow ones";
  for (std::size_t i = 0; i < slow.size(); ++i) {
    EXPECT_GE(closed_after[i].count(), 0) << "slow connection " << i << " was never closed";
    if (closed_after[i].count() >= 0) {
      EXPECT_GE(closed_after[i], Millis(700)) << "closed before request_header_timeout";
      EXPECT_LE(closed_after[i], Millis(3000)) << "request_header_timeout: 1 not enforced in time";
    }
  }
}

TEST(ConnectionTest, SilentConnectionIsClosedAfterHeaderTimeout) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  RawConnection idle(gw->port());
  ASSERT_TRUE(idle.ok());
  ASSERT_TRUE(idle.send("GET /health/liveliness HTTP/1.1\r\nHo"));
  auto t0 = Clock::now();
  EXPECT_TRUE(idle.waitClosed(Millis(3500)));
  EXPECT_GE(Clock::now() - t0, Millis(700));
}

TEST(ConnectionTest, OversizedHeadIs431) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());  // max_header_size_kb: 8
  RawConnection c(gw->port());
  ASSERT_TRUE(c.ok());
  std::string head =
      "GET /health/liveliness HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(12 * 1024, 'h') +
      "\r\n\r\n";
  c.send(head);
  std::string got = c.receive(Millis(3000));
  if (got.empty()) {
    ADD_FAILURE() << "no answer to an oversized head (connection "
                  << (c.peerClosed() ? "closed" : "open") << "); the contract says 431";
  } else {
    EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got.substr(0, 200);
  }
  EXPECT_TRUE(c.peerClosed() || c.waitClosed(Millis(2000))) << "connection kept open after a 431";
  // A head under the limit is fine.
  HttpClient ok(gw->port());
  auto r = ok.get("/health/liveliness", {{"X-Medium", std::string(4 * 1024, 'm')}});
  EXPECT_EQ(r.status, 200u) << r.error;
  // Many headers adding up past the limit also count.
  RawConnection many(gw->port());
  std::string h2 = "GET /health/liveliness HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 400; ++i)
    h2 += "X-H" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  many.send(h2 + "\r\n");
  std::string got2 = many.receive(Millis(3000));
  EXPECT_TRUE(got2.rfind("HTTP/1.1 431", 0) == 0 || (got2.empty() && many.peerClosed()))
      << got2.substr(0, 200);
}

TEST(ConnectionTest, MalformedHttpIs400AndTheGatewaySurvives) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
        std::string("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    "Transfer-Encoding: chunked\r\n\r\nZZZ\r\n")}) {
    RawConnection c(gw->port());
    ASSERT_TRUE(c.ok());
    c.send(garbage);
    std::string got = c.receive(Millis(1500));
    EXPECT_TRUE(got.empty() || got.rfind("HTTP/1.1 400", 0) == 0) << got.substr(0, 200);
    HttpClient probe(gw->port());
    probe.setTimeout(Millis(2000));
    auto r = probe.get("/health/liveliness");
    ASSERT_EQ(r.status, 200u) << "gateway died after: " << garbage.substr(0, 60) << " (" << r.error
                              << ")";
  }
  EXPECT_TRUE(gw->running());
}

TEST(ConnectionTest, ClientDisconnectMidStreamCancelsUpstream) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::slowStream(30, Millis(200)));
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  HttpClient client(gw->port());
  auto head =
      client.startStream("/v1/chat/completions", chatBody("gpt-test", "long", {{"stream", true}}));
  ASSERT_EQ(head.status, 200u) << head.error << head.body;
  auto ev = client.nextEvent(Millis(3000));
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(fake.waitForStreamsStarted(1, Millis(1000)));
  auto t0 = Clock::now();
  client.close();
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2500)))
      << "the upstream stream kept going after the client left";
  EXPECT_LT(Clock::now() - t0, Millis(2500));
  // The gateway is still healthy.
  HttpClient other(gw->port());
  EXPECT_EQ(other.get("/health/liveliness").status, 200u);
}

TEST(ConnectionTest, ClientDisconnectWhileUpstreamHangsCancelsUpstream) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::hang());
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  HttpClient client(gw->port());
  client.setTimeout(Millis(500));
  auto r = client.post("/v1/chat/completions", chatBody("gpt-test"));  // gives up after 500 ms
  EXPECT_EQ(r.status, 0u);
  ASSERT_TRUE(fake.waitForRequests(1, Millis(1000)));
  client.close();
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2500)))
      << "the upstream call outlived its client";
}

TEST(ConnectionTest, ManyConcurrentClients) {
  FakeOpenAI fake;
  Behavior b;
  b.header_delay = Millis(100);
  fake.setDefaultBehavior(b);
  SY_START_GATEWAY(gw, connConfig(fake).yaml());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(gw->port());
      for (int i = 0; i < 3; ++i) {
        if (t % 2 == 0) {
          auto r = c.post("/v1/chat/completions", chatBody("gpt-test"));
          if (r.status == 200u) ++ok;
        } else {
          auto s = c.stream("/v1/chat/completions", chatBody("gpt-test", "x", {{"stream", true}}));
          if (s.status == 200u && s.sawDone()) ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 48);
}

// Out of descriptors: a request that cannot open its provider connection gets the gateway's own
// 503 that says so (not a 502 blaming the provider, no retry, no cooldown); no request hangs; once
// descriptors are free again, requests go through. Deterministic: the client connections are
// accepted before the limit is lowered to exactly the descriptors already open, so every request
// needs one descriptor more than the gateway may have (no race between accepts and connects).
TEST(ConnectionTest, RunningOutOfDescriptorsIsTheGatewaysOwn503) {
  FakeOpenAI fake;
  SY_START_GATEWAY(gw, connConfig(fake).yaml(), {}, 1);
  constexpr int kClients = 4;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<HttpClient>(gw->port()));
    clients.back()->setTimeout(Millis(8000));
    ASSERT_EQ(clients.back()->get("/health/liveliness").status, 200u);  // accepted, kept alive
  }
  const std::string fd_dir = "/proc/" + std::to_string(gw->pid()) + "/fd";
  auto openDescriptors = [&] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(fd_dir)) ++n;
    return n;
  };
  // Settle: the count must be stable (nothing opened lazily after the first requests).
  std::size_t open = openDescriptors();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(Millis(20));
    std::size_t now = openDescriptors();
    if (now == open && i >= 2) break;
    open = now;
  }
  rlimit before{};
  ASSERT_EQ(::prlimit(gw->pid(), RLIMIT_NOFILE, nullptr, &before), 0);
  // A new descriptor takes the lowest free number, and the kernel refuses it when that number is
  // at or over the soft limit: the soft limit at the lowest free number leaves no room, holes in
  // the numbering included (the soft limit only, so it can be raised back).
  std::set<int> used;
  for (const auto& e : std::filesystem::directory_iterator(fd_dir))
    used.insert(std::stoi(e.path().filename().string()));
  int lowest_free = 0;
  while (used.count(lowest_free)) ++lowest_free;
  rlimit tight{static_cast<rlim_t>(lowest_free), before.rlim_max};
  ASSERT_EQ(::prlimit(gw->pid(), RLIMIT_NOFILE, &tight, nullptr), 0);
  auto t0 = Clock::now();
  for (auto& c : clients) {
    auto r = c->post("/v1/chat/completions", chatBody("gpt-test"));
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_NE(r.body.find("no file descriptor left"), std::string::npos) << r.body;
    EXPECT_TRUE(r.has("retry-after")) << "a 503 says when to retry";
  }
  EXPECT_LT(Clock::now() - t0, Millis(5000)) << "no request waits for a descriptor";
  EXPECT_EQ(fake.requestCount(), 0u) << "no provider was reached";
  EXPECT_TRUE(gw->waitForLog("Too many open files", Millis(3000))) << "the log names it";
  ASSERT_EQ(::prlimit(gw->pid(), RLIMIT_NOFILE, &before, nullptr), 0);
  auto r = clients.front()->post("/v1/chat/completions", chatBody("gpt-test"));
  EXPECT_EQ(r.status, 200u) << r.body << " (the deployment must not be cooling down)";
  HttpClient fresh(gw->port());
  EXPECT_EQ(fresh.post("/v1/chat/completions", chatBody("gpt-test")).status, 200u);
}

}  // namespace
}  // namespace switchyard::test
