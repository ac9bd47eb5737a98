// POST /v1/responses translation, request side (ingress/responses/request.hpp): Responses request
// (+ history) -> OpenAI chat request, input_items normalisation, item_reference resolution and
// the 400s. Fixtures follow OpenAI's Responses API reference (openai-node's
// resources/responses) and what the AI SDK's OpenAI provider sends.

#include "switchyard/ingress/responses/request.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

namespace switchyard::ingress::responses {

using namespace switchyard::api;  // NOLINT: the tests name api types unqualified
namespace {

using nlohmann::json;

Result<ChatTranslation> translate(const char* body, const json* history = nullptr,
                                  const json* references = nullptr) {
  return toChatRequest(json::parse(body), history, references);
}

bool isItemId(const json& id, const std::string& prefix) {
  return id.is_string() &&
         std::regex_match(id.get<std::string>(), std::regex(prefix + "[0-9a-f]{32}"));
}

TEST(ResponsesRequestTest, StringInputIsOneUserMessage) {
  auto r = translate(R"({"model":"gpt-4o","input":"Tell me a joke."})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat, json::parse(R"({"model":"gpt-4o",
      "messages":[{"role":"user","content":"Tell me a joke."}]})"));
  ASSERT_EQ(r->input_items.size(), 1u);
  json item = r->input_items[0];
  EXPECT_TRUE(isItemId(item["id"], "msg_")) << item["id"];
  item.erase("id");
  EXPECT_EQ(item, json::parse(R"({"type":"message","role":"user","status":"completed",
      "content":[{"type":"input_text","text":"Tell me a joke."}]})"));
}

// What the AI SDK sends for a tool conversation, with every item type the gateway takes.
const char* kEveryItem = R"({
  "model": "gpt-4.1",
  "input": [
    {"role": "system", "content": "You are terse."},
    {"role": "developer", "content": [{"type": "input_text", "text": "Use metric units."},
                                      {"type": "input_text", "text": "No emoji."}]},
    {"role": "user", "content": [
      {"type": "input_text", "text": "Weather here? Also read the file."},
      {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"},
      {"type": "input_image", "image_url": "https://example.com/sky.jpg"},
      {"type": "input_file", "filename": "report.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}]},
    {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Need tools."}]},
    {"role": "assistant", "id": "msg_1", "content": [{"type": "output_text", "text": "Checking."}]},
    {"type": "function_call", "call_id": "call_a", "name": "weather", "arguments": "{\"city\":\"Oslo\"}"},
    {"type": "function_call", "id": "fc_2", "call_id": "call_b", "name": "read", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "call_a", "output": "12 C"},
    {"type": "function_call_output", "call_id": "call_b",
     "output": [{"type": "input_text", "text": "page 1"}, {"type": "input_text", "text": "page 2"}]},
    {"type": "message", "role": "assistant", "status": "completed",
     "content": [{"type": "output_text", "text": "12 C.", "annotations": []},
                 {"type": "refusal", "refusal": "I won't summarise it."}]},
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Thanks"}]}
  ]
})";

TEST(ResponsesRequestTest, EveryItemTypeTranslates) {
  auto r = translate(kEveryItem);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat["messages"], json::parse(R"([
    {"role": "system", "content": "You are terse."},
    {"role": "system", "content": "Use metric units.\nNo emoji."},
    {"role": "user", "content": [
      {"type": "text", "text": "Weather here? Also read the file."},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}},
      {"type": "image_url", "image_url": {"url": "https://example.com/sky.jpg", "detail": "auto"}},
      {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "report.pdf"}}]},
    {"role": "assistant", "content": "Checking.", "tool_calls": [
      {"id": "call_a", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}},
      {"id": "call_b", "type": "function", "function": {"name": "read", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "call_a", "content": "12 C"},
    {"role": "tool", "tool_call_id": "call_b", "content": "page 1\npage 2"},
    {"role": "assistant", "content": "12 C.\nI won't summarise it."},
    {"role": "user", "content": "Thanks"}
  ])"));
  EXPECT_EQ(r->input_items.size(), 11u);
}

TEST(ResponsesRequestTest, FunctionCallsWithoutTextBecomeOneAssistantMessage) {
  auto r = translate(R"({"model":"m","input":[
      {"role":"user","content":"go"},
      {"type":"function_call","call_id":"c1","name":"a","arguments":"{}"},
      {"type":"reasoning","summary":[]},
      {"type":"function_call","call_id":"c2","name":"b","arguments":"{\"x\":1}"},
      {"type":"function_call_output","call_id":"c2","output":"two"},
      {"type":"function_call_output","call_id":"c1","output":"one"},
      {"type":"function_call","call_id":"c3","name":"a","arguments":"{}"},
      {"type":"function_call_output","call_id":"c3","output":""}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat["messages"], json::parse(R"([
    {"role": "user", "content": "go"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "c1", "type": "function", "function": {"name": "a", "arguments": "{}"}},
      {"id": "c2", "type": "function", "function": {"name": "b", "arguments": "{\"x\":1}"}}]},
    {"role": "tool", "tool_call_id": "c2", "content": "two"},
    {"role": "tool", "tool_call_id": "c1", "content": "one"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "c3", "type": "function", "function": {"name": "a", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "c3", "content": ""}
  ])"));
}

TEST(ResponsesRequestTest, FunctionCallPairingIsChecked) {
  auto orphan = translate(R"({"model":"m","input":[{"role":"user","content":"x"},
      {"type":"function_call_output","call_id":"call_9","output":"x"}]})");
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(orphan.error().message,
            "No tool call found for function call output with call_id call_9.");
  EXPECT_EQ(orphan.error().param, "input[1].call_id");

  auto early = translate(R"({"model":"m","input":[
      {"type":"function_call_output","call_id":"c","output":"x"},
      {"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]})");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().param, "input[0].call_id");

  auto unanswered = translate(R"({"model":"m","input":[{"role":"user","content":"x"},
      {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
      {"type":"function_call","call_id":"c2","name":"f","arguments":"{}"},
      {"type":"function_call_output","call_id":"c2","output":"x"}]})");
  ASSERT_FALSE(unanswered);
  EXPECT_EQ(unanswered.error().message, "No tool output found for function call c1.");
  EXPECT_EQ(unanswered.error().param, "input[1]");

  // The call in the history, its output in this input: the usual tool round trip.
  json history = json::parse(R"([{"id":"msg_a","type":"message","role":"user","status":"completed",
      "content":[{"type":"input_text","text":"weather?"}]},
      {"id":"fc_a","type":"function_call","status":"completed","call_id":"c1","name":"f","arguments":"{}"}])");
  auto ok = translate(
      R"({"model":"m","input":[{"type":"function_call_output","call_id":"c1","output":"sun"}]})",
      &history);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->chat["messages"].size(), 3u);
  auto missing = translate(R"({"model":"m","input":"and?"})", &history);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().param, "history[1]");
}

TEST(ResponsesRequestTest, InstructionsThenHistoryThenInput) {
  json history = json::parse(R"([
    {"id":"msg_u","type":"message","role":"user","status":"completed",
     "content":[{"type":"input_text","text":"Hi"}]},
    {"id":"rs_r","type":"reasoning","summary":[]},
    {"id":"msg_o","type":"message","role":"assistant","status":"completed",
     "content":[{"type":"output_text","text":"Hello!","annotations":[]}]}])");
  auto r =
      translate(R"({"model":"m","instructions":"Talk like a pirate.","input":"Bye"})", &history);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat["messages"], json::parse(R"([
    {"role":"system","content":"Talk like a pirate."},
    {"role":"user","content":"Hi"},
    {"role":"assistant","content":"Hello!"},
    {"role":"user","content":"Bye"}])"));
  ASSERT_EQ(r->input_items.size(), 1u);  // the history is not this request's input
  EXPECT_EQ(r->input_items[0]["content"][0]["text"], "Bye");

  // History alone (previous_response_id with no new input) is enough; neither is a 400.
  auto only_history = translate(R"({"model":"m"})", &history);
  ASSERT_TRUE(only_history);
  EXPECT_TRUE(only_history->input_items.empty());
  auto neither = translate(R"({"model":"m","instructions":"x"})");
  ASSERT_FALSE(neither);
  EXPECT_EQ(neither.error().message, "Missing required parameter: 'input'.");
  EXPECT_EQ(neither.error().code, "missing_required_parameter");
  auto empty = translate(R"({"model":"m","input":[]})");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "empty_array");

  // A bad stored item is named by its place in the history.
  json bad_history = json::parse(R"([{"type":"message","role":"user","content":7}])");
  auto bad = translate(R"({"model":"m","input":"x"})", &bad_history);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().param, "history[0].content");
}

TEST(ResponsesRequestTest, ItemReferencesResolveFromHistoryThenReferences) {
  json history = json::parse(R"([{"id":"msg_h","type":"message","role":"user","status":"completed",
      "content":[{"type":"input_text","text":"from history"}]}])");
  json references = json::parse(R"({"fc_s":{"id":"fc_s","type":"function_call","status":"completed",
      "call_id":"c","name":"f","arguments":"{}"}})");
  const char* body = R"({"model":"m","input":[
      {"type":"item_reference","id":"msg_h"},
      {"id":"fc_s"},
      {"type":"item_reference","id":"rs_gone"},
      {"type":"function_call_output","call_id":"c","output":"ok"}]})";
  EXPECT_EQ(itemReferenceIds(json::parse(body)),
            (std::vector<std::string>{"msg_h", "fc_s", "rs_gone"}));
  auto r = translate(body, &history, &references);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat["messages"], json::parse(R"([
    {"role":"user","content":"from history"},
    {"role":"user","content":"from history"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c","content":"ok"}])"));
  // The references are replaced by the items they name; the reasoning one is dropped.
  ASSERT_EQ(r->input_items.size(), 3u);
  EXPECT_EQ(r->input_items[0], history[0]);
  EXPECT_EQ(r->input_items[1], references["fc_s"]);

  auto missing = translate(R"({"model":"m","input":[{"role":"user","content":"x"},
      {"type":"item_reference","id":"msg_nope"}]})",
                           &history, &references);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Item with id 'msg_nope' not found.");
  EXPECT_EQ(missing.error().param, "input[1]");

  EXPECT_TRUE(itemReferenceIds(json::parse(R"({"input":"x"})")).empty());
  EXPECT_TRUE(itemReferenceIds(json::parse(R"({"input":[1,{"type":7},{"id":3}]})")).empty());
  EXPECT_TRUE(itemReferenceIds(json::array()).empty());
}

TEST(ResponsesRequestTest, InputItemsAreNormalized) {
  auto r = translate(R"({"model":"m","input":[
      {"role":"user","content":"hi"},
      {"role":"assistant","content":"hello"},
      {"type":"reasoning"},
      {"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
      {"type":"function_call_output","call_id":"c","output":"x","status":"incomplete"},
      {"type":"message","id":"msg_mine","role":"user","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]})");
  ASSERT_TRUE(r) << r.error().message;
  json items = r->input_items;
  ASSERT_EQ(items.size(), 6u);
  const char* prefixes[] = {"msg_", "msg_", "rs_", "fc_", "fco_"};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(isItemId(items[i]["id"], prefixes[i])) << items[i];
    items[i].erase("id");
  }
  EXPECT_NE(r->input_items[0]["id"], r->input_items[1]["id"]);
  EXPECT_EQ(items, json::parse(R"([
    {"type":"message","role":"user","status":"completed","content":[{"type":"input_text","text":"hi"}]},
    {"type":"message","role":"assistant","status":"completed",
     "content":[{"type":"output_text","text":"hello","annotations":[]}]},
    {"type":"reasoning","summary":[]},
    {"type":"function_call","status":"completed","call_id":"c","name":"f","arguments":"{}"},
    {"type":"function_call_output","status":"incomplete","call_id":"c","output":"x"},
    {"type":"message","id":"msg_mine","role":"user","status":"completed",
     "content":[{"type":"input_image","image_url":"https://x/y.png","detail":"auto"}]}])"));
}

TEST(ResponsesRequestTest, ToolsAndToolChoice) {
  auto r = translate(R"({"model":"m","input":"x",
      "tools":[{"type":"function","name":"get_weather","description":"Weather by city",
                "parameters":{"type":"object","properties":{"city":{"type":"string"}},
                              "required":["city"],"additionalProperties":false},"strict":true},
               {"type":"function","name":"noop","parameters":null,"strict":null}],
      "tool_choice":{"type":"function","name":"get_weather"},"parallel_tool_calls":false})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat["tools"], json::parse(R"([
    {"type":"function","function":{"name":"get_weather","description":"Weather by city",
     "parameters":{"type":"object","properties":{"city":{"type":"string"}},
                   "required":["city"],"additionalProperties":false},"strict":true}},
    {"type":"function","function":{"name":"noop"}}])"));
  EXPECT_EQ(r->chat["tool_choice"],
            json::parse(R"({"type":"function","function":{"name":"get_weather"}})"));
  EXPECT_EQ(r->chat["parallel_tool_calls"], false);
  for (const char* choice : {"auto", "none", "required"}) {
    json req = {{"model", "m"}, {"input", "x"}, {"tool_choice", choice}};
    auto c = toChatRequest(req, nullptr);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->chat["tool_choice"], choice);
  }
  auto bad = translate(R"({"model":"m","input":"x","tool_choice":"sometimes"})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'.");
  EXPECT_EQ(bad.error().code, "invalid_value");
}

TEST(ResponsesRequestTest, TextFormatBecomesResponseFormat) {
  auto plain =
      translate(R"({"model":"m","input":"x","text":{"format":{"type":"text"},"verbosity":"low"}})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->chat.contains("response_format"));
  auto object = translate(R"({"model":"m","input":"x","text":{"format":{"type":"json_object"}}})");
  ASSERT_TRUE(object);
  EXPECT_EQ(object->chat["response_format"], json::parse(R"({"type":"json_object"})"));
  auto schema = translate(R"({"model":"m","input":"x","text":{"format":{"type":"json_schema",
      "name":"person","description":"A person","strict":true,
      "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}})");
  ASSERT_TRUE(schema) << schema.error().message;
  EXPECT_EQ(schema->chat["response_format"], json::parse(R"({"type":"json_schema","json_schema":{
      "name":"person","description":"A person","strict":true,
      "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}})"));
  auto no_schema =
      translate(R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"p"}}})");
  ASSERT_FALSE(no_schema);
  EXPECT_EQ(no_schema.error().param, "text.format.schema");
  EXPECT_EQ(no_schema.error().code, "missing_required_parameter");
  auto bad_type = translate(R"({"model":"m","input":"x","text":{"format":{"type":"yaml"}}})");
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().param, "text.format.type");
}

TEST(ResponsesRequestTest, SettingsAreTranslated) {
  auto r =
      translate(R"({"model":"o4-mini","input":"x","reasoning":{"effort":"high","summary":"auto"},
      "max_output_tokens":2048,"temperature":0.2,"top_p":0.9,"user":"u-1",
      "metadata":{"order":"42"},"stream":true,"store":false,"previous_response_id":"resp_1",
      "truncation":"auto","include":["reasoning.encrypted_content"],"service_tier":"auto",
      "top_logprobs":2,"max_tool_calls":3,"prompt_cache_key":"k","safety_identifier":"s",
      "stream_options":{"include_obfuscation":false},"background":false,"unknown_field":1})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->chat, json::parse(R"({"model":"o4-mini","messages":[{"role":"user","content":"x"}],
      "reasoning_effort":"high","max_completion_tokens":2048,"temperature":0.2,"top_p":0.9,
      "user":"u-1","metadata":{"order":"42"},"stream":true,"stream_options":{"include_usage":true}})"));
  auto off = translate(R"({"model":"m","input":"x","stream":false})");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->chat["stream"], false);
  EXPECT_FALSE(off->chat.contains("stream_options"));
}

TEST(ResponsesRequestTest, GatewayControlsAreCarriedOver) {
  auto r = translate(R"({"model":"m","input":"x","fallbacks":["b"],"models":["m","c"],
      "disable_fallbacks":false,"timeout":5,"num_retries":2,"tags":["t"],"cache":{"no-cache":true},
      "mock_response":"canned","mock_testing_fallbacks":true,"mock_testing_context_fallbacks":true,
      "mock_testing_content_policy_fallbacks":true})");
  ASSERT_TRUE(r) << r.error().message;
  json expected = json::parse(R"({"fallbacks":["b"],"models":["m","c"],"disable_fallbacks":false,
      "timeout":5,"num_retries":2,"tags":["t"],"cache":{"no-cache":true},"mock_response":"canned",
      "mock_testing_fallbacks":true,"mock_testing_context_fallbacks":true,
      "mock_testing_content_policy_fallbacks":true})");
  for (const auto& [key, value] : expected.items()) EXPECT_EQ(r->chat[key], value) << key;
}

struct RefusedCase {
  const char* body;
  const char* param;
  const char* starts_with;
};

TEST(ResponsesRequestTest, UnservableFeaturesAreRefused) {
  const RefusedCase cases[] = {
      {R"({"model":"m","input":"x","background":true})", "background", "Background mode"},
      {R"({"model":"m","input":"x","tools":[{"type":"function","name":"f"},{"type":"web_search"}]})",
       "tools[1].type", "Tool type 'web_search' is not supported by this gateway's translation"},
      {R"({"model":"m","input":"x","tools":[{"type":"mcp","server_label":"s"}]})", "tools[0].type",
       "Tool type 'mcp'"},
      {R"({"model":"m","input":"x","conversation":"conv_1"})", "conversation",
       "Unsupported parameter: 'conversation'"},
      {R"({"model":"m","input":"x","prompt":{"id":"pmpt_1"}})", "prompt",
       "Unsupported parameter: 'prompt'"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"file-1"}]}]})",
       "input[0].content[0].file_id", "Images referenced by 'file_id'"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"file-1"}]}]})",
       "input[0].content[0].file_id", "Files referenced by 'file_id'"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_url":"https://x/a.pdf"}]}]})",
       "input[0].content[0].file_url", "Files referenced by 'file_url'"},
      {R"({"model":"m","input":"x","tool_choice":{"type":"web_search_preview"}})",
       "tool_choice.type", "tool_choice of type 'web_search_preview'"},
      {R"({"model":"m","input":"x","tool_choice":{"type":"allowed_tools","mode":"auto","tools":[]}})",
       "tool_choice.type", "tool_choice of type 'allowed_tools'"},
      {R"({"model":"m","input":[{"type":"web_search_call","id":"ws_1","status":"completed"}]})",
       "input[0].type", "Input items of type 'web_search_call'"},
      {R"({"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
          {"type":"function_call_output","call_id":"c","output":[{"type":"input_image","image_url":"https://x"}]}]})",
       "input[1].output[0].type", "Function call outputs of type 'input_image'"},
      {R"({"model":"m","input":[{"role":"system","content":[{"type":"input_image","image_url":"https://x"}]}]})",
       "input[0].content[0].type", "'input_image' content in a system message"},
  };
  for (const RefusedCase& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = translate(c.body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().httpStatus(), 400u);
    EXPECT_EQ(r.error().param, c.param);
    EXPECT_TRUE(r.error().message.starts_with(c.starts_with)) << r.error().message;
  }
}

struct InvalidCase {
  const char* body;
  const char* param;
  const char* code;
  const char* message;  // nullptr: not checked
};

TEST(ResponsesRequestTest, InvalidRequestsGetOpenAiErrors) {
  const InvalidCase cases[] = {
      {R"({"input":"x"})", "model", "missing_required_parameter",
       "Missing required parameter: 'model'."},
      {R"({"model":5,"input":"x"})", "model", "invalid_type",
       "Invalid type for 'model': expected a string, but got an integer instead."},
      {R"({"model":"m","input":[{"role":"user","content":1}]})", "input[0].content", "invalid_type",
       "Invalid type for 'input[0].content': expected one of a string or array of objects, but got "
       "an integer instead."},
      {R"({"model":"m","input":3.5})", "input", "invalid_type",
       "Invalid type for 'input': expected one of a string or array of input items, but got a "
       "decimal instead."},
      {R"({"model":"m","input":[{"role":"bot","content":"x"}]})", "input[0].role", "invalid_value",
       "Invalid value: 'bot'. Supported values are: 'user', 'assistant', 'system', and "
       "'developer'."},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"output_text","text":"x"}]}]})",
       "input[0].content[0].type", "invalid_value", nullptr},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_text"}]}]})",
       "input[0].content[0].text", "missing_required_parameter", nullptr},
      {R"({"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":{}}]})",
       "input[0].arguments", "invalid_type", nullptr},
      {R"({"model":"m","input":[{"content":"x"}]})", "input[0].type", "missing_required_parameter",
       nullptr},
      {R"({"model":"m","input":[7]})", "input[0]", "invalid_type", nullptr},
      {R"({"model":"m","input":"x","instructions":["a"]})", "instructions", "invalid_type",
       nullptr},
      {R"({"model":"m","input":"x","temperature":3})", "temperature", "decimal_above_max_value",
       "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 "
       "instead."},
      {R"({"model":"m","input":"x","max_output_tokens":0})", "max_output_tokens",
       "integer_below_min_value", nullptr},
      {R"({"model":"m","input":"x","max_output_tokens":"10"})", "max_output_tokens", "invalid_type",
       nullptr},
      {R"({"model":"m","input":"x","metadata":{"n":1}})", "metadata.n", "invalid_type", nullptr},
      {R"({"model":"m","input":"x","reasoning":{"effort":"max"}})", "reasoning.effort",
       "invalid_value", nullptr},
      {R"({"model":"m","input":"x","tools":{"type":"function"}})", "tools", "invalid_type",
       nullptr},
      {R"({"model":"m","input":"x","tools":[{"type":"function"}]})", "tools[0].name",
       "missing_required_parameter", nullptr},
      {R"({"model":"m","input":"x","stream":"yes"})", "stream", "invalid_type", nullptr},
      {R"({"model":"m","input":"x","store":"no"})", "store", "invalid_type", nullptr},
      {R"({"model":"m","input":"x","truncation":"sometimes"})", "truncation", "invalid_value",
       nullptr},
      {R"({"model":"m","input":"x","include":[1]})", "include[0]", "invalid_type", nullptr},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = translate(c.body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().param, c.param);
    EXPECT_EQ(r.error().code, c.code);
    if (c.message) {
      EXPECT_EQ(r.error().message, c.message);
    }
  }
}

TEST(ResponsesRequestTest, WrongTypesAnywhereAreErrorsNotExceptions) {
  const char* bodies[] = {
      R"([1,2])",
      R"("just a string")",
      R"({"model":"m","input":[{"type":5}]})",
      R"({"model":"m","input":[{"role":7,"content":"x"}]})",
      R"({"model":"m","input":[{"role":"user","content":[null]}]})",
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":5}]}]})",
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"u","detail":1}]}]})",
      R"({"model":"m","input":[{"type":"function_call_output","call_id":1,"output":"x"}]})",
      R"({"model":"m","input":[{"type":"function_call_output","call_id":"c","output":{"a":1}}]})",
      R"({"model":"m","input":[{"type":"reasoning","summary":"s"}]})",
      R"({"model":"m","input":[{"type":"item_reference","id":5}]})",
      R"({"model":"m","input":[{"role":"user","content":"x","id":9}]})",
      R"({"model":"m","input":[{"role":"user","content":"x","status":"done"}]})",
      R"({"model":"m","input":"x","text":"json"})",
      R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"n","schema":[]}}})",
      R"({"model":"m","input":"x","tool_choice":5})",
      R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","parameters":"{}"}]})",
      R"({"model":"m","input":"x","reasoning":"high"})",
      R"({"model":"m","input":"x","metadata":[1]})",
      R"({"model":"m","input":"x","top_p":18446744073709551615})",
      R"({"model":"m","input":"x","background":"yes"})",
  };
  for (const char* b : bodies) {
    SCOPED_TRACE(b);
    Result<ChatTranslation> r = Error{};
    EXPECT_NO_THROW(r = translate(b));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().httpStatus(), 400u);
    EXPECT_FALSE(r.error().code.empty());
  }
  // A history or references of the wrong shape is refused or ignored, never thrown on.
  json not_array = json::object();
  EXPECT_FALSE(translate(R"({"model":"m","input":"x"})", &not_array));
  json refs = json::array({1});
  Result<ChatTranslation> r = Error{};
  EXPECT_NO_THROW(r = translate(R"({"model":"m","input":[{"id":"msg_x"}]})", nullptr, &refs));
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace switchyard::ingress::responses
