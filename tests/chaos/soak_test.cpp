// Soak: mixed traffic for a while, memory, descriptors and latency flat (docs/reliability.md#soak).
//
// SY_SOAK_SECONDS (default 60, at least 20; scripts/soak.sh runs 1800) of traffic from 15 client
// threads paced at SY_SOAK_RPS requests/s in all (default 400; 0: unpaced) and one key-churn
// thread, against a gateway with a SQLite store (GatewayProcess's DATABASE_URL), a master key and
// the local response cache: JSON and streamed chat to a fake OpenAI upstream, upstream errors
// (500 -> 502, 429 -> 429), cache hits (JSON and replayed streams), the mock provider, and keys
// generated, used, restricted, blocked and deleted through the admin API. Every answer is judged
// (status, shape, content, x-cache); any other answer fails the test.
// Every second the gateway's RSS and open descriptors are sampled (SY_SOAK_TRACE=1 prints them).
// The warm-up (20 % of the run, >= 10 s) first fills the caches that grow up to a bound; after
// it the mean of the last 10 % of the samples may exceed that of the first 10 % by 5 %, and the
// last quarter's p99 latency may be at most twice the first quarter's + 5 ms (release gateway
// only, see kSanitizedGateway below). Then: a clean log, every spend row written, exit 0 on
// SIGTERM.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "chaos/load.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using Seconds = std::chrono::duration<double>;
constexpr const char* kChat = "/v1/chat/completions";
constexpr int kTrafficClients = 15;  // + the key-churn thread: 16 clients
// The ASan/TSan gateway is several times slower; no answer here should come near either bound.
constexpr Millis kClientTimeout{kSanitizedGateway ? 10000 : 5000};
const std::string kFakeText = "Hello from the fake";  // FakeOpenAI's default answer
const std::string kMockText = "soak mock answer";
const Headers kNoCache = {{"Authorization", std::string("Bearer ") + kMasterKey},
                          {"Cache-Control", "no-cache"}};  // answered upstream, still stored

// The warm-up begins by bringing the two bounded stores that fill with traffic to their bounds,
// unpaced, as minutes of production traffic would (at 400 requests/s the RSS grew 0.12 MiB/s for
// 160 s from the first alone, then stayed flat; 2026-12-07): so that a 60 s run measures the
// steady state, not caches filling.
// - The store's SQLite page cache, 16 MiB (cache_size, src/store/sqlite_store.cpp), filled by
//   every page written: requests with large spend rows (~4 KB of tags) until the database file
//   is past it.
// - The request metrics' 2,000 label combinations (docs/observability.md; ~3 KB each), filled by
//   every new key, model asked for...: requests to as many unknown models (404).
constexpr double kPrimeDbMiB = 18;
constexpr int kPrimeModels = 2100;
// One key's life every 250 ms: 4 keys/s, 14,400 an hour. Unpaced (~300 keys/s) the RSS saws by
// ~18 MiB every 100,000 keys: per-key caches bounded at 100,000 entries, then cleared
// (docs/reliability.md#soak); at 4 keys/s that is about 1 MiB in 30 minutes.
constexpr Millis kChurnPeriod{250};

enum Kind { kJson, kStream, kCache, kError, kMock, kPrime, kKinds };
const char* const kKindNames[kKinds] = {"json", "stream", "cache", "error", "mock", "warm-up"};

// A request of the mix: its end (seconds from the start) and its latency (ms).
struct Sample {
  float t, ms;
};
struct ProcSample {
  double t, rss_mib;
  int fds;
};

// Unexpected answers: counted, the first few kept.
struct Problems {
  std::mutex mu;
  int count = 0;
  std::vector<std::string> first;
  void add(std::string what) {
    std::lock_guard lk(mu);
    if (++count <= 8) first.push_back(std::move(what));
  }
};

long envLong(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

std::string excerpt(const std::string& s) {
  std::string out = s.substr(0, 160);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// The string at `ptr` in `j`, "" when absent or not a string.
std::string textAt(const json& j, const char* ptr) {
  const json::json_pointer p(ptr);
  return j.is_object() && j.contains(p) && j.at(p).is_string() ? j.at(p).get<std::string>() : "";
}

// One chat answer, stream or not (by the body's "stream"), reduced to what the judges read.
struct Reply {
  unsigned status = 0;
  std::string body, x_cache, text, error;  // text: the message (a stream's deltas joined)
  bool whole = true;                       // a stream: event-stream, complete, ending in [DONE]
};
Reply ask(HttpClient& c, const json& body, const Headers& headers) {
  if (body.value("stream", false)) {
    StreamResult s = c.stream(kChat, body, headers);
    const bool sse = s.header("content-type").find("text/event-stream") != std::string::npos;
    return {s.status,    s.raw_body, s.header("x-cache"),
            s.content(), s.error,    sse && s.complete && s.sawDone()};
  }
  HttpResponse r = c.post(kChat, body, headers);
  return {r.status, r.body, r.header("x-cache"), textAt(r.json(), "/choices/0/message/content"),
          r.error,  true};
}

// "" when `r` is a 200 saying `text`, whole, with x-cache `want` ("HIT|MISS": either); else what
// is wrong.
std::string judgeAnswer(const Reply& r, const std::string& text, const std::string& want) {
  if (r.status != 200u)
    return "status " + std::to_string(r.status) + " " + r.error + excerpt(r.body);
  if (!r.whole) return "stream cut or without [DONE]: " + r.error + " " + excerpt(r.body);
  if (r.text != text) return "content '" + r.text + "': " + excerpt(r.body);
  if (r.x_cache != want && !(want == "HIT|MISS" && (r.x_cache == "HIT" || r.x_cache == "MISS")))
    return "x-cache '" + r.x_cache + "', wanted " + want;
  return {};
}
// "" when `r` is `status` with an OpenAI error body.
std::string judgeError(const Reply& r, unsigned status) {
  if (r.status != status || !isOpenAIError(json::parse(r.body, nullptr, false)))
    return "wanted an OpenAI error " + std::to_string(status) + ", got " +
           std::to_string(r.status) + " " + r.error + excerpt(r.body);
  return {};
}

// One request of the mix: its kind, what is wrong with its answer ("" when nothing), whether it
// was a cache hit. `warm`: past the warm-up, when a cache request must be a hit.
struct Outcome {
  Kind kind;
  std::string problem;
  bool hit = false;
};
Outcome mixedRequest(HttpClient& c, std::mt19937& rng, bool warm) {
  // 30 % JSON, 25 % streams, 20 % cache, 15 % errors, 10 % mock.
  static constexpr Kind kMix[20] = {kJson,   kJson,   kJson,   kJson,   kJson,  kJson,  kStream,
                                    kStream, kStream, kStream, kStream, kCache, kCache, kCache,
                                    kCache,  kError,  kError,  kError,  kMock,  kMock};
  Outcome o{kMix[rng() % 20], {}};
  const bool stream = o.kind == kStream || (o.kind != kJson && rng() % 2 == 0);
  // A bounded set of prompts, so that the response cache stops growing during the warm-up.
  json body = chatBody(o.kind == kMock ? "soak-mock" : "soak-fake",
                       "soak question " + std::to_string(rng() % 64), {{"stream", stream}});
  if (o.kind == kCache) {  // 8 prompts, never sent with no-cache
    body["messages"][0]["content"] = "soak cached " + std::to_string(rng() % 8);
    const Reply r = ask(c, body, masterAuth());
    o.problem = judgeAnswer(r, kFakeText, warm ? "HIT" : "HIT|MISS");
    o.hit = o.problem.empty() && r.x_cache == "HIT";
  } else if (o.kind == kError) {  // upstream 429 -> 429, 500 -> 502 (docs/contract.md)
    const bool limited = rng() % 2 == 0;
    body["model"] = limited ? "soak-limited" : "soak-broken";
    o.problem = judgeError(ask(c, body, kNoCache), limited ? 429 : 502);
  } else {
    o.problem =
        judgeAnswer(ask(c, body, kNoCache), o.kind == kMock ? kMockText : kFakeText, "MISS");
  }
  if (!o.problem.empty())
    o.problem = std::string(kKindNames[o.kind]) + (stream ? " (stream): " : ": ") + o.problem;
  return o;
}

// Warm-up request `n`: to an unknown model while n < kPrimeModels, else with a large spend row.
Outcome primeRequest(HttpClient& c, int n) {
  if (n < kPrimeModels) {
    const std::string problem =
        judgeError(ask(c, chatBody("soak-unknown-" + std::to_string(n)), kNoCache), 404);
    return {kPrime, problem.empty() ? "" : "warm-up: " + problem};
  }
  static const json tags = [] {
    json t = json::array();
    for (int i = 0; i < 40; ++i)
      t.push_back("soak-warm-up-" + std::to_string(i) + std::string(80, 'x'));
    return t;
  }();
  const Reply r = ask(c, chatBody("soak-mock", "warm up", {{"tags", tags}}), kNoCache);
  const std::string problem = judgeAnswer(r, kMockText, "MISS");
  return {kPrime, problem.empty() ? "" : "warm-up: " + problem};
}

// One key's life through the admin API, judged step by step, the steps after `give_up` left out;
// the requests it made.
int churnCycle(HttpClient& c, int i, Clock::time_point give_up, Problems& problems) {
  auto admin = [&](const char* target, const json& body) {
    const HttpResponse r = c.post(target, body, masterAuth());
    return r.status == 200u ? "" : std::to_string(r.status) + " " + r.error + excerpt(r.body);
  };
  const std::string alias = "soak-" + std::to_string(i);
  const HttpResponse g =
      c.post("/key/generate",
             {{"key_alias", alias}, {"models", {"soak-fake", "soak-mock"}}, {"max_budget", 1000}},
             masterAuth());
  const std::string key = textAt(g.json(), "/key");
  if (g.status != 200u || key.rfind("sk-", 0) != 0) {
    problems.add("key churn generate: " + std::to_string(g.status) + " " + g.error +
                 excerpt(g.body));
    return 1;
  }
  Headers auth = bearer(key);
  auth.emplace_back("Cache-Control", "no-cache");
  const std::string prompt = "churn " + std::to_string(i % 32);
  auto chat = [&](const char* model, bool stream = false) {
    return ask(c, chatBody(model, prompt, {{"stream", stream}}), auth);
  };
  const json by_key = {{"key", key}}, to_mock = {{"key", key}, {"models", {"soak-mock"}}},
             keys = {{"keys", {key}}};
  // Restricted to the mock: the fake model refused at once; blocked, then deleted: 401.
  const std::pair<const char*, std::function<std::string()>> steps[] = {
      {"info",
       [&] {
         const HttpResponse r = c.get("/key/info?key=" + key, masterAuth());
         return textAt(r.json(), "/info/key_alias") == alias
                    ? ""
                    : std::to_string(r.status) + " " + excerpt(r.body);
       }},
      {"mock", [&] { return judgeAnswer(chat("soak-mock"), kMockText, "MISS"); }},
      {"stream", [&] { return judgeAnswer(chat("soak-fake", true), kFakeText, "MISS"); }},
      {"update", [&] { return admin("/key/update", to_mock); }},
      {"after update", [&] { return judgeError(chat("soak-fake"), 403); }},
      {"block", [&] { return admin("/key/block", by_key); }},
      {"blocked", [&] { return judgeError(chat("soak-mock"), 401); }},
      {"delete", [&] { return admin("/key/delete", keys); }},
      {"deleted", [&] { return judgeError(chat("soak-mock"), 401); }},
  };
  int n = 1;
  for (const auto& [step, run] : steps) {
    if (Clock::now() >= give_up) break;
    ++n;
    if (const std::string p = run(); !p.empty())
      problems.add(std::string("key churn ") + step + ": " + p);
  }
  return n;
}

// Percentile `q` (0..1) of `v` (reordered); 0 when empty.
double percentile(std::vector<float>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// The gateway's resident memory (MiB, /proc/<pid>/status VmRSS) and open descriptors.
ProcSample sampleProcess(pid_t pid, double t) {
  ProcSample s{t, 0, 0};
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) s.rss_mib = std::strtod(line.c_str() + 6, nullptr) / 1024;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec))
    ++s.fds;
  return s;
}

TEST(SoakTest, MixedTrafficKeepsMemoryDescriptorsAndLatencyFlat) {
  const auto started = Clock::now();
  const double duration = static_cast<double>(std::max(20L, envLong("SY_SOAK_SECONDS", 60)));
  const double rate = static_cast<double>(std::max(0L, envLong("SY_SOAK_RPS", 400)));
  const double warmup = std::max(10.0, 0.2 * duration);

  FakeOpenAI fake;
  fake.setBehaviorForModel("soak-broken", Behavior::error(500, "soak upstream failure"));
  fake.setBehaviorForModel("soak-limited", Behavior::error(429, "soak upstream rate limit"));
  ConfigBuilder cfg;
  for (const char* m : {"soak-fake", "soak-broken", "soak-limited"})
    cfg.model(m, std::string("openai/") + m, fake.baseUrl(), kUpstreamKey);
  cfg.model("soak-mock", "mock/soak", {}, {}, {}, {{"mock_response", "\"" + kMockText + "\""}})
      // One attempt, no cooldown: every error request reaches the upstream and gets its status.
      .router("num_retries", "0")
      .router("disable_cooldowns", "true")
      // The ttl outlasts any run: after the warm-up every cache request must be a hit.
      .litellm("cache", "true")
      .litellm("cache_params", "{type: local, ttl: 86400}")
      .general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, cfg.yaml());

  Problems problems;
  std::mutex mu;  // guards what the threads hand over at their end
  std::vector<Sample> samples;
  long counts[kKinds] = {}, cache_hits = 0, churn_cycles = 0, churn_requests = 0;
  const auto ticks = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(Seconds(s));
  };
  const Clock::time_point t0 = Clock::now(), stop_at = t0 + ticks(duration);
  const auto since = [&](Clock::time_point t) { return Seconds(t - t0).count(); };
  std::atomic<bool> priming{true};
  std::atomic<int> primed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kTrafficClients; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1000u + static_cast<unsigned>(t));
      HttpClient c(gw->port());
      c.setTimeout(kClientTimeout);
      const Clock::duration period = ticks(rate > 0 ? kTrafficClients / rate : 0);
      Clock::time_point next = t0 + period * t / kTrafficClients;
      std::vector<Sample> mine;
      long mine_counts[kKinds] = {}, hits = 0;
      while (Clock::now() < stop_at) {
        const bool prime = priming.load();
        if (rate > 0 && !prime) {  // paced; a thread that fell behind does not burst to catch up
          std::this_thread::sleep_until(next);
          next = std::max(next + period, Clock::now() - period);
        }
        const auto start = Clock::now();
        const Outcome o =
            prime ? primeRequest(c, primed++) : mixedRequest(c, rng, since(start) >= warmup);
        const auto end = Clock::now();
        ++mine_counts[o.kind];
        hits += o.hit;
        if (!prime)
          mine.push_back({static_cast<float>(since(end)),
                          static_cast<float>(Seconds(end - start).count() * 1000)});
        if (!o.problem.empty()) problems.add(o.problem);
      }
      std::lock_guard lk(mu);
      samples.insert(samples.end(), mine.begin(), mine.end());
      for (int k = 0; k < kKinds; ++k) counts[k] += mine_counts[k];
      cache_hits += hits;
    });
  }
  threads.emplace_back([&] {  // key churn
    HttpClient c(gw->port());
    c.setTimeout(kClientTimeout);
    long cycles = 0, requests = 0;
    for (Clock::time_point next = t0; Clock::now() < stop_at; next += kChurnPeriod) {
      std::this_thread::sleep_until(next);
      requests += churnCycle(c, static_cast<int>(cycles++), stop_at, problems);
    }
    std::lock_guard lk(mu);
    churn_cycles = cycles;
    churn_requests = requests;
  });
  // The sampler, once a second. The priming ends once both stores are full, or at half the warm-up.
  std::vector<ProcSample> procs;
  double primed_s = 0, primed_db = 0;
  for (Clock::time_point at = t0 + std::chrono::seconds(1); at <= stop_at;
       at += std::chrono::seconds(1)) {
    std::this_thread::sleep_until(at);
    procs.push_back(sampleProcess(gw->pid(), since(Clock::now())));
    std::error_code ec;
    const double db = static_cast<double>(std::filesystem::file_size(dbFileOf(*gw), ec)) / 1048576;
    if (priming &&
        ((db >= kPrimeDbMiB && primed >= kPrimeModels) || procs.back().t >= warmup / 2)) {
      priming = false;
      primed_s = procs.back().t;
      primed_db = ec ? 0 : db;
    }
    if (std::getenv("SY_SOAK_TRACE"))
      std::printf("[ soak ] t %.0f s: RSS %.1f MiB, %d fds, database %.1f MiB\n", procs.back().t,
                  procs.back().rss_mib, procs.back().fds, ec ? 0 : db);
  }
  for (auto& th : threads) th.join();

  // After the warm-up: memory and descriptors, first vs last 10 % of the samples; latency by
  // quarter, and the worst p99 of a second.
  std::vector<ProcSample> post;
  std::copy_if(procs.begin(), procs.end(), std::back_inserter(post),
               [&](const ProcSample& s) { return s.t >= warmup; });
  ASSERT_GE(post.size(), 4u);
  const std::size_t n = std::max<std::size_t>(1, post.size() / 10);
  auto mean = [&](std::size_t from, bool rss) {
    double sum = 0;
    for (std::size_t i = from; i < from + n; ++i) sum += rss ? post[i].rss_mib : post[i].fds;
    return sum / static_cast<double>(n);
  };
  const double rss0 = mean(0, true), rss1 = mean(post.size() - n, true);
  const double fd0 = mean(0, false), fd1 = mean(post.size() - n, false);
  std::vector<float> quarter[4];
  std::vector<std::vector<float>> by_second(static_cast<std::size_t>(duration) + 8);
  for (const Sample& s : samples) {
    if (s.t < warmup) continue;
    quarter[std::min(3, static_cast<int>(4 * (s.t - warmup) / (duration - warmup)))].push_back(
        s.ms);
    by_second[std::min(by_second.size() - 1, static_cast<std::size_t>(s.t))].push_back(s.ms);
  }
  double p99[4], worst_second_p99 = 0;
  std::string quarters, kinds;
  for (int q = 0; q < 4; ++q) {
    p99[q] = percentile(quarter[q], 0.99);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%.1f/%.1f", q ? ", " : "", percentile(quarter[q], 0.5),
                  p99[q]);
    quarters += buf;
  }
  for (auto& v : by_second) worst_second_p99 = std::max(worst_second_p99, percentile(v, 0.99));
  long total = churn_requests;
  for (int k = 0; k < kKinds; ++k) {
    total += counts[k];
    kinds += std::string(k ? ", " : "") + kKindNames[k] + " " + std::to_string(counts[k]);
    if (k == kCache) kinds += " (" + std::to_string(cache_hits) + " hits)";
  }
  std::printf(
      "[ soak ] %.0f s, warm-up %.0f s (database primed to %.1f MiB in %.0f s), %d clients, %ld "
      "requests (%.0f/s): %s, key churn %ld keys (%ld requests) | unexpected %d | RSS %.1f -> "
      "%.1f MiB (%+.1f %%), fds %.1f -> %.1f | p50/p99 ms by quarter: %s; worst 1-s p99 %.1f ms | "
      "%s\n",
      duration, warmup, primed_db, primed_s, kTrafficClients + 1, total,
      static_cast<double>(total) / duration, kinds.c_str(), churn_cycles, churn_requests,
      problems.count, rss0, rss1, 100 * (rss1 - rss0) / rss0, fd0, fd1, quarters.c_str(),
      worst_second_p99,
      kSanitizedGateway ? "sanitized gateway: RSS and p99 not checked" : "release: all checked");
  for (const std::string& p : problems.first) std::printf("[ soak ]   unexpected: %s\n", p.c_str());

  EXPECT_EQ(problems.count, 0) << "unexpected answers (the first are printed above)";
  EXPECT_GE(total, static_cast<long>(10 * duration)) << "too little traffic to mean much";
  for (int k = 0; k < kKinds; ++k) EXPECT_GT(counts[k], 0) << kKindNames[k];
  EXPECT_GT(cache_hits, 0);
  EXPECT_GT(churn_cycles, 0);
  // Descriptors: the gateway holds about 50 (listeners, event loops, the database, the client
  // and the pooled upstream connections), and a sample can catch a connection being replaced:
  // 5 % of that is two or three, so allow 4 at least. A leak of one per request or per key
  // exceeds it within seconds. Checked under sanitizers too: they hold no descriptors of their own.
  EXPECT_LE(fd1, fd0 + std::max(0.05 * fd0, 4.0)) << "open descriptors grew";
  // Under ASan the heap grows by its quarantine, under TSan by its shadow and history, and both
  // are several times slower on this 2-core machine: memory and latency are checked on the release
  // gateway only (the printed line says so).
  if (!kSanitizedGateway) {
    EXPECT_LE(rss1, 1.05 * rss0) << "RSS grew more than 5 % after the warm-up";
    // A shared 2-core box runs the clients, the fake upstream and the gateway: a quarter's p99
    // moves with the neighbours' load by more than 50 %. Twice the first quarter's, + 5 ms while
    // it is a few ms, still catches a gateway that slows down as it runs.
    EXPECT_LE(p99[3], 2 * p99[0] + 5) << "p99 latency rose";
  }

  // Healthy afterwards, a clean log, a clean exit with every spend row written.
  HttpClient after(gw->port());
  after.setTimeout(Millis(5000));
  EXPECT_EQ(after.get("/health/liveliness").status, 200u);
  if (!kSanitizedGateway) {  // the warm-up's premise: the metric series cap was reached
    EXPECT_GT(metricOf(gw->port(), "switchyard_metrics_series_dropped_total{group=\"requests\"}"),
              0)
        << "the warm-up did not fill the request metrics' series";
  }
  after.close();
  ASSERT_TRUE(gw->sendSignal(SIGTERM));
  EXPECT_EQ(gw->waitExit(Millis(10000)), std::optional<int>(0));
  const std::string log = gw->logText();
  expectCleanLog(log);
  // The store's last line (the log can be large: only that line is matched).
  const std::size_t at = log.rfind(" item(s) written, ");
  const std::size_t bol = at == std::string::npos ? 0 : log.rfind('\n', at) + 1;
  const std::string last = at == std::string::npos ? "" : log.substr(bol, log.find('\n', at) - bol);
  EXPECT_TRUE(std::regex_search(last, std::regex(R"(store: \d+ item\(s\) written, 0 dropped$)")))
      << "spend rows dropped or not flushed: '" << last << "'";
  EXPECT_LE(Seconds(Clock::now() - started).count(), duration + 30) << "the soak overran";
}

}  // namespace
}  // namespace switchyard::test
