#pragma once
// Background load for the chaos tests (docs/reliability.md): client threads sending requests
// to a gateway while the test breaks something, every answer judged and timed, and the tally of
// any window of the run (how many, how many failed and the first failure, p50/p99/max latency).
//
// Internal linkage, like tests/support/test_env.hpp.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

using LoadClock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Slower under a sanitizer: the tests' time bounds stretch by this, their properties do not.
constexpr int kSlow = kSanitizedGateway ? 5 : 1;

// How many times `needle` occurs in `text` (log lines, say).
inline std::size_t countOf(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; ++at) ++n;
  return n;
}

// One request's fate: `problem` is empty when the answer was as it should be.
struct Shot {
  LoadClock::time_point start;
  Millis took{0};
  std::string problem;
};

// Sends one request with `client` (its draws from `rng`) and judges it: "" or what was wrong.
using Request = std::function<std::string(HttpClient& client, std::mt19937_64& rng)>;

// A chat completion (stream or not) that must succeed: a 200 with choices, or a stream ending
// in [DONE].
inline std::string chatMustSucceed(HttpClient& c, const json& body, const Headers& headers = {}) {
  if (body.value("stream", false)) {
    StreamResult s = c.stream("/v1/chat/completions", body, headers);
    if (s.status == 200u && s.complete && s.sawDone()) return "";
    return "stream " + std::to_string(s.status) + " " + s.error + " " + s.raw_body.substr(0, 200);
  }
  HttpResponse r = c.post("/v1/chat/completions", body, headers);
  if (r.status == 200u && r.json().contains("choices")) return "";
  return "status " + std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 200);
}

class BackgroundLoad {
 public:
  // Starts `clients` threads, each with its own keep-alive connection, sending `request` until
  // stop(). A request taking longer than `client_timeout` is abandoned (and judged by `request`).
  BackgroundLoad(std::uint16_t port, int clients, Request request,
                 Millis client_timeout = Millis(10000), std::uint64_t seed = 1) {
    for (int i = 0; i < clients; ++i) {
      threads_.emplace_back([this, port, request, client_timeout, seed, i] {
        std::mt19937_64 rng(seed + static_cast<std::uint64_t>(i));
        HttpClient client(port);
        client.setTimeout(client_timeout);
        std::vector<Shot> mine;
        while (!stop_.load(std::memory_order_relaxed)) {
          Shot s;
          s.start = LoadClock::now();
          s.problem = request(client, rng);
          s.took = std::chrono::duration_cast<Millis>(LoadClock::now() - s.start);
          mine.push_back(std::move(s));
        }
        std::lock_guard lk(mu_);
        shots_.insert(shots_.end(), mine.begin(), mine.end());
      });
    }
  }
  ~BackgroundLoad() { stop(); }
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;

  // Ends the run (each thread finishes its request in flight); then shots() is complete.
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  const std::vector<Shot>& shots() const { return shots_; }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Shot> shots_;
  std::vector<std::thread> threads_;
};

// The requests of a window of the run (by start time).
struct LoadTally {
  std::size_t requests = 0, failed = 0;
  Millis p50{0}, p99{0}, max{0};
  std::string first_problem;

  std::string text() const {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu requests, %zu failed, p50 %lld ms, p99 %lld ms, max %lld ms",
                  requests, failed, static_cast<long long>(p50.count()),
                  static_cast<long long>(p99.count()), static_cast<long long>(max.count()));
    return buf;
  }
};

inline LoadTally tallyOf(const std::vector<Shot>& shots,
                   LoadClock::time_point from = LoadClock::time_point::min(),
                   LoadClock::time_point to = LoadClock::time_point::max()) {
  LoadTally t;
  std::vector<Millis> took;
  for (const Shot& s : shots) {
    if (s.start < from || s.start >= to) continue;
    ++t.requests;
    took.push_back(s.took);
    if (s.problem.empty()) continue;
    if (t.failed++ == 0) t.first_problem = s.problem;
  }
  if (took.empty()) return t;
  std::sort(took.begin(), took.end());
  t.p50 = took[took.size() / 2];
  t.p99 = took[std::min(took.size() - 1, took.size() * 99 / 100)];
  t.max = took.back();
  return t;
}

// The sum of a metric's samples in a Prometheus text scrape (every label set; or one, when `name`
// ends with it: `m{group="requests"}`); 0 when absent.
inline double metricSum(const std::string& scrape, const std::string& name) {
  double sum = 0;
  std::size_t pos = 0;
  while ((pos = scrape.find(name, pos)) != std::string::npos) {
    const bool line_start = pos == 0 || scrape[pos - 1] == '\n';
    const std::size_t after = pos + name.size();
    pos = after;
    if (!line_start || after >= scrape.size() || (scrape[after] != ' ' && scrape[after] != '{'))
      continue;
    const std::size_t eol = scrape.find('\n', after);
    const std::string line = scrape.substr(after, eol == std::string::npos ? eol : eol - after);
    const std::size_t space = line.rfind(' ');
    if (space != std::string::npos) sum += std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sum;
}

inline double metricOf(std::uint16_t port, const std::string& name) {
  HttpClient c(port);
  c.setTimeout(Millis(5000));
  return metricSum(c.get("/metrics").body, name);
}

// What a healthy gateway's log never holds.
inline void expectCleanLog(const std::string& log) {
  for (const char* bad : {"internal error", "stream source threw", "terminate called", "Assertion",
                          "Sanitizer", "runtime error:", "[critical]"})
    EXPECT_EQ(log.find(bad), std::string::npos) << "gateway log has \"" << bad << "\"";
}

}  // namespace
}  // namespace switchyard::test
