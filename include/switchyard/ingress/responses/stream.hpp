#pragma once
// POST /v1/responses, streams: an OpenAI chat.completion.chunk stream, whatever provider made it,
// turned into the Responses API's typed event stream, chunk by chunk.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "switchyard/api/exchange.hpp"

namespace switchyard::ingress::responses {

// Wraps a chat.completion.chunk SSE source (any framing: several events per piece, partial
// events, CRLF, a final usage-only chunk, `data: [DONE]`) and yields Responses events, each framed
// as "event: <type>\ndata: <json>\n\n", every event's JSON carrying `type` first and a
// `sequence_number` counting from 0:
//   response.created, response.in_progress (both with `shell`, status in_progress);
//   per output item, in the order they start: response.output_item.added, then
//     reasoning (from delta.reasoning_content / delta.reasoning): its summary part
//       (response.reasoning_summary_part.added, response.reasoning_summary_text.delta/.done,
//       response.reasoning_summary_part.done);
//     message: response.content_part.added, response.output_text.delta (item_id,
//       output_index, content_index, delta, logprobs []), response.output_text.done (text),
//       response.content_part.done (refusal likewise with response.refusal.delta/.done);
//     function_call (one per tool_calls[].index): response.function_call_arguments.delta /
//       .done (item_id, output_index, arguments);
//   then response.output_item.done with the whole item;
//   then response.completed, or response.incomplete (finish_reason length / content_filter,
//   incomplete_details as reply.hpp's toResponse), with the whole response object: output as
//   toResponse would build it and usage from the upstream's usage chunk.
// The upstream's usage (chat shape) is also written to `*usage` (merged with mergeUsage) when it
// is seen, before the events that follow it are handed out; `usage` may be null.
// Only choices[0] (index 0) is translated. Text after a tool call, or reasoning after text,
// starts a new item (the open one is closed first: its .done events, then output_item.done);
// parallel tool calls stay open together until another kind of item starts or the end. An item
// closed before the end says status "completed" in its output_item.done; the final response
// gives message items the final status (as toResponse).
// A failure of the upstream (an Error from it, an OpenAI error event inside the stream, an end
// before any finish_reason and [DONE], an upstream event over 4 MiB, output over 64 MiB or 4096
// items, an exception), whenever it comes: the stream yields an `error` event
// ({type: error, sequence_number, code, message, param} as documented, and the same as
// error {type, code, message, param}, nested as the live API sends it), then response.failed
// (the response with status "failed", error {code, message}, the output so far (open items
// "incomplete") and usage, null when none was seen), then returns the Error (the ingress sets
// Reply::stream_error to frame nothing more). This order (error, then response.failed) is
// OpenAI's; openai-node throws at the `error` event, the AI SDK reports it and ignores the
// response.failed after it. A failure before any event was handed out is framed the same way
// (numbered from 0, with no response.created before it: the session sent the 200 head already;
// a failure the provider reports before its first content is an ordinary error reply, because
// the adapters read ahead to it); response.created is produced at the first upstream chunk.
// `on_end` is called once, with the final response object (completed, incomplete or failed),
// before the last events are handed out; not called when the stream is destroyed before its end
// (the client left). Yields nullopt after the last event.
class ResponsesStream final : public api::ChunkSource {
 public:
  using OnEnd = std::function<void(const nlohmann::json& response)>;
  ResponsesStream(std::unique_ptr<api::ChunkSource> upstream, nlohmann::json shell,
                  std::optional<api::Usage>* usage, OnEnd on_end);
  ~ResponsesStream() override;
  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override;

  struct State;  // translation state, public for the implementation's helpers

 private:
  std::unique_ptr<api::ChunkSource> upstream_;
  std::unique_ptr<State> state_;
};

// A finished response object replayed as its event stream (created, in_progress, the items'
// events with the text as one delta, completed/incomplete), numbered from 0: for an upstream
// that answered a streaming request with a whole body (a mock response).
std::unique_ptr<api::ChunkSource> responseAsStream(const nlohmann::json& response);

}  // namespace switchyard::ingress::responses
