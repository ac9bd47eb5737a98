#pragma once
// Helpers shared by the virtual-key integration tests (keys_*_test.cpp): auth headers, the
// admin calls, concurrent request bursts, clock-minute alignment for rate-limit windows, and
// direct reads of the gateway's SQLite file through the sqlite3 CLI (the test binary does not
// link SQLite).
//
// Internal linkage, like test_env.hpp.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

inline Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

// The entry of the JSON array `arr` (an admin report) whose `field` is `value`; null when none.
inline const nlohmann::json* entryWhere(const nlohmann::json& arr, const std::string& field,
                                        const nlohmann::json& value) {
  if (!arr.is_array()) return nullptr;
  for (const nlohmann::json& e : arr)
    if (e.is_object() && e.contains(field) && e[field] == value) return &e;
  return nullptr;
}
inline Headers masterAuth() { return bearer(kMasterKey); }

// POST /key/generate as the master; the response (a failed test when not 200).
inline json generateKey(HttpClient& c, const json& body = json::object()) {
  HttpResponse r = c.post("/key/generate", body, masterAuth());
  EXPECT_EQ(r.status, 200u) << "/key/generate " << body.dump() << ": " << r.body;
  json j = r.json();
  if (!j.is_object() || !j.contains("key") || !j["key"].is_string()) {
    ADD_FAILURE() << "no key in /key/generate answer: " << r.body;
    return json::object();
  }
  return j;
}

// GET /key/info?key=... as the master: the "info" object (null when not 200).
inline json keyInfo(HttpClient& c, const std::string& key_or_hash) {
  HttpResponse r = c.get("/key/info?key=" + key_or_hash, masterAuth());
  EXPECT_EQ(r.status, 200u) << "/key/info: " << r.body;
  json j = r.json();
  if (!j.is_object() || !j.contains("info")) return nullptr;
  return j["info"];
}

inline HttpResponse chatWith(HttpClient& c, const std::string& key, const std::string& model,
                             json extra = json::object()) {
  return c.post("/v1/chat/completions", chatBody(model, "Say hello", std::move(extra)),
                bearer(key));
}

// GET /spend/logs?request_id=... as the master until its row is there (spend rows reach the store
// in the background): the rows, [] after 5 s.
inline json spendRowsOf(HttpClient& c, const std::string& request_id) {
  json rows = json::array();
  for (int i = 0; i < 50; ++i) {
    rows = c.get("/spend/logs?request_id=" + request_id, masterAuth()).json();
    if (rows.is_array() && !rows.empty()) return rows;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return rows;
}

inline double headerNumber(const HttpResponse& r, const std::string& name) {
  std::string v = r.header(name);
  if (v.empty()) return std::nan("");
  try {
    return std::stod(v);
  } catch (...) {
    return std::nan("");
  }
}

inline std::string errorType(const HttpResponse& r) {
  json j = r.json();
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("type") && j["error"]["type"].is_string())
    return j["error"]["type"].get<std::string>();
  return {};
}
inline std::string errorMessage(const HttpResponse& r) {
  json j = r.json();
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string())
    return j["error"]["message"].get<std::string>();
  return {};
}
inline json errorParam(const HttpResponse& r) {
  json j = r.json();
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("param"))
    return j["error"]["param"];
  return nullptr;
}

// Answers to a burst, by kind: 200, 400 budget_exceeded, 429, anything else (the first kept).
struct Tally {
  int ok = 0, budget = 0, rate = 0, other = 0;
  std::string sample_other;
  void add(const HttpResponse& r) {
    if (r.status == 200) {
      ++ok;
    } else if (r.status == 400 && errorType(r) == "budget_exceeded") {
      ++budget;
    } else if (r.status == 429) {
      ++rate;
    } else {
      ++other;
      if (sample_other.empty()) sample_other = std::to_string(r.status) + " " + r.error + r.body;
    }
  }
};

// `n` POSTs of `body` to `target`, released together (one connection each); the answers in
// thread order. Every request is bounded by `timeout`.
inline std::vector<HttpResponse> burst(
    std::uint16_t port, int n, const std::string& target, const json& body, const Headers& headers,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
  std::vector<HttpResponse> out(static_cast<std::size_t>(n));
  std::latch ready(n);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  const std::string payload = body.dump();
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(port);
      c.setTimeout(timeout);
      c.connect();
      ready.arrive_and_wait();
      out[static_cast<std::size_t>(i)] = c.request("POST", target, payload, headers);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

// Seconds into the current UTC minute.
inline double secondsIntoMinute() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  return static_cast<double>(ms % 60000) / 1000.0;
}
// Rate windows are clock minutes: when fewer than `need_s` seconds are left in this one, waits
// for the next (plus a little), so that what follows runs inside one window.
inline void stayInOneMinute(double need_s) {
  double into = secondsIntoMinute();
  if (60.0 - into < need_s) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<long long>((60.0 - into) * 1000) + 150));
  }
}

// The gateway's database in its temp dir (GatewayProcess's default DATABASE_URL).
inline std::string dbFileOf(const GatewayProcess& gw) { return gw.dir() + "/switchyard.db"; }

// Runs `sql` with the sqlite3 CLI on `db_file` (bounded); stdout, or "" with a test failure.
inline std::string sqliteQuery(const std::string& db_file, const std::string& sql) {
  std::string cli;
  for (const char* p : {"/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3"}) {
    if (std::filesystem::exists(p)) {
      cli = p;
      break;
    }
  }
  if (cli.empty()) {
    ADD_FAILURE() << "the sqlite3 CLI is not installed";
    return {};
  }
  RunResult r =
      runBinary(cli, {"-cmd", ".timeout 3000", db_file, sql}, std::chrono::milliseconds(10000));
  EXPECT_EQ(r.exit_code, 0) << "sqlite3 " << sql << ": " << r.err;
  return r.out;
}

}  // namespace
}  // namespace switchyard::test
