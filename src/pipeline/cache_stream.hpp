#pragma once
// Streams and the response cache (docs/caching.md): the cache keeps whole answers only.
//
//   StreamAssembler  rebuilds the whole answer (chat.completion or text_completion JSON) from
//                    the OpenAI-format SSE events a client was sent: content, refusal and
//                    tool-call deltas joined per choice, finish reasons, the usage. nullopt when
//                    the stream carried an error event, was not OpenAI SSE, or outgrew its bound.
//   replayEvents     the SSE events of a whole answer, as OpenAI streams it: a role chunk, the
//                    content (and tool calls) in one chunk, the finish chunk, the usage chunk
//                    when `include_usage`, then [DONE].

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/exchange.hpp"

namespace switchyard::pipeline {

class StreamAssembler {
 public:
  StreamAssembler(api::Endpoint endpoint, std::size_t max_bytes);
  void feed(std::string_view bytes);
  // The whole answer; `usage` (the exchange's, when the client's stream hid it) replaces the
  // stream's own usage when set.
  std::optional<std::string> finish(const std::optional<api::Usage>& usage);

 private:
  void event(std::string_view data);
  api::Endpoint endpoint_;
  std::size_t max_bytes_, seen_ = 0;
  std::string pending_;  // an event not complete yet
  nlohmann::json head_;  // id, created, model, system_fingerprint of the first chunk
  nlohmann::json choices_ = nlohmann::json::object();  // by index
  nlohmann::json usage_;
  bool failed_ = false;
};

std::vector<std::string> replayEvents(const nlohmann::json& whole, api::Endpoint endpoint,
                                      bool include_usage);

}  // namespace switchyard::pipeline
