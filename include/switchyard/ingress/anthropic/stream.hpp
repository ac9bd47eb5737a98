#pragma once
// POST /v1/messages, streams: an OpenAI chat.completion.chunk stream turned into Anthropic's
// event stream, chunk by chunk (nothing is held back beyond one partial upstream event).

#include <memory>
#include <string>
#include <vector>

#include "switchyard/api/exchange.hpp"

namespace switchyard::ingress::anthropic {

// Wraps an OpenAI chat.completion.chunk SSE source (whatever framing: several events per piece,
// partial events, CRLF) and yields Anthropic's event stream, each event framed as
// "event: <type>\ndata: <json>\n\n": message_start, then per content block content_block_start /
// content_block_delta (text_delta, input_json_delta) / content_block_stop (text and tool_use
// blocks numbered in the order they start), then message_delta (stop_reason, stop_sequence,
// usage) and message_stop. An OpenAI error event, or an upstream that ends before any
// finish_reason or [DONE], is returned as an Error (the session frames it with errorEvent);
// an Error from `upstream` is passed on. Yields nullopt after message_stop.
class AnthropicStream final : public api::ChunkSource {
 public:
  AnthropicStream(std::unique_ptr<api::ChunkSource> upstream, std::string model,
                  std::vector<std::string> stop_sequences = {});
  ~AnthropicStream() override;
  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override;

  struct State;  // translation state, public for the implementation's helpers

 private:
  std::unique_ptr<api::ChunkSource> upstream_;
  std::unique_ptr<State> state_;
};

}  // namespace switchyard::ingress::anthropic
