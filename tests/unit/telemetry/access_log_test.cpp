// The access log (telemetry::AccessLog, the request sink of the pipeline): one line per request,
// human or JSON, with the request id, model, deployment, status and key alias, never the key.

#include "switchyard/telemetry/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace switchyard::telemetry {
namespace {

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    spdlog::set_level(spdlog::level::info);
  }
  void TearDown() override {
    setJsonLogs(false);
    spdlog::set_default_logger(previous_);
  }

  api::Exchange exchange() {
    api::Exchange ex;
    ex.method = "POST";
    ex.path = "/v1/chat/completions";
    ex.request_id = "req-123";
    ex.auth_token = "sk-secret-token-never-logged";
    ex.model = "gpt-4o";
    ex.outcome.model_group = "gpt-4o";
    ex.outcome.deployment_id = "dep-1";
    ex.principal.key_alias = "team-a-key";
    ex.usage = api::Usage{12, 34, 0};
    return ex;
  }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(AccessLogTest, HumanLine) {
  setJsonLogs(false);
  api::Exchange ex = exchange();
  ex.principal.team = "team-x";
  ex.outcome.error = api::Error{api::ErrorKind::kUpstreamError, "msg", "upstream broke"};
  AccessLog log;
  log.record(ex, 200, true);
  std::string line = out_.str();
  EXPECT_NE(line.find("key_alias=team-a-key team=team-x error=\"upstream broke\""), std::string::npos)
      << line;
  EXPECT_NE(line.find("access POST /v1/chat/completions 200"), std::string::npos) << line;
  EXPECT_NE(line.find("request_id=req-123"), std::string::npos) << line;
  EXPECT_NE(line.find("deployment=dep-1"), std::string::npos) << line;
  EXPECT_NE(line.find("key_alias=team-a-key"), std::string::npos) << line;
  EXPECT_NE(line.find("stream=true"), std::string::npos) << line;
  EXPECT_NE(line.find("tokens=12/34"), std::string::npos) << line;
  EXPECT_EQ(line.find("sk-secret"), std::string::npos) << line;
}

TEST_F(AccessLogTest, JsonLineWithError) {
  setJsonLogs(true);
  api::Exchange ex = exchange();
  ex.outcome.error =
      api::Error{api::ErrorKind::kUpstreamError, "client message", "upstream answered 500"};
  AccessLog log;
  log.record(ex, 502, false);
  nlohmann::json j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["type"], "access");
  EXPECT_EQ(j["status"], 502);
  EXPECT_EQ(j["request_id"], "req-123");
  EXPECT_EQ(j["model"], "gpt-4o");
  EXPECT_EQ(j["deployment"], "dep-1");
  EXPECT_EQ(j["key_alias"], "team-a-key");
  EXPECT_EQ(j["error"], "upstream answered 500");  // the detail, for operators
  EXPECT_EQ(j["stream"], false);
  EXPECT_EQ(j["prompt_tokens"], 12);
  EXPECT_EQ(j["completion_tokens"], 34);
  EXPECT_GE(j["latency_ms"].get<double>(), 0.0);
  EXPECT_EQ(out_.str().find("sk-secret"), std::string::npos);
}

TEST_F(AccessLogTest, JsonLineCarriesCostCacheOverheadTimeToFirstTokenRetriesAndFallbacks) {
  setJsonLogs(true);
  api::Exchange ex = exchange();
  ex.outcome.provider = "openai";
  ex.outcome.cost = 0.0125;
  ex.outcome.overhead = std::chrono::microseconds(1500);
  ex.first_chunk = ex.started + std::chrono::milliseconds(250);
  ex.outcome.attempted_retries = 2;
  ex.outcome.attempted_fallbacks = 1;
  AccessLog log;
  log.record(ex, 200, true);
  nlohmann::json j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["provider"], "openai");
  EXPECT_DOUBLE_EQ(j["cost"].get<double>(), 0.0125);
  EXPECT_EQ(j["cache_hit"], false);
  EXPECT_DOUBLE_EQ(j["overhead_ms"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["ttft_ms"].get<double>(), 250.0);
  EXPECT_EQ(j["retries"], 2);
  EXPECT_EQ(j["fallbacks"], 1);
  // A cache hit, answered whole: no time to first token, no cost but zero.
  out_.str("");
  api::Exchange hit = exchange();
  hit.outcome.cache_hit = true;
  hit.outcome.cost = 0;
  log.record(hit, 200, false);
  nlohmann::json h = nlohmann::json::parse(out_.str());
  EXPECT_EQ(h["cache_hit"], true);
  EXPECT_EQ(h["cost"], 0);
  EXPECT_FALSE(h.contains("ttft_ms"));
}

TEST_F(AccessLogTest, NothingBelowInfo) {
  spdlog::set_level(spdlog::level::warn);
  api::Exchange ex = exchange();
  AccessLog log;
  log.record(ex, 200, false);
  EXPECT_TRUE(out_.str().empty());
}

}  // namespace
}  // namespace switchyard::telemetry
