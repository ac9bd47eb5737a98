// POST /v1/responses, streams (ingress/responses/stream.hpp): chat.completion.chunk streams in
// odd framings -> the Responses event stream (sequence numbers, item ids and indexes, the final
// response equal to toResponse's), usage, failures, on_end, and a whole response replayed.

#include "switchyard/ingress/responses/stream.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "switchyard/ingress/responses/reply.hpp"
#include "unit/run_await.hpp"
#include "unit/vector_source.hpp"

namespace switchyard::ingress::responses {
namespace {

namespace asio = boost::asio;
using api::ChunkSource;
using api::Error;
using api::ErrorKind;
using api::Result;
using nlohmann::json;
using test::runAwait;

using test::VectorSource;

struct Drained {
  std::vector<std::string> chunks;
  std::string bytes;
  std::optional<Error> error;
  int after_end = 0;  // further next() calls answering nullopt
};

asio::awaitable<Drained> drain(ChunkSource& s) {
  Drained d;
  for (int guard = 0; guard < 10000; ++guard) {
    Result<std::optional<std::string>> r = co_await s.next();
    if (!r) {
      d.error = r.error();
      break;
    }
    if (!*r) break;
    d.chunks.push_back(**r);
    d.bytes += **r;
  }
  Result<std::optional<std::string>> again = co_await s.next();
  if (again && !*again) d.after_end = 1;
  co_return d;
}

struct Event {
  std::string name;
  json data;
};

// Parses the frames, checking "event: t\ndata: {"type":"t","sequence_number":n,...}\n\n" with n
// counting from 0.
std::vector<Event> parseEvents(const std::string& bytes) {
  std::vector<Event> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t end = bytes.find("\n\n", pos);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated event: " << bytes.substr(pos);
      break;
    }
    std::string ev = bytes.substr(pos, end - pos);
    pos = end + 2;
    EXPECT_TRUE(ev.starts_with("event: ")) << ev;
    std::size_t nl = ev.find('\n');
    std::string name = ev.substr(7, nl - 7);
    std::string data_line = ev.substr(nl + 1);
    std::string head =
        "data: {\"type\":\"" + name + "\",\"sequence_number\":" + std::to_string(out.size());
    EXPECT_TRUE(data_line.starts_with(head)) << data_line;
    json data = json::parse(data_line.substr(6));
    EXPECT_EQ(data["sequence_number"], out.size());
    out.push_back({name, data});
  }
  return out;
}

std::vector<std::string> names(const std::vector<Event>& evs) {
  std::vector<std::string> n;
  for (const Event& e : evs) n.push_back(e.name);
  return n;
}

std::string chunk(const std::string& choice_json, const std::string& extra = "") {
  return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
         "\"model\":\"gpt\"," +
         extra + "\"choices\":[" + choice_json + "]}\n\n";
}
std::string delta(const std::string& d, const std::string& finish = "null") {
  return chunk(R"({"index":0,"delta":)" + d + R"(,"logprobs":null,"finish_reason":)" + finish +
               "}");
}
const std::string kUsageChunk =
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
    "\"gpt\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":15,"
    "\"total_tokens\":40,\"prompt_tokens_details\":{\"cached_tokens\":8},"
    "\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n";
const std::string kDone = "data: [DONE]\n\n";

const json kRequest = json::parse(R"({"model":"my-alias","input":"Hi"})");
const ResponseHead kHead{"resp_0123456789abcdef0123456789abcdef", 1741476542, "my-alias"};

// The response toResponse makes of `completion`, with the item ids of `streamed`.
json expectedFinal(const std::string& completion, const json& streamed) {
  auto r = toResponse(json::parse(completion), kRequest, kHead);
  EXPECT_TRUE(r);
  json want = *r;
  EXPECT_EQ(want["output"].size(), streamed["output"].size());
  for (std::size_t i = 0; i < want["output"].size() && i < streamed["output"].size(); ++i)
    want["output"][i]["id"] = streamed["output"][i]["id"];
  return want;
}

class ResponsesStreamTest : public ::testing::Test {
 protected:
  Drained run(std::vector<std::string> pieces, std::optional<Error> fail = std::nullopt) {
    ResponsesStream s(std::make_unique<VectorSource>(std::move(pieces), std::move(fail)),
                      responseShell(kRequest, kHead), &usage_, [this](const json& r) {
                        ++ends_;
                        final_ = r;
                      });
    return runAwait(io_, drain(s));
  }
  asio::io_context io_;
  std::optional<api::Usage> usage_;
  int ends_ = 0;
  json final_;
};

const std::string kTextUpstream =
    delta(R"({"role":"assistant","content":""})") + delta(R"({"content":"Hello"})") +
    delta(R"({"content":" wörld!"})") + delta("{}", "\"stop\"") + kUsageChunk + kDone;

TEST_F(ResponsesStreamTest, PlainTextIsTheDocumentedEventSequence) {
  Drained d = run({kTextUpstream});
  ASSERT_FALSE(d.error) << d.error->message;
  std::vector<Event> evs = parseEvents(d.bytes);
  ASSERT_EQ(names(evs),
            (std::vector<std::string>{"response.created", "response.in_progress",
                                      "response.output_item.added", "response.content_part.added",
                                      "response.output_text.delta", "response.output_text.delta",
                                      "response.output_text.done", "response.content_part.done",
                                      "response.output_item.done", "response.completed"}));
  json shell = responseShell(kRequest, kHead);
  EXPECT_EQ(evs[0].data["response"], shell);
  EXPECT_EQ(evs[1].data["response"], shell);
  std::string id = evs[2].data["item"]["id"];
  EXPECT_TRUE(id.starts_with("msg_") && id.size() == 36) << id;
  EXPECT_EQ(evs[2].data, json::parse(R"({"type":"response.output_item.added","sequence_number":2,
      "output_index":0,"item":{"id":")" +
                                     id + R"(","type":"message","status":"in_progress",
      "content":[],"role":"assistant"}})"));
  EXPECT_EQ(evs[3].data, json::parse(R"({"type":"response.content_part.added","sequence_number":3,
      "item_id":")" + id + R"(","output_index":0,"content_index":0,
      "part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}})"));
  EXPECT_EQ(evs[4].data,
            json::parse(R"({"type":"response.output_text.delta","sequence_number":4,
      "item_id":")" + id +
                        R"(","output_index":0,"content_index":0,"delta":"Hello","logprobs":[]})"));
  EXPECT_EQ(evs[5].data["delta"], " wörld!");
  EXPECT_EQ(
      evs[6].data,
      json::parse(R"({"type":"response.output_text.done","sequence_number":6,
      "item_id":")" +
                  id +
                  R"(","output_index":0,"content_index":0,"text":"Hello wörld!","logprobs":[]})"));
  EXPECT_EQ(evs[7].data["part"]["text"], "Hello wörld!");
  EXPECT_EQ(evs[8].data["item"]["status"], "completed");
  json completed = evs[9].data["response"];
  EXPECT_EQ(evs[8].data["item"], completed["output"][0]);
  EXPECT_EQ(completed, expectedFinal(R"({"choices":[{"index":0,"message":{"role":"assistant",
      "content":"Hello wörld!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,
      "completion_tokens":15,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":8},
      "completion_tokens_details":{"reasoning_tokens":3}}})",
                                     completed));
  EXPECT_EQ(completed["usage"]["input_tokens_details"]["cached_tokens"], 8);
  EXPECT_EQ(ends_, 1);
  EXPECT_EQ(final_, completed);
  EXPECT_EQ(d.after_end, 1);
  ASSERT_TRUE(usage_);
  EXPECT_EQ(usage_->prompt_tokens, 25u);
  EXPECT_EQ(usage_->completion_tokens, 15u);
  EXPECT_EQ(usage_->cached_tokens, 8u);
  EXPECT_EQ(usage_->reasoning_tokens, 3u);
}

TEST_F(ResponsesStreamTest, OddFramingsGiveTheSameEvents) {
  std::string crlf;
  for (char c : kTextUpstream) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  std::vector<std::string> bytewise;
  for (char c : kTextUpstream) bytewise.emplace_back(1, c);
  std::vector<std::vector<std::string>> framings = {{kTextUpstream}, bytewise, {crlf}};
  std::vector<std::string> expected;
  for (const auto& pieces : framings) {
    ends_ = 0;
    Drained d = run(pieces);
    ASSERT_FALSE(d.error);
    std::vector<Event> evs = parseEvents(d.bytes);
    std::vector<std::string> n = names(evs);
    if (expected.empty()) expected = n;
    EXPECT_EQ(n, expected);
    EXPECT_EQ(evs.back().data["response"]["output"][0]["content"][0]["text"], "Hello wörld!");
    EXPECT_EQ(ends_, 1);
  }
}

TEST_F(ResponsesStreamTest, DeltasAreRelayedAsTheyArrive) {
  Drained d = run(
      {delta(R"({"content":"a"})"), delta(R"({"content":"b"})"), delta("{}", "\"stop\"") + kDone});
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.chunks.size(), 3u);
  EXPECT_NE(d.chunks[0].find("\"delta\":\"a\""), std::string::npos);
  EXPECT_NE(d.chunks[1].find("\"delta\":\"b\""), std::string::npos);
  EXPECT_NE(d.chunks[2].find("response.completed"), std::string::npos);
}

TEST_F(ResponsesStreamTest, ParallelToolCallsStreamTheirArguments) {
  Drained d = run(
      {delta(
           R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]})"),
       delta(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]})"),
       delta(
           R"({"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":"}}]})"),
       delta(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]})"),
       delta(R"({"tool_calls":[{"index":1,"function":{"arguments":"\"CET\"}"}}]})"),
       delta("{}", "\"tool_calls\"") + kDone});
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(names(evs),
            (std::vector<std::string>{
                "response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done", "response.function_call_arguments.done",
                "response.output_item.done", "response.completed"}));
  std::string a = evs[2].data["item"]["id"], b = evs[4].data["item"]["id"];
  EXPECT_TRUE(a.starts_with("fc_"));
  EXPECT_NE(a, b);
  EXPECT_EQ(evs[2].data["item"], json::parse(R"({"id":")" + a + R"(","type":"function_call",
      "status":"in_progress","arguments":"","call_id":"call_a","name":"get_weather"})"));
  EXPECT_EQ(evs[4].data["output_index"], 1);
  EXPECT_EQ(evs[6].data["item_id"], a);
  EXPECT_EQ(evs[6].data["output_index"], 0);
  EXPECT_EQ(evs[6].data["delta"], "\"Paris\"}");
  EXPECT_EQ(evs[8].data, json::parse(R"({"type":"response.function_call_arguments.done",
      "sequence_number":8,"item_id":")" +
                                     a + R"(","output_index":0,"name":"get_weather",
      "arguments":"{\"city\":\"Paris\"}"})"));
  EXPECT_EQ(evs[10].data["arguments"], "{\"tz\":\"CET\"}");
  json completed = evs.back().data["response"];
  EXPECT_EQ(evs[9].data["item"], completed["output"][0]);
  EXPECT_EQ(evs[11].data["item"], completed["output"][1]);
  EXPECT_EQ(completed, expectedFinal(R"({"choices":[{"index":0,"message":{"role":"assistant",
      "content":null,"tool_calls":[
        {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
        {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"CET\"}"}}]},
      "finish_reason":"tool_calls"}]})",
                                     completed));
}

TEST_F(ResponsesStreamTest, TextThenToolCallClosesTheMessageFirst) {
  Drained d = run(
      {delta(R"({"role":"assistant","content":"Let me check."})"),
       delta(
           R"({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]})"),
       delta("{}", "\"tool_calls\"") + kDone});
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(
      names(evs),
      (std::vector<std::string>{
          "response.created", "response.in_progress", "response.output_item.added",
          "response.content_part.added", "response.output_text.delta", "response.output_text.done",
          "response.content_part.done", "response.output_item.done", "response.output_item.added",
          "response.function_call_arguments.delta", "response.function_call_arguments.done",
          "response.output_item.done", "response.completed"}));
  EXPECT_EQ(evs[8].data["output_index"], 1);
  json completed = evs.back().data["response"];
  EXPECT_EQ(completed, expectedFinal(R"({"choices":[{"index":0,"message":{"role":"assistant",
      "content":"Let me check.","tool_calls":[{"id":"call_1","type":"function",
      "function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]})",
                                     completed));
}

TEST_F(ResponsesStreamTest, ReasoningThenTextAreTwoItems) {
  Drained d = run({delta(R"({"role":"assistant","reasoning_content":"Think"})"),
                   delta(R"({"reasoning_content":"ing."})"), delta(R"({"content":"Done."})"),
                   delta("{}", "\"stop\"") + kDone});
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(names(evs),
            (std::vector<std::string>{
                "response.created", "response.in_progress", "response.output_item.added",
                "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
                "response.reasoning_summary_part.done", "response.output_item.done",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed"}));
  std::string rs = evs[2].data["item"]["id"];
  EXPECT_TRUE(rs.starts_with("rs_"));
  EXPECT_EQ(evs[3].data, json::parse(R"({"type":"response.reasoning_summary_part.added",
      "sequence_number":3,"item_id":")" +
                                     rs + R"(","output_index":0,"summary_index":0,
      "part":{"type":"summary_text","text":""}})"));
  EXPECT_EQ(evs[6].data["text"], "Thinking.");
  EXPECT_EQ(evs[10].data["output_index"], 1);
  json completed = evs.back().data["response"];
  EXPECT_EQ(completed, expectedFinal(R"({"choices":[{"index":0,"message":{"role":"assistant",
      "content":"Done.","reasoning_content":"Thinking."},"finish_reason":"stop"}]})",
                                     completed));
}

TEST_F(ResponsesStreamTest, LengthEndsIncomplete) {
  Drained d = run({delta(R"({"content":"Once upon"})"), delta("{}", "\"length\"")});
  ASSERT_FALSE(d.error);  // no [DONE]: a finish_reason before the end is enough
  std::vector<Event> evs = parseEvents(d.bytes);
  ASSERT_EQ(evs.back().name, "response.incomplete");
  json r = evs.back().data["response"];
  EXPECT_EQ(r["status"], "incomplete");
  EXPECT_EQ(r["incomplete_details"], json::parse(R"({"reason":"max_output_tokens"})"));
  EXPECT_EQ(evs[evs.size() - 2].data["item"]["status"], "incomplete");
  EXPECT_EQ(r, expectedFinal(R"({"choices":[{"index":0,"message":{"role":"assistant",
      "content":"Once upon"},"finish_reason":"length"}]})",
                             r));
  EXPECT_EQ(final_, r);
}

TEST_F(ResponsesStreamTest, UsageIsWrittenBeforeTheEventsAfterIt) {
  ResponsesStream s(std::make_unique<VectorSource>(std::vector<std::string>{
                        delta(R"({"content":"x"})", "\"stop\""), kUsageChunk, kDone}),
                    responseShell(kRequest, kHead), &usage_, nullptr);
  auto first = runAwait(io_, s.next());
  ASSERT_TRUE(first && *first);
  EXPECT_FALSE(usage_);
  auto second = runAwait(io_, s.next());  // the usage chunk, [DONE]: the final events
  ASSERT_TRUE(second && *second);
  ASSERT_TRUE(usage_);
  EXPECT_EQ(usage_->prompt_tokens, 25u);
  EXPECT_NE((*second)->find("\"input_tokens\":25"), std::string::npos);
}

TEST_F(ResponsesStreamTest, ErrorEventMidStreamFailsTheResponse) {
  Drained d = run({delta(R"({"content":"partial"})"),
                   "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\","
                   "\"code\":\"server_overloaded\"}}\n\n"});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->message, "Overloaded");
  std::vector<Event> evs = parseEvents(d.bytes);
  ASSERT_GE(evs.size(), 2u);
  EXPECT_EQ(evs[evs.size() - 2].name, "error");
  EXPECT_EQ(evs[evs.size() - 2].data,
            json::parse(R"({"type":"error","sequence_number":)" + std::to_string(evs.size() - 2) +
                        R"(,"code":"server_overloaded","message":"Overloaded","param":null,
      "error":{"type":"api_error","code":"server_overloaded","message":"Overloaded","param":null}})"));
  EXPECT_EQ(evs.back().name, "response.failed");
  json r = evs.back().data["response"];
  EXPECT_EQ(r["status"], "failed");
  EXPECT_EQ(r["error"], json::parse(R"({"code":"server_overloaded","message":"Overloaded"})"));
  EXPECT_EQ(r["output"][0]["content"][0]["text"], "partial");
  EXPECT_EQ(r["output"][0]["status"], "incomplete");
  EXPECT_EQ(ends_, 1);
  EXPECT_EQ(final_, r);
}

TEST_F(ResponsesStreamTest, SourceErrorAfterEventsFailsTheResponse) {
  Drained d = run({delta(R"({"content":"x"})")},
                  Error{ErrorKind::kUpstreamTimeout, "The provider timed out."});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->kind, ErrorKind::kUpstreamTimeout);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(evs[evs.size() - 2].name, "error");
  EXPECT_EQ(evs[evs.size() - 2].data["message"], "The provider timed out.");
  EXPECT_EQ(evs.back().name, "response.failed");
  EXPECT_EQ(ends_, 1);
}

// The 200 head is out when the first piece is pulled: a failure before any event is still told
// with the events (error, then response.failed, numbered from 0), then returned.
TEST_F(ResponsesStreamTest, FailureBeforeAnyEventIsFramedToo) {
  Drained d = run({}, Error{ErrorKind::kRateLimited, "Slow down.", "", 429});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->kind, ErrorKind::kRateLimited);
  EXPECT_EQ(d.error->status, 429u);
  auto evs = parseEvents(d.bytes);
  ASSERT_EQ(evs.size(), 2u) << d.bytes;
  EXPECT_EQ(evs[0].name, "error");
  EXPECT_EQ(evs[1].name, "response.failed");
  EXPECT_EQ(ends_, 1);
  Drained e = run({"data: {\"error\":{\"message\":\"Rate limited\",\"code\":429}}\n\n"});
  ASSERT_TRUE(e.error);
  EXPECT_EQ(e.error->kind, ErrorKind::kRateLimited);
  EXPECT_EQ(parseEvents(e.bytes).front().name, "error");
}

TEST_F(ResponsesStreamTest, EarlyEndIsAFailure) {
  Drained d = run({delta(R"({"content":"x"})")});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(parseEvents(d.bytes).back().name, "response.failed");
  EXPECT_EQ(ends_, 1);
  Drained e = run({});  // nothing at all: before any event
  ASSERT_TRUE(e.error);
  EXPECT_EQ(parseEvents(e.bytes).back().name, "response.failed");
}

TEST_F(ResponsesStreamTest, DoneWithoutTrailingBlankLineEnds) {
  Drained d = run({delta(R"({"content":"x"})") + "data: [DONE]"});
  ASSERT_FALSE(d.error);
  EXPECT_EQ(parseEvents(d.bytes).back().name, "response.completed");
  EXPECT_EQ(ends_, 1);
}

TEST_F(ResponsesStreamTest, OversizedUpstreamEventFails) {
  Drained d = run({delta(R"({"content":"x"})"), "data: " + std::string(5u << 20, 'a')});
  ASSERT_TRUE(d.error);
  EXPECT_EQ(parseEvents(d.bytes).back().name, "response.failed");
}

TEST_F(ResponsesStreamTest, ResponseAsStreamReplaysAWholeResponse) {
  auto r = toResponse(json::parse(R"({"choices":[{"index":0,"message":{"role":"assistant",
      "content":"Hi","reasoning_content":"Hm.","tool_calls":[{"id":"call_1","type":"function",
      "function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}],
      "usage":{"prompt_tokens":3,"completion_tokens":2}})"),
                      kRequest, kHead);
  ASSERT_TRUE(r);
  auto src = responseAsStream(*r);
  Drained d = runAwait(io_, drain(*src));
  ASSERT_FALSE(d.error);
  std::vector<Event> evs = parseEvents(d.bytes);
  EXPECT_EQ(
      names(evs),
      (std::vector<std::string>{
          "response.created", "response.in_progress", "response.output_item.added",
          "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
          "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
          "response.output_item.done", "response.output_item.added", "response.content_part.added",
          "response.output_text.delta", "response.output_text.done", "response.content_part.done",
          "response.output_item.done", "response.output_item.added",
          "response.function_call_arguments.delta", "response.function_call_arguments.done",
          "response.output_item.done", "response.completed"}));
  EXPECT_EQ(evs[0].data["response"], responseShell(kRequest, kHead));
  EXPECT_EQ(evs[10].data["delta"], "Hi");
  EXPECT_EQ(evs[10].data["item_id"], (*r)["output"][1]["id"]);
  EXPECT_EQ(evs[14].data["item"]["arguments"], "");
  EXPECT_EQ(evs[15].data["delta"], "{\"a\":1}");
  EXPECT_EQ(evs[17].data["item"], (*r)["output"][2]);
  EXPECT_EQ(evs.back().data["response"], *r);
}

}  // namespace
}  // namespace switchyard::ingress::responses
