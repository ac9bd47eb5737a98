// The logs of a request: the client's x-request-id (or a generated one) goes to the provider,
// comes back in the response, and names the request in every log line about it; SIGUSR1 turns
// debug lines on and off at runtime.

#include <gtest/gtest.h>

#include <signal.h>

#include <sstream>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

TEST(RequestIdTest, TheClientsIdReachesTheProviderTheAnswerAndEveryLogLine) {
  FakeOpenAI fake;
  fake.setBehaviorForModel("fake-bad", Behavior::error(500, "boom"));
  ConfigBuilder c;
  c.model("ha", "openai/fake-bad", fake.baseUrl(), kUpstreamKey, "dep-bad", {{"order", "1"}})
      .model("ha", "openai/fake-good", fake.baseUrl(), kUpstreamKey, "dep-good", {{"order", "2"}})
      .router("allowed_fails", "100")
      .general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  Headers h = masterAuth();
  h.push_back({"x-request-id", "trace-abc-123"});
  auto r = client.post("/v1/chat/completions", chatBody("ha"), h);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-request-id"), "trace-abc-123");
  auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 2u);  // the failed attempt and the retry
  for (const RecordedRequest& q : seen) EXPECT_EQ(q.header("x-request-id"), "trace-abc-123");

  // Without one, the generated id goes upstream and back the same way.
  fake.reset();
  auto g = client.post("/v1/chat/completions", chatBody("ha"), masterAuth());
  const std::string generated = g.header("x-request-id");
  ASSERT_FALSE(generated.empty());
  ASSERT_EQ(fake.requests().size(), 2u);
  EXPECT_EQ(fake.requests().back().header("x-request-id"), generated);

  // Every line about the first request names it: the failed attempt and the access line.
  ASSERT_TRUE(gw->waitForLog("request_id=" + generated, Millis(3000)));
  std::istringstream log(gw->logText());
  int attempt = 0, access = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("attempt on deployment dep-bad") != std::string::npos &&
        line.find("trace-abc-123") != std::string::npos)
      ++attempt;
    if (line.find("access POST /v1/chat/completions 200") != std::string::npos &&
        line.find("request_id=trace-abc-123") != std::string::npos)
      ++access;
  }
  EXPECT_EQ(attempt, 1) << gw->logText();
  EXPECT_EQ(access, 1) << gw->logText();
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(LogLevelTest, SigUsr1SwitchesDebugLinesOnAndBack) {
  SY_START_GATEWAY(gw, ConfigBuilder{}
                           .model("slow", "mock/slow", {}, {}, "dep-slow",
                                  {{"mock_response", "\"late\""}, {"mock_delay", "1"}})
                           .yaml());
  const std::string debug_line = "client closed the connection before its answer was complete";
  auto leaveEarly = [&] {
    HttpClient c(gw->port());
    c.setTimeout(Millis(200));
    c.post("/v1/chat/completions", chatBody("slow"));  // the client gives up after 200 ms
  };
  leaveEarly();  // at info: no debug line
  ASSERT_EQ(::kill(gw->pid(), SIGUSR1), 0);
  ASSERT_TRUE(gw->waitForLog("log level now debug", Millis(3000))) << gw->logText();
  leaveEarly();
  ASSERT_TRUE(gw->waitForLog(debug_line, Millis(3000))) << gw->logText();
  ASSERT_EQ(::kill(gw->pid(), SIGUSR1), 0);
  ASSERT_TRUE(gw->waitForLog("log level now info", Millis(3000))) << gw->logText();
  leaveEarly();
  std::this_thread::sleep_for(Millis(1500));  // info and debug lines are flushed every second
  const std::string log = gw->logText();
  const std::size_t on = log.find("log level now debug"), off = log.find("log level now info");
  ASSERT_LT(on, off);
  EXPECT_EQ(occurrences(log.substr(0, on), debug_line), 0u) << log;
  EXPECT_GE(occurrences(log.substr(on, off - on), debug_line), 1u) << log;
  EXPECT_EQ(occurrences(log.substr(off), debug_line), 0u) << log;
  // The gateway still serves.
  HttpClient c(gw->port());
  EXPECT_EQ(c.post("/v1/chat/completions", chatBody("slow")).status, 200u);
}

}  // namespace
}  // namespace switchyard::test
