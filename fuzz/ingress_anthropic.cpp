// Fuzz target: the Anthropic Messages ingress (POST /v1/messages) both ways: a client's request
// translated into OpenAI chat (and counted for /v1/messages/count_tokens), an OpenAI
// chat.completion translated back into a message (and replayed as an event stream), and an
// OpenAI chunk stream translated into Anthropic's events. Checked beyond crashes: every event
// written to the client is well framed with a JSON object as its data.
// Input: one control byte (bits 0-1 which direction, then the piece size byte for streams), then
// the JSON or stream bytes.

#include "stream_framing.hpp"
#include "switchyard/ingress/anthropic/reply.hpp"
#include "switchyard/ingress/anthropic/request.hpp"
#include "switchyard/ingress/anthropic/stream.hpp"

using namespace switchyard;
namespace anthropic = switchyard::ingress::anthropic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t mode = in.byte();
  switch (mode & 3) {
    case 0: {  // the client's request
      const nlohmann::json request = fuzz::parseOrNull(in.rest());
      if (auto chat = anthropic::toOpenAiRequest(request)) (void)chat->dump();
      (void)anthropic::countTokens(request);
      break;
    }
    case 1: {  // a whole answer back
      const nlohmann::json completion = fuzz::parseOrNull(in.rest());
      auto message = anthropic::toAnthropicMessage(completion, "alias", {"STOP"});
      if (message) {
        (void)message->dump();
        auto replay = anthropic::messageAsStream(*message);
        fuzz::drainAndCheck(*replay);
      }
      break;
    }
    default: {  // a stream back
      const std::size_t step = in.byte();
      anthropic::AnthropicStream stream(
          std::make_unique<test::VectorSource>(fuzz::pieces(in.rest(), step)), "alias", {"STOP"});
      fuzz::drainAndCheck(stream);
      break;
    }
  }
  return 0;
}
