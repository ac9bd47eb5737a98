// The retry loop (provider_call) driven with a scripted adapter registered in the provider
// registry: no sockets, no network. Each deployment answers from its own script, so the tests say
// exactly which deployment is called how often and what the client gets.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "switchyard/pipeline/pipeline.hpp"
#include "unit/run_await.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

api::Reply okReply(std::string text) {
  json body = {{"id", "chatcmpl-1"},
               {"object", "chat.completion"},
               {"choices", json::array({{{"index", 0},
                                         {"message", {{"role", "assistant"}, {"content", text}}},
                                         {"finish_reason", "stop"}}})},
               {"usage", {{"prompt_tokens", 7}, {"completion_tokens", 3}, {"total_tokens", 10}}}};
  return api::Reply::json(200, body.dump());
}

api::Error failure(api::ErrorKind kind, unsigned upstream_status,
                   std::string message = "scripted failure") {
  api::Error e{kind, std::move(message), "scripted"};
  e.upstream_status = upstream_status;
  return e;
}

// Answers each deployment (by model_info.id) from its script; the last entry repeats.
class ScriptedProvider final : public providers::Provider {
 public:
  using Step = std::variant<api::Error, std::string>;  // an error, or an answer's text
  void script(const std::string& id, std::vector<Step> steps) {
    scripts_[id] = std::deque<Step>(steps.begin(), steps.end());
  }
  boost::asio::awaitable<api::Result<api::Reply>> call(api::Exchange& ex,
                                                       const config::Deployment& d,
                                                       const providers::CallOptions&) override {
    calls.push_back(d.id);
    std::deque<Step>& s = scripts_[d.id];
    Step step = s.empty() ? Step{std::string("default")} : s.front();
    if (s.size() > 1) s.pop_front();
    if (auto* e = std::get_if<api::Error>(&step)) co_return *e;
    co_return okReply(std::get<std::string>(step));
  }
  std::string apiBase(const config::Deployment&) override { return "http://scripted.invalid"; }

  std::vector<std::string> calls;

 private:
  std::map<std::string, std::deque<Step>> scripts_;
};

class ProviderCallTest : public ::testing::Test {
 protected:
  void build(const std::string& yaml) {
    auto loaded = config::loadConfigText(yaml, "provider_call_test.yaml");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    cfg_ = std::make_unique<config::Config>(std::move(loaded->config));
    router_ = std::make_unique<router::Router>(*cfg_);
    auto p = std::make_unique<ScriptedProvider>();
    fake_ = p.get();
    providers_.add("scripted", std::move(p));
    pipeline_ = std::make_unique<Pipeline>(*cfg_, *router_, providers_);
  }

  api::Reply chat(const std::string& model, json extra = json::object()) {
    ex_ = api::Exchange{};
    ex_.endpoint = api::Endpoint::kChatCompletions;
    json body = {{"model", model},
                 {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
    body.update(extra);
    ex_.raw_body = body.dump();
    return test::runAwait(io_, pipeline_->run(ex_));
  }

  boost::asio::io_context io_{1};
  std::unique_ptr<config::Config> cfg_;
  std::unique_ptr<router::Router> router_;
  providers::Providers providers_;
  ScriptedProvider* fake_ = nullptr;
  std::unique_ptr<Pipeline> pipeline_;
  api::Exchange ex_;
};

const std::string kTwoDeployments = R"(
model_list:
  - model_name: ha
    litellm_params: {model: scripted/a}
    model_info: {id: a}
  - model_name: ha
    litellm_params: {model: scripted/b}
    model_info: {id: b}
  - model_name: backup
    litellm_params: {model: scripted/c}
    model_info: {id: c}
  - model_name: big
    litellm_params: {model: scripted/big}
    model_info: {id: big}
router_settings:
  num_retries: 2
  fallbacks: [{ha: [backup]}]
  context_window_fallbacks: [{ha: [big]}]
)";

TEST_F(ProviderCallTest, TransientFailureMovesToTheOtherDeploymentAtOnce) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kUpstreamError, 500), std::string("from a")});
  fake_->script("b", {failure(api::ErrorKind::kUpstreamError, 500), std::string("from b")});
  api::Reply r = chat("ha");
  // Both fail once; the third attempt (a retry with backoff on one of them) succeeds.
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(fake_->calls.size(), 3u);
  EXPECT_NE(fake_->calls[0], fake_->calls[1]);  // the untried deployment first, without waiting
  EXPECT_EQ(ex_.outcome.attempted_retries, 2);
  EXPECT_EQ(ex_.outcome.attempted_fallbacks, 0);
  EXPECT_EQ(ex_.outcome.deployment_id, fake_->calls[2]);
  ASSERT_TRUE(ex_.usage);
  EXPECT_EQ(ex_.usage->prompt_tokens, 7u);
  EXPECT_EQ(ex_.usage->completion_tokens, 3u);
}

TEST_F(ProviderCallTest, RequestErrorIsAnsweredAtOnce) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kInvalidRequest, 400, "bad param")});
  fake_->script("b", {failure(api::ErrorKind::kInvalidRequest, 400, "bad param")});
  api::Reply r = chat("ha");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(fake_->calls.size(), 1u);
  EXPECT_EQ(json::parse(r.body)["error"]["message"], "bad param");
}

TEST_F(ProviderCallTest, ExhaustedGroupFallsBack) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kOverloaded, 529)});
  fake_->script("b", {failure(api::ErrorKind::kOverloaded, 529)});
  fake_->script("c", {std::string("from backup")});
  api::Reply r = chat("ha", {{"num_retries", 1}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake_->calls.back(), "c");
  EXPECT_EQ(ex_.outcome.attempted_fallbacks, 1);
  EXPECT_EQ(ex_.outcome.model_group, "backup");
  EXPECT_EQ(json::parse(r.body)["choices"][0]["message"]["content"], "from backup");
}

TEST_F(ProviderCallTest, NoRetriesMeansOneAttemptThenFallbacks) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kUpstreamError, 503)});
  fake_->script("b", {failure(api::ErrorKind::kUpstreamError, 503)});
  fake_->script("c", {std::string("from backup")});
  api::Reply r = chat("ha", {{"num_retries", 0}});
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(fake_->calls.size(), 2u);
  EXPECT_EQ(fake_->calls[1], "c");
}

TEST_F(ProviderCallTest, DisabledFallbacksReturnTheGroupsError) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kOverloaded, 529)});
  fake_->script("b", {failure(api::ErrorKind::kOverloaded, 529)});
  api::Reply r = chat("ha", {{"num_retries", 0}, {"disable_fallbacks", true}});
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "overloaded_error");
  EXPECT_EQ(fake_->calls.size(), 1u);
}

TEST_F(ProviderCallTest, ContextWindowErrorGoesToItsFallbacks) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kContextWindowExceeded, 400)});
  fake_->script("b", {failure(api::ErrorKind::kContextWindowExceeded, 400)});
  fake_->script("big", {std::string("from big")});
  api::Reply r = chat("ha");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake_->calls.size(), 2u);  // no retry inside the group: straight to the fallback
  EXPECT_EQ(fake_->calls.back(), "big");
}

TEST_F(ProviderCallTest, RejectedCredentialsCoolTheDeploymentAndTryTheOther) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kUpstreamError, 401)});
  fake_->script("b", {failure(api::ErrorKind::kUpstreamError, 401)});
  api::Reply r = chat("ha");
  EXPECT_EQ(fake_->calls.size(), 3u);  // a and b once each (never the same twice), then backup
  EXPECT_EQ(fake_->calls[2], "c");
  EXPECT_EQ(r.status, 200u);
  for (const auto& e : router_->entries()) {
    if (e.deployment->id == "a" || e.deployment->id == "b")
      EXPECT_TRUE(e.state->view(router_->time().now(), std::chrono::seconds(60)).cooling)
          << e.deployment->id;
  }
}

TEST_F(ProviderCallTest, RequestFallbacksReplaceTheConfiguredOnes) {
  build(kTwoDeployments);
  fake_->script("a", {failure(api::ErrorKind::kUpstreamError, 500)});
  fake_->script("b", {failure(api::ErrorKind::kUpstreamError, 500)});
  fake_->script("big", {std::string("from big")});
  api::Reply r = chat("ha", {{"num_retries", 0}, {"fallbacks", {"big"}}});
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(fake_->calls.back(), "big");
  EXPECT_EQ(ex_.outcome.model_group, "big");
}

}  // namespace
}  // namespace switchyard::pipeline
