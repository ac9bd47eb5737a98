// Self-tests of the test support code (fake upstream, HTTP client) without the gateway, so a
// failure elsewhere can be told apart from a broken fake.

#include <gtest/gtest.h>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"

namespace switchyard::test {
namespace {

using nlohmann::json;

json chat(bool stream) {
  return {{"model", "m1"},
          {"stream", stream},
          {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
}

TEST(SupportSelfTest, FakeServesChatCompletion) {
  FakeOpenAI fake;
  HttpClient c(fake.port());
  auto r = c.post("/v1/chat/completions", chat(false), {{"Authorization", "Bearer k"}});
  ASSERT_EQ(r.status, 200u) << r.error;
  auto j = r.json();
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "m1");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello from the fake");
  ASSERT_EQ(fake.requestCount(), 1u);
  EXPECT_EQ(fake.lastRequest()->header("authorization"), "Bearer k");
  // keep-alive
  r = c.post("/v1/embeddings", json{{"model", "e"}, {"input", json::array({"a", "b"})}});
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json()["data"].size(), 2u);
  EXPECT_EQ(c.connects(), 1);
  EXPECT_EQ(fake.connectionsAccepted(), 1);
}

TEST(SupportSelfTest, FakeStreamsEvents) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::slowStream(3, Millis(50)));
  HttpClient c(fake.port());
  json body = chat(true);
  body["stream_options"] = {{"include_usage", true}};
  auto s = c.stream("/v1/chat/completions", body);
  ASSERT_EQ(s.status, 200u) << s.error;
  EXPECT_TRUE(s.complete);
  EXPECT_TRUE(s.sawDone());
  EXPECT_EQ(s.content(), "c0 c1 c2 ");
  // role chunk + 3 content + finish + usage + DONE
  EXPECT_EQ(s.events.size(), 7u);
  EXPECT_EQ(fake.lastStreamEventTimes().size(), 7u);
}

TEST(SupportSelfTest, FakeHangsUntilPeerCloses) {
  FakeOpenAI fake;
  fake.setDefaultBehavior(Behavior::hang());
  HttpClient c(fake.port());
  c.setTimeout(Millis(300));
  auto r = c.post("/v1/chat/completions", chat(false));
  EXPECT_EQ(r.status, 0u);
  EXPECT_TRUE(fake.waitForAbortedResponses(1, Millis(2000)));
}

TEST(SupportSelfTest, FakeErrorAndTls) {
  const auto& pki = testPki();
  FakeOpenAI::Options o;
  o.tls = true;
  o.cert_file = pki.server_cert_file;
  o.key_file = pki.server_key_file;
  FakeOpenAI fake(o);
  EXPECT_EQ(fake.baseUrl().rfind("https://127.0.0.1:", 0), 0u);
  FakeOpenAI plain;
  plain.pushBehavior(Behavior::error(429, "slow down"));
  HttpClient c(plain.port());
  auto r = c.post("/v1/chat/completions", chat(false));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.json()["error"]["message"], "slow down");
  r = c.post("/v1/chat/completions", chat(false));
  EXPECT_EQ(r.status, 200u);
  // the CA verifies the server cert, not the rogue one
  std::string cmd =
      "openssl verify -CAfile " + pki.ca_file + " " + pki.server_cert_file + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  cmd = "openssl verify -CAfile " + pki.ca_file + " " + pki.rogue_cert_file + " >/dev/null 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST(SupportSelfTest, TlsHandshakeWithCurl) {
  const auto& pki = testPki();
  FakeOpenAI::Options o{true, pki.server_cert_file, pki.server_key_file};
  FakeOpenAI fake(o);
  std::string cmd =
      "curl -s -m 5 --cacert " + pki.ca_file + " -o /dev/null -w '%{http_code}' " + fake.baseUrl() +
      "/chat/completions -H 'content-type: application/json' -d '{\"model\":\"x\",\"messages\":[]}'"
      " | grep -q 200";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(fake.requestCount(), 1u);
}

}  // namespace
}  // namespace switchyard::test
