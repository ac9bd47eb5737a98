#pragma once
// Anthropic-side fixtures shared by anthropic_test.cpp and anthropic_call_test.cpp, following the
// shapes of Anthropic's Messages API reference.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/providers/sse.hpp"

namespace switchyard::providers::anthropic_fixtures {

using nlohmann::json;

inline constexpr std::string_view kSecret = "sk-ant-SECRET-abcdef123456";

inline json user(const json& content) { return {{"role", "user"}, {"content", content}}; }

// A recorded-shape stream from Anthropic's streaming reference: text then a tool_use block.
inline constexpr const char* kToolStream =
    "event: message_start\n"
    "data: "
    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_014p7gG3wDgGV9EUtLvnow3U\",\"type\":"
    "\"message\","
    "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"stop_sequence\":null,"
    "\"usage\":"
    "{\"input_tokens\":472,\"output_tokens\":2,\"cache_read_input_tokens\":8},\"content\":[],"
    "\"stop_reason\":null}}\n\n"
    "event: content_block_start\n"
    "data: "
    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":"
    "\"\"}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
    "\"Okay\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\", "
    "checking.\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
    "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"{\\\"location\\\":\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\" \\\"Paris\\\"}\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\n"
    "data: "
    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
    "\"usage\":{\"output_tokens\":89}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

// The data of each event of an SSE byte string.
inline std::vector<std::string> eventData(std::string_view stream) {
  std::vector<std::string> out;
  SseCutter cutter;
  cutter.feed(stream);
  while (std::optional<SseEvent> ev = cutter.next())
    if (!ev->data.empty()) out.emplace_back(ev->data);
  return out;
}

// An Anthropic error body.
inline std::string errBody(std::string_view type, std::string_view message) {
  return json{
      {"type", "error"}, {"error", {{"type", type}, {"message", message}}}, {"request_id", "req_0"}}
      .dump();
}

}  // namespace switchyard::providers::anthropic_fixtures
