// Chaos: upstream faults at random under concurrent load (docs/reliability.md).
//
// What it proves: whatever an OpenAI-format upstream does to a request (answers; resets after a
// few chunks or half a body; stalls after its response head; sends garbage instead of HTTP, of
// JSON or of SSE; ends a 200 stream with an error event; answers after the timeout; closes a
// keep-alive connection right after answering, so the pooled connection is dead next time; drops
// the connection unanswered; fails with a 5xx), the gateway, with 64 clients at once:
//   - never hangs a request (no client waits past the gateway's deadline + 5 s);
//   - answers each one with a 200 and a complete body / a stream ending in [DONE], or an
//     OpenAI-shaped error (4xx/5xx, {"error":{...}}), or, once a stream's 200 head is out, an
//     error event ending the stream: no truncated stream without one, no malformed HTTP;
//   - answers within its deadline (timeout 2 s, stream_timeout 1 s, + 1 s margin);
//   - stays healthy: liveness 200 and normal answers afterwards, no internal error or crash in
//     its log, exit 0 on SIGTERM.
// Each request draws its fault (seeded; SY_CHAOS_SEED=<n> replays a thread's draws) by naming a
// model "<fault>-s" (stream) or "<fault>-n"; the fake upstream picks its Behavior by that model.
// num_retries 0 and cooldowns off: this measures how the gateway handles each fault, not the
// router's failover.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chaos/load.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kChat = "/v1/chat/completions";
constexpr int kClients = 64;
constexpr auto kRunFor = std::chrono::seconds(20);
constexpr Millis kTimeout{2000}, kStreamTimeout{1000};
constexpr Millis kDeadline = kTimeout + Millis(1000);       // the longest any answer may take
constexpr Millis kClientTimeout = kTimeout + Millis(5000);  // past this a request counts as hung
constexpr Millis kStall{5000};                              // longer than either timeout

// Gateway bugs this test found and src/ does not fix yet: their problems are counted apart and
// do not fail the test. Delete an entry once its bug is fixed: the test then guards the fix.
// Faults whose handling is a known gateway bug, counted apart while it is open (none now: a 200
// non-JSON answer to a stream request, and an event stream that ends without [DONE] or a
// finish_reason or carries non-chunk events, were; both fixed in providers/openai.cpp).
const std::map<std::string, std::string> kKnownBugs = {};

struct Fault {
  std::string name;
  Behavior stream, plain;  // for "stream": true requests / the others
};

Behavior raw(std::string bytes, Millis stall = Millis(0)) {
  Behavior b;
  b.kind = Behavior::Kind::kRaw;
  b.body = std::move(bytes);
  b.chunk_delay = stall;
  return b;
}
Behavior status200(std::string content_type, std::string body) {
  Behavior b = Behavior::error(200);
  b.body = std::move(body);
  b.extra_headers["Content-Type"] = std::move(content_type);
  return b;
}

std::vector<Fault> faults() {
  const std::string sse_head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string json_head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n";
  const std::string half_body = R"({"id":"chatcmpl-cut","object":"chat.completion","choi)";
  Behavior reset_stream;  // role chunk + 2 content chunks, then the connection closes
  reset_stream.kind = Behavior::Kind::kCloseMidStream;
  reset_stream.chunks_before_close = 2;
  Behavior stall_mid;  // role chunk and "Hello" at once, then nothing
  stall_mid.event_delays = {Millis(0), Millis(0), kStall};
  Behavior error_event;
  error_event.kind = Behavior::Kind::kErrorEventInStream;
  error_event.chunks_before_close = 2;
  Behavior slow;
  slow.header_delay = Millis(3000);
  Behavior close_after;
  close_after.close_after_answer = true;
  Behavior drop;
  drop.kind = Behavior::Kind::kCloseImmediately;
  const Behavior garbage_json = status200("application/json", "<html><h1>Bad Gateway</h1></html>");
  const Behavior garbage_sse =
      status200("text/event-stream",
                "data: {\"id\":\"chatcmpl-x\",\"choices\":[{\"delta\":{\"content\":\"He\n\n"
                "data: <html>upstream proxy error</html>\n\n");
  const Behavior not_http = raw("SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\n");
  return {
      {"ok", Behavior{}, Behavior{}},
      {"reset", reset_stream, raw(json_head + half_body)},
      {"stall-head", raw(sse_head, kStall), raw(json_head, kStall)},
      {"stall-mid", stall_mid, raw(json_head + half_body, kStall)},
      {"not-http", not_http, not_http},
      {"garbage-json", garbage_json, garbage_json},
      {"garbage-sse", garbage_sse, garbage_sse},
      {"error-event", error_event, Behavior{}},
      {"slow", slow, slow},
      {"close-after", close_after, close_after},
      {"drop", drop, drop},
      {"5xx", Behavior::error(503, "overloaded"), Behavior::error(500, "boom")},
  };
}

// One request's fate. `outcome` is what the client got; `problem` is empty when that is allowed.
struct Result {
  std::string fault;
  bool stream = false;
  std::string outcome, problem;
  Millis took{0};
};

// At most `n` bytes of `s` on one line.
std::string excerpt(const std::string& s, std::size_t n) {
  std::string out;
  for (char ch : s.substr(0, n))
    out += ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : std::string(1, ch);
  return out;
}

bool isCompletion(const json& j) {
  return j.is_object() && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty();
}

void judgeNoAnswer(Result& r, const std::string& error, const char* what = "no HTTP answer") {
  const bool hung =
      r.took >= kClientTimeout - Millis(100) || error.find("timeout") != std::string::npos;
  r.outcome = hung ? "hung" : what;
  r.problem = r.outcome + " (" + error + ")";
}

void judgeError(Result& r, unsigned status, const std::string& body) {
  r.outcome = "error " + std::to_string(status);
  if (status < 400 || status > 599 || !isOpenAIError(json::parse(body, nullptr, false)))
    r.problem = r.outcome + " without an OpenAI error body: " + excerpt(body, 200);
}

void judgePlain(Result& r, const HttpResponse& res) {
  if (res.status == 0) return judgeNoAnswer(r, res.error);
  if (res.status != 200u) return judgeError(r, res.status, res.body);
  r.outcome = "200 complete";
  if (!isCompletion(res.json()))
    r.problem = "200 without a chat.completion: " + excerpt(res.body, 200);
}

void judgeStream(Result& r, const StreamResult& s) {
  if (s.status == 0) return judgeNoAnswer(r, s.error);
  if (s.status != 200u) {
    judgeError(r, s.status, s.raw_body);
    if (r.problem.empty() && !s.complete) r.problem = "error body cut: " + s.error;
    return;
  }
  if (s.header("content-type").find("text/event-stream") == std::string::npos) {
    r.outcome = "200 JSON to a stream request";
    if (!isCompletion(json::parse(s.raw_body, nullptr, false)))
      r.problem =
          "200 to a stream request, neither SSE nor a chat.completion: " + excerpt(s.raw_body, 200);
    return;
  }
  if (!s.complete) return judgeNoAnswer(r, s.error, "stream cut at the HTTP level");
  if (s.sawDone()) {
    r.outcome = "200 complete";
    for (std::size_t i = 0; i + 1 < s.events.size(); ++i)
      if (!isCompletion(s.events[i].json()) && !s.events[i].json().contains("usage"))
        r.problem =
            "stream ending in [DONE] relayed a non-chunk event: " + excerpt(s.events[i].data, 200);
    return;
  }
  r.outcome = "200 + error event";
  if (s.events.empty() || !isOpenAIError(s.events.back().json()))
    r.problem =
        "200 stream ended with neither [DONE] nor an error event: " + excerpt(s.raw_body, 300);
}

TEST(UpstreamFaultsTest, RandomFaultsUnderConcurrentLoad) {
  std::uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("SY_CHAOS_SEED"); env && *env)
    seed = std::strtoull(env, nullptr, 10);
  std::printf("[ chaos ] seed %llu (replay: SY_CHAOS_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  SCOPED_TRACE("SY_CHAOS_SEED=" + std::to_string(seed));

  const std::vector<Fault> fs = faults();
  FakeOpenAI fake;
  ConfigBuilder c;
  for (const Fault& f : fs) {
    fake.setBehaviorForModel(f.name + "-s", f.stream);
    fake.setBehaviorForModel(f.name + "-n", f.plain);
    for (const char* suffix : {"-s", "-n"})
      c.model(f.name + suffix, "openai/" + f.name + suffix, fake.baseUrl(), kUpstreamKey);
  }
  c.router("num_retries", "0")
      .router("timeout", std::to_string(kTimeout.count() / 1000))
      .router("stream_timeout", std::to_string(kStreamTimeout.count() / 1000))
      .router("disable_cooldowns", "true");
  SY_START_GATEWAY(gw, c.yaml());

  std::mutex mu;
  std::vector<Result> results;
  const auto t0 = Clock::now();
  const auto stop_at = t0 + kRunFor;
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(t));
      std::uniform_int_distribution<std::size_t> pick(0, fs.size() - 1);
      HttpClient client(gw->port());
      client.setTimeout(kClientTimeout);
      std::vector<Result> mine;
      while (Clock::now() < stop_at) {
        Result r;
        r.fault = fs[pick(rng)].name;
        r.stream = rng() % 2 == 0;
        const auto start = Clock::now();
        if (r.stream) {
          StreamResult s = client.stream(kChat, chatBody(r.fault + "-s", "hi", {{"stream", true}}));
          r.took = std::chrono::duration_cast<Millis>(Clock::now() - start);
          judgeStream(r, s);
        } else {
          HttpResponse res = client.post(kChat, chatBody(r.fault + "-n"));
          r.took = std::chrono::duration_cast<Millis>(Clock::now() - start);
          judgePlain(r, res);
        }
        if (r.problem.empty() && r.took > kDeadline)
          r.problem = "late: " + std::to_string(r.took.count()) + " ms";
        mine.push_back(std::move(r));
      }
      std::lock_guard lk(mu);
      for (auto& r : mine) results.push_back(std::move(r));
    });
  }
  for (auto& th : clients) th.join();
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // The tally: by outcome, problems by kind (known gateway bugs apart), the slowest answer.
  std::map<std::string, int> by_outcome, known;
  std::map<std::string, std::string> first_problem;  // "<fault>-s|-n" -> its first problem
  int hung = 0, malformed = 0, late = 0, streams = 0;
  Millis max_took{0};
  std::string max_fault;
  for (const Result& r : results) {
    const std::string key = r.fault + (r.stream ? "-s" : "-n");
    if (r.problem.empty()) ++by_outcome[r.outcome];  // the answers as they should be
    streams += r.stream;
    if (r.took > max_took) {
      max_took = r.took;
      max_fault = key;
    }
    if (r.problem.empty()) continue;
    first_problem.emplace(key, r.problem);
    if (kKnownBugs.count(key))
      ++known[key];
    else
      (r.outcome == "hung" ? hung : r.problem.rfind("late", 0) == 0 ? late : malformed)++;
  }
  std::string outcomes, known_text;
  for (const auto& [k, n] : by_outcome)
    outcomes += (outcomes.empty() ? "" : ", ") + k + " " + std::to_string(n);
  for (const auto& [k, n] : known)
    known_text += (known_text.empty() ? " " : ", ") + k + " " + std::to_string(n);
  std::printf(
      "[ chaos ] %zu requests (%d streams), %d clients, %.1f s, %zu upstream faults at random, "
      "seed %llu: %s | hung %d, malformed %d, late %d | max latency %lld ms (%s; deadline %lld "
      "ms)%s\n",
      results.size(), streams, kClients, elapsed_s, fs.size(),
      static_cast<unsigned long long>(seed), outcomes.c_str(), hung, malformed, late,
      static_cast<long long>(max_took.count()), max_fault.c_str(),
      static_cast<long long>(kDeadline.count()),
      known.empty() ? "" : (" | known gateway bugs, not counted:" + known_text).c_str());
  std::printf("[ chaos ]   upstream: %zu requests on %d connections\n", fake.requestCount(),
              fake.connectionsAccepted());
  // num_retries is 0: no request reaches the provider twice (a written request is never re-sent
  // on a new connection, whatever the pooled one did).
  EXPECT_LE(fake.requestCount(), results.size()) << "a request was sent upstream twice";
  for (const auto& [k, p] : first_problem)
    std::printf("[ chaos ]   %s: %s%s\n", k.c_str(), p.c_str(),
                kKnownBugs.count(k) ? (" [known bug: " + kKnownBugs.at(k) + "]").c_str() : "");

  EXPECT_GE(results.size(), static_cast<std::size_t>(kClients * 5))
      << "too little load to mean much";
  EXPECT_EQ(hung, 0);
  EXPECT_EQ(malformed, 0);
  EXPECT_EQ(late, 0);

  // Healthy afterwards: liveness, a normal answer and a normal stream (no pooled connection left
  // poisoned), a clean log, a clean exit.
  HttpClient after(gw->port());
  after.setTimeout(Millis(5000));
  EXPECT_EQ(after.get("/health/liveliness").status, 200u);
  auto r = after.post(kChat, chatBody("ok-n"));
  EXPECT_EQ(r.status, 200u) << r.body;
  auto s = after.stream(kChat, chatBody("ok-s", "hi", {{"stream", true}}));
  EXPECT_TRUE(s.status == 200u && s.sawDone()) << s.status << " " << s.raw_body;
  after.close();
  const std::string log = gw->logText();
  expectCleanLog(log);
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(Millis(15000)), std::optional<int>(0));
}

}  // namespace
}  // namespace switchyard::test
