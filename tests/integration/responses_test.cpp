// POST /v1/responses and the stored-response routes through the real binary (docs/responses.md):
// Responses requests served by chat-only upstreams (FakeOpenAI's chat, FakeAnthropic, FakeGemini)
// translated both ways, the typed event stream, state in the SQLite store (GET, DELETE,
// input_items, previous_response_id across providers and restarts), key scoping, refusals, spend.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_anthropic.hpp"
#include "support/fake_gemini.hpp"
#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

json responsesBody(const std::string& model, json input, json extra = json::object()) {
  json j = {{"model", model}, {"input", std::move(input)}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

// The text of a response object's message items.
std::string outputText(const json& response) {
  std::string text;
  if (!response.contains("output")) return text;
  for (const json& item : response["output"]) {
    if (item.value("type", "") != "message") continue;
    for (const json& part : item["content"])
      if (part.value("type", "") == "output_text") text += part.value("text", "");
  }
  return text;
}

// The chat messages the upstream received.
json chatMessages(const FakeOpenAI& fake, std::size_t i = 0) {
  auto reqs = fake.requests();
  if (reqs.size() <= i) return nullptr;
  return reqs[i].json()["messages"];
}

struct Gateway {
  FakeOpenAI openai;
  FakeAnthropic anthropic;
  std::unique_ptr<GatewayProcess> gw;

  explicit Gateway(std::map<std::string, std::string> env = {}) {
    ConfigBuilder c;
    c.model("gpt", "openai/gpt-4o-mini", openai.baseUrl(), kUpstreamKey, "dep-gpt")
        .model("claude", "anthropic/claude-sonnet-4-5", anthropic.baseUrl(), kUpstreamKey,
               "dep-claude")
        .general("master_key", kMasterKey);
    GatewayOptions o;
    o.binary = switchyardBinary();
    o.env = std::move(env);
    gw = std::make_unique<GatewayProcess>(c.yaml(), o);
  }
};

TEST(ResponsesTest, AStringInputIsAnsweredAsAResponseObjectAndStored) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  auto r = client.post("/v1/responses",
                       responsesBody("gpt", "Say hello", {{"instructions", "Be terse."},
                                                          {"max_output_tokens", 50},
                                                          {"metadata", {{"app", "t"}}}}),
                       masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json resp = r.json();
  EXPECT_EQ(resp["object"], "response");
  EXPECT_EQ(resp["status"], "completed");
  EXPECT_EQ(resp["model"], "gpt");
  EXPECT_EQ(resp["instructions"], "Be terse.");
  EXPECT_EQ(resp["max_output_tokens"], 50);
  EXPECT_EQ(resp["metadata"]["app"], "t");
  ASSERT_TRUE(resp["id"].is_string());
  const std::string id = resp["id"];
  EXPECT_EQ(id.rfind("resp_", 0), 0u) << id;
  EXPECT_EQ(outputText(resp), "Hello from the fake");
  EXPECT_GT(resp["usage"]["input_tokens"].get<int>(), 0);
  EXPECT_GT(resp["usage"]["output_tokens"].get<int>(), 0);
  EXPECT_EQ(resp["usage"]["total_tokens"].get<int>(),
            resp["usage"]["input_tokens"].get<int>() + resp["usage"]["output_tokens"].get<int>());
  EXPECT_EQ(r.header("x-litellm-model-id"), "dep-gpt");

  // The upstream got a chat request: instructions first, then the input as a user message.
  json messages = chatMessages(g.openai);
  ASSERT_TRUE(messages.is_array()) << messages.dump();
  ASSERT_EQ(messages.size(), 2u) << messages.dump();
  EXPECT_EQ(messages[0]["role"], "system");
  EXPECT_EQ(messages[1]["role"], "user");
  EXPECT_EQ(g.openai.requests()[0].json()["model"], "gpt-4o-mini");
  EXPECT_EQ(g.openai.requests()[0].json()["max_completion_tokens"], 50);

  // Stored: the same object back, its input items listed, then deleted.
  auto got = client.get("/v1/responses/" + id, masterAuth());
  ASSERT_EQ(got.status, 200u) << got.body;
  EXPECT_EQ(got.json(), resp);
  auto items = client.get("/v1/responses/" + id + "/input_items", masterAuth());
  ASSERT_EQ(items.status, 200u) << items.body;
  json list = items.json();
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 1u) << list.dump();
  EXPECT_EQ(list["data"][0]["type"], "message");
  EXPECT_EQ(list["data"][0]["role"], "user");
  EXPECT_EQ(list["data"][0]["content"][0]["type"], "input_text");
  EXPECT_EQ(list["data"][0]["content"][0]["text"], "Say hello");
  EXPECT_EQ(list["first_id"], list["data"][0]["id"]);
  EXPECT_EQ(list["has_more"], false);
  auto del = client.request("DELETE", "/v1/responses/" + id, "", masterAuth());
  ASSERT_EQ(del.status, 200u) << del.body;
  EXPECT_EQ(del.json(), json({{"id", id}, {"object", "response"}, {"deleted", true}}));
  auto gone = client.get("/responses/" + id, masterAuth());
  EXPECT_EQ(gone.status, 404u) << gone.body;
  EXPECT_TRUE(isOpenAIError(gone.json()));
  EXPECT_EQ(client.request("DELETE", "/v1/responses/" + id, "", masterAuth()).status, 404u);
}

TEST(ResponsesTest, PreviousResponseIdCarriesTheConversationAcrossProviders) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  auto first = client.post("/responses", responsesBody("gpt", "My name is Ada."), masterAuth());
  ASSERT_EQ(first.status, 200u) << first.body;
  const std::string id1 = first.json()["id"];
  // The next turn goes to another provider: the whole conversation is translated for it.
  auto second = client.post(
      "/v1/responses",
      responsesBody("claude", "What is my name?", {{"previous_response_id", id1}}), masterAuth());
  ASSERT_EQ(second.status, 200u) << second.body;
  json resp2 = second.json();
  EXPECT_EQ(resp2["previous_response_id"], id1);
  EXPECT_FALSE(outputText(resp2).empty());
  auto sent = g.anthropic.lastRequest();
  ASSERT_TRUE(sent.has_value());
  json msgs = sent->json()["messages"];
  ASSERT_EQ(msgs.size(), 3u) << msgs.dump();
  EXPECT_EQ(msgs[0]["role"], "user");
  EXPECT_NE(msgs[0].dump().find("My name is Ada."), std::string::npos) << msgs.dump();
  EXPECT_EQ(msgs[1]["role"], "assistant");
  EXPECT_NE(msgs[1].dump().find("Hello from the fake"), std::string::npos) << msgs.dump();
  EXPECT_EQ(msgs[2]["role"], "user");
  EXPECT_NE(msgs[2].dump().find("What is my name?"), std::string::npos) << msgs.dump();

  // Only this turn's input is its input_items; the unknown id is OpenAI's 400.
  json items = client.get("/v1/responses/" + resp2["id"].get<std::string>() + "/input_items",
                          masterAuth())
                   .json();
  ASSERT_EQ(items["data"].size(), 1u) << items.dump();
  auto unknown = client.post(
      "/v1/responses",
      responsesBody("gpt", "hi", {{"previous_response_id", "resp_0123456789abcdef0123456789abcdef"}}),
      masterAuth());
  EXPECT_EQ(unknown.status, 400u) << unknown.body;
  EXPECT_EQ(unknown.json()["error"]["code"], "previous_response_not_found");
  EXPECT_EQ(unknown.json()["error"]["param"], "previous_response_id");
}

TEST(ResponsesTest, AResponseBelongsToTheKeyThatMadeIt) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  const std::string k1 = generateKey(client)["key"];
  const std::string k2 = generateKey(client)["key"];
  auto made = client.post("/v1/responses", responsesBody("gpt", "secret plans"), bearer(k1));
  ASSERT_EQ(made.status, 200u) << made.body;
  const std::string id = made.json()["id"];
  EXPECT_EQ(client.get("/v1/responses/" + id, bearer(k1)).status, 200u);
  EXPECT_EQ(client.get("/v1/responses/" + id, bearer(k2)).status, 404u);
  EXPECT_EQ(client.get("/v1/responses/" + id, masterAuth()).status, 404u);
  EXPECT_EQ(client.get("/v1/responses/" + id + "/input_items", bearer(k2)).status, 404u);
  EXPECT_EQ(client.request("DELETE", "/v1/responses/" + id, "", bearer(k2)).status, 404u);
  auto chained = client.post("/v1/responses",
                             responsesBody("gpt", "go on", {{"previous_response_id", id}}), bearer(k2));
  EXPECT_EQ(chained.status, 400u) << chained.body;
  // Still there for its owner.
  EXPECT_EQ(client.get("/v1/responses/" + id, bearer(k1)).status, 200u);
  // No key at all: 401.
  EXPECT_EQ(client.get("/v1/responses/" + id).status, 401u);
}

TEST(ResponsesTest, StoreFalseKeepsNothing) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  auto r = client.post("/v1/responses", responsesBody("gpt", "hi", {{"store", false}}), masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["store"], false);
  EXPECT_EQ(client.get("/v1/responses/" + r.json()["id"].get<std::string>(), masterAuth()).status,
            404u);
}

// The typed events, numbered, with the text as deltas and the whole response at the end; the
// response is then stored like a whole one.
void expectWellFormedStream(const StreamResult& s, const std::string& text) {
  ASSERT_EQ(s.status, 200u) << s.raw_body;
  ASSERT_TRUE(s.complete) << s.error;
  std::vector<std::string> types;
  std::string deltas;
  json completed;
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    json e = s.events[i].json();
    ASSERT_TRUE(e.is_object()) << s.events[i].data;
    EXPECT_EQ(e["sequence_number"], i) << e.dump();
    types.push_back(e["type"]);
    if (e["type"] == "response.output_text.delta") deltas += e["delta"].get<std::string>();
    if (e["type"] == "response.completed") completed = e["response"];
  }
  ASSERT_GE(types.size(), 8u) << s.raw_body;
  EXPECT_EQ(types[0], "response.created");
  EXPECT_EQ(types[1], "response.in_progress");
  EXPECT_EQ(types[2], "response.output_item.added");
  EXPECT_EQ(types[3], "response.content_part.added");
  EXPECT_EQ(types.back(), "response.completed");
  for (const char* t : {"response.output_text.done", "response.content_part.done",
                        "response.output_item.done"})
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
  EXPECT_EQ(deltas, text);
  EXPECT_EQ(outputText(completed), text);
  EXPECT_EQ(completed["status"], "completed");
  EXPECT_GT(completed["usage"]["output_tokens"].get<int>(), 0) << completed.dump();
  EXPECT_EQ(s.raw_body.find("data: [DONE]"), std::string::npos);
}

TEST(ResponsesTest, StreamsTheTypedEventsFromEveryProvider) {
  Gateway g;
  FakeGemini gemini("AIza-gemini-SECRET-91c2");
  ConfigBuilder c;
  c.model("gpt", "openai/gpt-4o-mini", g.openai.baseUrl(), kUpstreamKey, "dep-gpt")
      .model("claude", "anthropic/claude-sonnet-4-5", g.anthropic.baseUrl(), kUpstreamKey, "dep-claude")
      .model("gem", "gemini/gemini-2.0-flash", gemini.baseUrl(), "AIza-gemini-SECRET-91c2", "dep-gem")
      .general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, c.yaml());
  for (const char* model : {"gpt", "claude", "gem"}) {
    SCOPED_TRACE(model);
    HttpClient client(gw->port());
    StreamResult s = client.stream(
        "/v1/responses", responsesBody(model, "Say hello", {{"stream", true}}), masterAuth());
    ASSERT_EQ(s.header("content-type").rfind("text/event-stream", 0), 0u);
    std::string text;
    for (const SseEvent& e : s.events)
      if (e.json().value("type", "") == "response.output_text.delta") text += e.json()["delta"];
    ASSERT_FALSE(text.empty()) << s.raw_body;
    expectWellFormedStream(s, text);
    json completed = s.events.back().json()["response"];
    auto got = client.get("/v1/responses/" + completed["id"].get<std::string>(), masterAuth());
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(got.json(), completed);
  }
}

TEST(ResponsesTest, AStreamThatBreaksEndsWithResponseFailed) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  Behavior b;
  b.kind = Behavior::Kind::kErrorEventInStream;
  b.chunks_before_close = 2;
  g.openai.setDefaultBehavior(b);
  HttpClient client(g.gw->port());
  StreamResult s =
      client.stream("/v1/responses", responsesBody("gpt", "hi", {{"stream", true}}), masterAuth());
  ASSERT_EQ(s.status, 200u);
  ASSERT_FALSE(s.events.empty());
  json last = s.events.back().json();
  EXPECT_EQ(last["type"], "response.failed") << s.raw_body;
  EXPECT_EQ(last["response"]["status"], "failed");
  EXPECT_TRUE(last["response"]["error"].is_object()) << last.dump();
  bool saw_error = false;
  for (const SseEvent& e : s.events) saw_error |= e.json().value("type", "") == "error";
  EXPECT_TRUE(saw_error) << s.raw_body;
}

TEST(ResponsesTest, FunctionToolsRoundTripThroughAnthropic) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  AnthropicScript script;
  script.tool_use = AnthropicScript::ToolUse{};
  g.anthropic.setScript(script);
  HttpClient client(g.gw->port());
  json tools = json::array({{{"type", "function"},
                             {"name", "get_weather"},
                             {"description", "Weather of a city"},
                             {"parameters",
                              {{"type", "object"},
                               {"properties", {{"location", {{"type", "string"}}}}},
                               {"required", {"location"}}}}}});
  auto r = client.post("/v1/responses",
                       responsesBody("claude", "Weather in Paris?", {{"tools", tools}}), masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  json resp = r.json();
  const json* call = nullptr;
  for (const json& item : resp["output"])
    if (item["type"] == "function_call") call = &item;
  ASSERT_NE(call, nullptr) << resp.dump();
  EXPECT_EQ((*call)["name"], "get_weather");
  EXPECT_EQ((*call)["call_id"], "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(json::parse((*call)["arguments"].get<std::string>()), json({{"location", "Paris"}}));
  json sent_tools = g.anthropic.lastRequest()->json()["tools"];
  ASSERT_EQ(sent_tools.size(), 1u);
  EXPECT_EQ(sent_tools[0]["name"], "get_weather");

  // The tool's output goes back on the stored conversation.
  g.anthropic.setScript(AnthropicScript{});
  json output = json::array({{{"type", "function_call_output"},
                              {"call_id", (*call)["call_id"]},
                              {"output", "18 degrees"}}});
  auto next = client.post("/v1/responses",
                          responsesBody("claude", output,
                                        {{"tools", tools}, {"previous_response_id", resp["id"]}}),
                          masterAuth());
  ASSERT_EQ(next.status, 200u) << next.body;
  json msgs = g.anthropic.lastRequest()->json()["messages"];
  std::string dumped = msgs.dump();
  EXPECT_NE(dumped.find("\"tool_use\""), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("\"tool_result\""), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("18 degrees"), std::string::npos) << dumped;
}

// What the AI SDK sends for a tool loop with store on: no previous_response_id, the earlier
// function_call as an item_reference to the item the gateway returned.
TEST(ResponsesTest, ItemReferencesFindTheCallersStoredItems) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  AnthropicScript script;
  script.tool_use = AnthropicScript::ToolUse{};
  g.anthropic.setScript(script);
  HttpClient client(g.gw->port());
  const std::string k1 = generateKey(client)["key"];
  const std::string k2 = generateKey(client)["key"];
  json tools = json::array({{{"type", "function"}, {"name", "get_weather"},
                             {"parameters", {{"type", "object"}}}}});
  json question = {{"role", "user"}, {"content", json::array({{{"type", "input_text"},
                                                               {"text", "Weather in Paris?"}}})}};
  auto step1 = client.post("/v1/responses",
                           responsesBody("claude", json::array({question}), {{"tools", tools}}),
                           bearer(k1));
  ASSERT_EQ(step1.status, 200u) << step1.body;
  json call;
  const json first = step1.json();
  for (const json& item : first["output"])
    if (item["type"] == "function_call") call = item;
  ASSERT_TRUE(call.is_object()) << step1.body;
  g.anthropic.setScript(AnthropicScript{});
  json step2_input = json::array({question,
                                  {{"type", "item_reference"}, {"id", call["id"]}},
                                  {{"type", "function_call_output"},
                                   {"call_id", call["call_id"]},
                                   {"output", "Sunny, 18C"}}});
  auto step2 = client.post("/v1/responses",
                           responsesBody("claude", step2_input, {{"tools", tools}}), bearer(k1));
  ASSERT_EQ(step2.status, 200u) << step2.body;
  std::string sent = g.anthropic.lastRequest()->json()["messages"].dump();
  EXPECT_NE(sent.find("\"tool_use\""), std::string::npos) << sent;
  EXPECT_NE(sent.find("Sunny, 18C"), std::string::npos) << sent;
  // Another key's items are not found.
  auto other = client.post("/v1/responses",
                           responsesBody("claude", step2_input, {{"tools", tools}}), bearer(k2));
  EXPECT_EQ(other.status, 400u) << other.body;
}

TEST(ResponsesTest, RefusesWhatNoTranslationCanServe) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  auto web = client.post(
      "/v1/responses",
      responsesBody("claude", "news?", {{"tools", json::array({{{"type", "web_search"}}})}}),
      masterAuth());
  EXPECT_EQ(web.status, 400u) << web.body;
  EXPECT_TRUE(isOpenAIError(web.json()));
  EXPECT_NE(web.json()["error"]["message"].get<std::string>().find("web_search"), std::string::npos);
  auto bg = client.post("/v1/responses", responsesBody("gpt", "hi", {{"background", true}}),
                        masterAuth());
  EXPECT_EQ(bg.status, 400u) << bg.body;
  auto no_model = client.post("/v1/responses", json({{"input", "hi"}}), masterAuth());
  EXPECT_EQ(no_model.status, 400u) << no_model.body;
  auto bad_json = client.request("POST", "/v1/responses", "{not json", masterAuth());
  EXPECT_EQ(bad_json.status, 400u) << bad_json.body;
  EXPECT_TRUE(isOpenAIError(bad_json.json()));
  auto unknown_model = client.post("/v1/responses", responsesBody("nope", "hi"), masterAuth());
  EXPECT_EQ(unknown_model.status, 404u) << unknown_model.body;
  EXPECT_EQ(unknown_model.json()["error"]["code"], "model_not_found");
  EXPECT_EQ(g.openai.requestCount() + g.anthropic.requestCount(), 0u);
  // A wrong method on a known path, and input_items paging bounds.
  EXPECT_EQ(client.request("PUT", "/v1/responses/resp_x", "", masterAuth()).status, 405u);
  EXPECT_EQ(client.get("/v1/responses/resp_x/input_items?limit=0", masterAuth()).status, 400u);
}

TEST(ResponsesTest, InputItemsPageInBothOrders) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  json input = json::array();
  for (int i = 0; i < 5; ++i)
    input.push_back({{"role", "user"}, {"content", "message " + std::to_string(i)}});
  auto r = client.post("/v1/responses", responsesBody("gpt", input), masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::string base = "/v1/responses/" + r.json()["id"].get<std::string>() + "/input_items";
  json desc = client.get(base + "?limit=2", masterAuth()).json();
  ASSERT_EQ(desc["data"].size(), 2u) << desc.dump();
  EXPECT_EQ(desc["data"][0]["content"][0]["text"], "message 4");
  EXPECT_EQ(desc["has_more"], true);
  json next = client.get(base + "?limit=2&after=" + desc["last_id"].get<std::string>(), masterAuth())
                  .json();
  ASSERT_EQ(next["data"].size(), 2u) << next.dump();
  EXPECT_EQ(next["data"][0]["content"][0]["text"], "message 2");
  json asc = client.get(base + "?order=asc", masterAuth()).json();
  ASSERT_EQ(asc["data"].size(), 5u);
  EXPECT_EQ(asc["data"][0]["content"][0]["text"], "message 0");
  EXPECT_EQ(asc["has_more"], false);
}

TEST(ResponsesTest, SpendIsRecordedAsAresponsesAndInputTokensAreEstimated) {
  Gateway g;
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  auto r = client.post("/v1/responses", responsesBody("gpt", "hello there"), masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::string request_id = r.header("x-request-id");
  json rows = spendRowsOf(client, request_id);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1u) << rows.dump();
  EXPECT_EQ(rows[0]["call_type"], "aresponses");
  EXPECT_EQ(rows[0]["model_group"], "gpt");
  EXPECT_GT(rows[0]["total_tokens"].get<int>(), 0);

  auto t = client.post("/v1/responses/input_tokens",
                       responsesBody("gpt", std::string(400, 'a'), {{"previous_response_id",
                                                                     r.json()["id"]}}),
                       masterAuth());
  ASSERT_EQ(t.status, 200u) << t.body;
  EXPECT_EQ(t.json()["object"], "response.input_tokens");
  EXPECT_GE(t.json()["input_tokens"].get<int>(), 100);
  EXPECT_EQ(g.openai.requestCount(), 1u);
}

// The mock provider serves Responses requests too, and a Responses request costs what the
// equivalent chat request costs.
TEST(ResponsesTest, SpendEqualsTheEquivalentChatRequest) {
  ConfigBuilder c;
  c.model("echo", "mock/echo", {}, {}, "dep-echo",
          {{"input_cost_per_token", "0.001"}, {"output_cost_per_token", "0.002"}})
      .general("master_key", kMasterKey);
  SY_START_GATEWAY(gw, c.yaml());
  HttpClient client(gw->port());
  auto chat = client.post("/v1/chat/completions",
                          json({{"model", "echo"},
                                {"messages", json::array({{{"role", "system"}, {"content", "Be terse."}},
                                                          {{"role", "user"}, {"content", "Echo this"}}})}}),
                          masterAuth());
  ASSERT_EQ(chat.status, 200u) << chat.body;
  auto resp = client.post("/v1/responses",
                          responsesBody("echo", "Echo this", {{"instructions", "Be terse."}}),
                          masterAuth());
  ASSERT_EQ(resp.status, 200u) << resp.body;
  EXPECT_EQ(outputText(resp.json()), chat.json()["choices"][0]["message"]["content"]);
  EXPECT_EQ(resp.json()["usage"]["input_tokens"], chat.json()["usage"]["prompt_tokens"]);
  EXPECT_EQ(resp.json()["usage"]["output_tokens"], chat.json()["usage"]["completion_tokens"]);
  ASSERT_FALSE(chat.header("x-litellm-response-cost").empty());
  EXPECT_EQ(resp.header("x-litellm-response-cost"), chat.header("x-litellm-response-cost"));
}

TEST(ResponsesTest, AConversationOutlivesARestart) {
  const std::string dir = ::testing::TempDir() + "responses-restart-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::map<std::string, std::string> env = {{"DATABASE_URL", "sqlite:///" + dir + "/sy.db"}};
  std::string id;
  {
    Gateway g(env);
    ASSERT_TRUE(g.gw->started()) << g.gw->startError();
    HttpClient client(g.gw->port());
    auto r = client.post("/v1/responses", responsesBody("gpt", "Remember 42."), masterAuth());
    ASSERT_EQ(r.status, 200u) << r.body;
    id = r.json()["id"];
    ASSERT_TRUE(g.gw->sendSignal(SIGTERM));
    ASSERT_TRUE(g.gw->waitExit(std::chrono::milliseconds(8000)).has_value());
  }
  Gateway g(env);
  ASSERT_TRUE(g.gw->started()) << g.gw->startError();
  HttpClient client(g.gw->port());
  auto r = client.post("/v1/responses",
                       responsesBody("claude", "Which number?", {{"previous_response_id", id}}),
                       masterAuth());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(g.anthropic.lastRequest()->json()["messages"].dump().find("Remember 42."),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

// general_settings.responses_retention reaches the store thread: a gateway started after a
// response's retention has passed purges it at start.
TEST(ResponsesTest, RetentionPurgesOldResponses) {
  const std::string dir = ::testing::TempDir() + "responses-retention-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  FakeOpenAI fake;
  ConfigBuilder c;
  c.model("gpt", "openai/gpt-4o-mini", fake.baseUrl(), kUpstreamKey, "dep-gpt")
      .general("master_key", kMasterKey)
      .general("responses_retention", "1s");
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.env = {{"DATABASE_URL", "sqlite:///" + dir + "/sy.db"}};
  std::string id;
  {
    GatewayProcess gw(c.yaml(), o);
    ASSERT_TRUE(gw.started()) << gw.startError();
    HttpClient client(gw.port());
    auto r = client.post("/v1/responses", responsesBody("gpt", "hi"), masterAuth());
    ASSERT_EQ(r.status, 200u) << r.body;
    id = r.json()["id"];
    EXPECT_EQ(client.get("/v1/responses/" + id, masterAuth()).status, 200u);
    ASSERT_TRUE(gw.sendSignal(SIGTERM));
    ASSERT_TRUE(gw.waitExit(std::chrono::milliseconds(8000)).has_value());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  GatewayProcess gw(c.yaml(), o);
  ASSERT_TRUE(gw.started()) << gw.startError();
  HttpClient client(gw.port());
  int status = 0;
  for (int i = 0; i < 50 && status != 404; ++i) {  // the purge runs right after the start
    status = static_cast<int>(client.get("/v1/responses/" + id, masterAuth()).status);
    if (status != 404) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 404);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace switchyard::test
