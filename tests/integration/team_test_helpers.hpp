#pragma once
// Helpers shared by the /team/* and /budget/* integration tests (team_*_test.cpp,
// budget_routes_test.cpp): the gateway config (a priced mock model and a free one) and the admin
// calls they repeat. Internal linkage, like key_helpers.hpp.

#include <gtest/gtest.h>

#include <string>

#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

inline std::string teamConfig() {
  return ConfigBuilder{}
      .model("m1", "mock/m1", {}, {}, "dep-m1",
             {{"mock_response", "\"answer one\""},
              {"input_cost_per_token", "0.001"},
              {"output_cost_per_token", "0.002"}})
      .model("m2", "mock/m2", {}, {}, "dep-m2", {{"mock_response", "\"answer two\""}})
      .general("master_key", kMasterKey)
      .yaml();
}

// POST `path` with `body`; the JSON answer, a test failure unless 200.
inline json post200(HttpClient& c, const std::string& path, const json& body,
                    const Headers& auth = masterAuth()) {
  HttpResponse r = c.post(path, body, auth);
  EXPECT_EQ(r.status, 200u) << path << " " << body.dump() << ": " << r.body;
  return r.json();
}

inline json get200(HttpClient& c, const std::string& target, const Headers& auth = masterAuth()) {
  HttpResponse r = c.get(target, auth);
  EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
  return r.json();
}

// POST /team/new as the master: the team row.
inline json newTeam(HttpClient& c, const json& body) { return post200(c, "/team/new", body); }

// GET /team/info?team_id= as the master.
inline json teamInfo(HttpClient& c, const std::string& team_id) {
  return get200(c, "/team/info?team_id=" + team_id);
}

// A key of `team_id` (and of `user_id` when given): the key itself.
inline std::string teamKey(HttpClient& c, const std::string& team_id,
                           const std::string& user_id = {}) {
  json body = {{"team_id", team_id}};
  if (!user_id.empty()) body["user_id"] = user_id;
  return generateKey(c, body).value("key", "");
}

inline std::string errorCode(const HttpResponse& r) {
  json j = r.json();
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("code") && j["error"]["code"].is_string())
    return j["error"]["code"].get<std::string>();
  return {};
}

// The expectations of a refused admin call: `status`, an OpenAI error body, `param` when given.
inline void expectRefused(const HttpResponse& r, unsigned status, const std::string& param = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  if (!param.empty()) {
    EXPECT_EQ(errorParam(r), param) << r.body;
  }
}

}  // namespace
}  // namespace switchyard::test
