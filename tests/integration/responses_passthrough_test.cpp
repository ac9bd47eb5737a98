// POST /v1/responses on OpenAI and Azure deployments (docs/responses.md): the request passed
// through to the provider's own Responses API (FakeResponsesApi) with the deployment's model,
// previous_response_id expanded by the gateway and store: false upstream, the answer and its
// events relayed as they come, usage and spend recorded, the response stored by the gateway; a
// fallback from there to a chat-only provider translates instead.

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/fake_responses_api.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

constexpr const char* kResponsesKey = "sk-upstream-responses";

json body(const std::string& model, json input, json extra = json::object()) {
  json j = {{"model", model}, {"input", std::move(input)}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

std::string outputText(const json& response) {
  std::string text;
  for (const json& item : response.value("output", json::array()))
    if (item.value("type", "") == "message")
      for (const json& part : item["content"]) text += part.value("text", "");
  return text;
}

// The fake stands for OpenAI and Azure: its deployments say they have the Responses API
// (model_info.supported_endpoints), as OpenAI's own api_base would by default.
std::string configFor(const FakeResponsesApi& api, const FakeOpenAI& chat) {
  auto dep = [](const std::string& alias, const std::string& model, const std::string& base,
                const std::string& key, const std::string& id, const std::string& extra,
                bool responses) {
    std::string s = "  - model_name: " + alias + "\n    litellm_params:\n      model: " + model +
                    "\n      api_base: " + base + "\n      api_key: " + key + "\n" + extra +
                    "    model_info:\n      id: " + id + "\n";
    if (responses) s += "      supported_endpoints: [\"/v1/chat/completions\", \"/v1/responses\"]\n";
    return s;
  };
  return "model_list:\n" +
         dep("gpt", "openai/gpt-4.1", api.baseUrl(), kResponsesKey, "dep-gpt", "", true) +
         dep("az", "azure/my-gpt-deployment", api.azureBase(), kResponsesKey, "dep-az",
             "      api_version: \"2025-04-01-preview\"\n", false) +
         dep("az-v1", "azure/my-gpt-deployment", api.azureBase(), kResponsesKey, "dep-az-v1",
             "      api_version: v1\n", false) +
         dep("chat", "openai/chat-only", chat.baseUrl(), kUpstreamKey, "dep-chat", "", false) +
         dep("mixed", "openai/gpt-4.1", api.baseUrl(), kResponsesKey, "dep-mixed-gpt", "", true) +
         dep("mixed", "hosted_vllm/chat-only", chat.baseUrl(), kUpstreamKey, "dep-mixed-chat", "",
             false) +
         "general_settings:\n  master_key: " + kMasterKey + "\n";
}

TEST(ResponsesPassthroughTest, OpenAiAndAzureGetTheRequestAsIsAndTheAnswerComesBackAsIs) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  HttpClient client(gw->port());
  for (const char* alias : {"gpt", "az", "az-v1"}) {
    SCOPED_TRACE(alias);
    api.server().reset();
    auto r = client.post("/v1/responses",
                         body(alias, "Say hello", {{"instructions", "Be terse."},
                                                   {"reasoning", {{"effort", "low"}}},
                                                   {"fallbacks", json::array({"chat"})}}),
                         masterAuth());
    ASSERT_EQ(r.status, 200u) << r.body;
    json resp = r.json();
    EXPECT_EQ(resp["object"], "response");
    EXPECT_EQ(outputText(resp), "Hello from the fake");
    EXPECT_EQ(resp["store"], true);  // the gateway keeps it, whatever the upstream was told
    EXPECT_EQ(resp["usage"]["input_tokens_details"]["cached_tokens"], 3);
    ASSERT_EQ(api.server().requests().size(), 1u);
    const RecordedRequest sent = api.server().requests()[0];
    json up = sent.json();
    EXPECT_EQ(up["store"], false);
    EXPECT_EQ(up["instructions"], "Be terse.");
    EXPECT_EQ(up["reasoning"]["effort"], "low");
    EXPECT_FALSE(up.contains("fallbacks")) << up.dump();  // the gateway's controls stay here
    EXPECT_FALSE(up.contains("messages")) << up.dump();
    if (std::string(alias) == "gpt") {
      EXPECT_EQ(sent.target, "/v1/responses");
      EXPECT_EQ(up["model"], "gpt-4.1");
      EXPECT_EQ(sent.header("authorization"), std::string("Bearer ") + kResponsesKey);
    } else if (std::string(alias) == "az") {
      EXPECT_EQ(sent.target, "/openai/responses?api-version=2025-04-01-preview");
      EXPECT_EQ(up["model"], "my-gpt-deployment");
      EXPECT_EQ(sent.header("api-key"), kResponsesKey);
    } else {
      EXPECT_EQ(sent.target, "/openai/v1/responses");
    }
    EXPECT_EQ(chat.requestCount(), 0u);
    // Stored by the gateway under the provider's id.
    auto got = client.get("/v1/responses/" + resp["id"].get<std::string>(), masterAuth());
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(got.json(), resp);
  }
}

TEST(ResponsesPassthroughTest, PreviousResponseIdIsExpandedForTheProvider) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  HttpClient client(gw->port());
  auto first = client.post("/v1/responses", body("chat", "My name is Ada."), masterAuth());
  ASSERT_EQ(first.status, 200u) << first.body;
  auto second = client.post(
      "/v1/responses",
      body("gpt", "What is my name?", {{"previous_response_id", first.json()["id"]}}),
      masterAuth());
  ASSERT_EQ(second.status, 200u) << second.body;
  EXPECT_EQ(second.json()["previous_response_id"], first.json()["id"]);
  json up = api.server().requests().at(0).json();
  EXPECT_FALSE(up.contains("previous_response_id")) << up.dump();
  ASSERT_TRUE(up["input"].is_array()) << up.dump();
  ASSERT_EQ(up["input"].size(), 3u) << up.dump();
  EXPECT_EQ(up["input"][0]["role"], "user");
  EXPECT_NE(up["input"][0].dump().find("My name is Ada."), std::string::npos);
  EXPECT_EQ(up["input"][1]["role"], "assistant");
  EXPECT_FALSE(up["input"][1].contains("id")) << up.dump();
  EXPECT_NE(up["input"][2].dump().find("What is my name?"), std::string::npos);
}

TEST(ResponsesPassthroughTest, BuiltInToolsReachOpenAiAndAreRefusedElsewhere) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  HttpClient client(gw->port());
  json tools = json::array({{{"type", "web_search"}},
                            {{"type", "function"}, {"name", "f"}, {"parameters", json::object()}}});
  auto ok = client.post("/v1/responses", body("gpt", "news?", {{"tools", tools}}), masterAuth());
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(api.server().requests().at(0).json()["tools"], tools);
  auto refused = client.post("/v1/responses", body("chat", "news?", {{"tools", tools}}), masterAuth());
  EXPECT_EQ(refused.status, 400u) << refused.body;
  EXPECT_TRUE(isOpenAIError(refused.json()));
  EXPECT_NE(refused.body.find("web_search"), std::string::npos) << refused.body;
  EXPECT_EQ(chat.requestCount(), 0u);
  // A group with both kinds: the request goes to the deployment that can take it, every time.
  for (int i = 0; i < 6; ++i) {
    auto r = client.post("/v1/responses", body("mixed", "news?", {{"tools", tools}}), masterAuth());
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("x-litellm-model-id"), "dep-mixed-gpt");
  }
  EXPECT_EQ(chat.requestCount(), 0u);
}

// A conversation that used a built-in tool on OpenAI goes on: on OpenAI with its items, on a
// chat-only provider without them. A request with built-in items in its input goes to a
// deployment that can take it, past one that cannot (no retry spent on that one).
TEST(ResponsesPassthroughTest, BuiltInItemsContinueOnEveryProvider) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  HttpClient client(gw->port());
  // A stored OpenAI answer that searched the web (as the client would have got it).
  auto first = client.post("/v1/responses",
                           body("gpt", json::array({{{"role", "user"}, {"content", "News?"}},
                                                    {{"type", "web_search_call"},
                                                     {"id", "ws_1"},
                                                     {"status", "completed"},
                                                     {"action", {{"type", "search"}, {"query", "news"}}}}}),
                                {{"tools", json::array({{{"type", "web_search"}}})}}),
                           masterAuth());
  ASSERT_EQ(first.status, 200u) << first.body;
  json up = api.server().requests().at(0).json();
  ASSERT_EQ(up["input"].size(), 2u) << up.dump();
  EXPECT_EQ(up["input"][1]["type"], "web_search_call");
  EXPECT_FALSE(up["input"][1].contains("id")) << up.dump();  // store:false upstream: no ids
  const std::string id = first.json()["id"];
  auto on_chat = client.post("/v1/responses",
                             body("chat", "And then?", {{"previous_response_id", id}}), masterAuth());
  ASSERT_EQ(on_chat.status, 200u) << on_chat.body;
  std::string sent = chat.requests().at(0).json()["messages"].dump();
  EXPECT_NE(sent.find("News?"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("web_search"), std::string::npos) << sent;
  auto on_gpt = client.post("/v1/responses",
                            body("gpt", "And then?", {{"previous_response_id", id}}), masterAuth());
  ASSERT_EQ(on_gpt.status, 200u) << on_gpt.body;
  EXPECT_NE(api.server().requests().at(1).json()["input"].dump().find("web_search_call"),
            std::string::npos);
  // Malformed tools and items are 400s, never a dropped connection.
  for (json bad : {json{{"tools", json::array({{{"type", 1}}})}},
                   json{{"tool_choice", {{"type", 1}}}},
                   json{{"input", json::array({{{"type", json::array()}}})}}}) {
    json b = body("chat", "hi");
    for (auto& [k, v] : bad.items()) b[k] = v;
    auto r = client.post("/v1/responses", b, masterAuth());
    EXPECT_EQ(r.status, 400u) << b.dump() << " -> " << r.body;
    EXPECT_TRUE(isOpenAIError(r.json())) << r.body;
  }
}

TEST(ResponsesPassthroughTest, StreamsAreRelayedEventByEventAndStored) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  HttpClient client(gw->port());
  StreamResult s =
      client.stream("/v1/responses", body("gpt", "Say hello", {{"stream", true}}), masterAuth());
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  ASSERT_TRUE(s.complete) << s.error;
  ASSERT_GE(s.events.size(), 9u) << s.raw_body;
  std::string deltas;
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    json e = s.events[i].json();
    EXPECT_EQ(e["sequence_number"], i);
    if (e["type"] == "response.output_text.delta") deltas += e["delta"].get<std::string>();
  }
  EXPECT_EQ(deltas, "Hello from the fake");
  json last = s.events.back().json();
  ASSERT_EQ(last["type"], "response.completed");
  json stored = client.get("/v1/responses/" + last["response"]["id"].get<std::string>(),
                           masterAuth())
                    .json();
  EXPECT_EQ(outputText(stored), "Hello from the fake");
  EXPECT_EQ(stored["store"], true);

  // Usage reached the spend log from the relayed events.
  const std::string request_id = s.header("x-request-id");
  json rows = spendRowsOf(client, request_id);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1u) << rows.dump();
  EXPECT_EQ(rows[0]["call_type"], "aresponses");
  EXPECT_EQ(rows[0]["completion_tokens"], 6);
  EXPECT_GT(rows[0]["prompt_tokens"].get<int>(), 0);
}

TEST(ResponsesPassthroughTest, AFailureBeforeOutputFallsBackToATranslatedProvider) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  api.server().setDefaultBehavior(Behavior::error(500, "upstream down"));
  HttpClient client(gw->port());
  auto r = client.post("/v1/responses",
                       body("gpt", "hi", {{"fallbacks", json::array({"chat"})}, {"num_retries", 0}}),
                       masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-chat");
  EXPECT_EQ(r.json()["object"], "response");
  EXPECT_EQ(outputText(r.json()), "Hello from the fake");
  EXPECT_EQ(chat.requestCount(), 1u);
  EXPECT_TRUE(chat.requests()[0].json().contains("messages"));
}

TEST(ResponsesPassthroughTest, AStreamThatBreaksEndsWithAnErrorEventAndCountsAsFailed) {
  FakeResponsesApi api;
  FakeOpenAI chat;
  SY_START_GATEWAY(gw, configFor(api, chat));
  for (Behavior::Kind kind : {Behavior::Kind::kErrorEventInStream, Behavior::Kind::kCloseMidStream}) {
    Behavior b;
    b.kind = kind;
    b.chunks_before_close = 2;
    api.server().setDefaultBehavior(b);
    HttpClient client(gw->port());
    StreamResult s =
        client.stream("/v1/responses", body("gpt", "hi", {{"stream", true}}), masterAuth());
    ASSERT_EQ(s.status, 200u);
    ASSERT_FALSE(s.events.empty());
    bool saw_error = false;
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      json e = s.events[i].json();
      EXPECT_EQ(e["sequence_number"], i) << s.raw_body;
      saw_error |= e["type"] == "error";
    }
    EXPECT_TRUE(saw_error) << s.raw_body;
  }
  // Both were failures for the metrics. A stream is recorded once its last write completed on
  // the gateway, which may be just after the client read it: the scrape waits for it (bounded).
  HttpClient client(gw->port());
  std::string metrics;
  double failed = 0;
  for (auto until = Clock::now() + Millis(3000); Clock::now() < until;
       std::this_thread::sleep_for(Millis(20))) {
    metrics = client.get("/metrics").body;
    failed = 0;
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("litellm_proxy_failed_requests_metric_total{", 0) == 0)
        failed += std::stod(line.substr(line.rfind(' ') + 1));
    if (failed >= 2) break;
  }
  EXPECT_EQ(failed, 2) << metrics;
}

}  // namespace
}  // namespace switchyard::test
