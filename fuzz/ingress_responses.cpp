// Fuzz target: the Responses API ingress (POST /v1/responses) both ways: a client's request
// translated into OpenAI chat (with itself as the earlier conversation too, as
// previous_response_id would give it), an OpenAI chat.completion translated into a response
// object (and replayed as its event stream), and an OpenAI chunk stream translated into the
// Responses events. Checked beyond crashes: every event written to the client is well framed
// with a JSON object as its data.
// Input: one control byte (bits 0-1 which direction, then the piece size byte for streams), then
// the JSON or stream bytes.

#include "stream_framing.hpp"
#include "switchyard/ingress/responses/reply.hpp"
#include "switchyard/ingress/responses/request.hpp"
#include "switchyard/ingress/responses/stream.hpp"

using namespace switchyard;
namespace responses = switchyard::ingress::responses;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t mode = in.byte();
  const nlohmann::json client = {{"model", "alias"}, {"input", "hi"}};
  const responses::ResponseHead head{"resp_0123", 1700000000, "alias"};
  switch (mode & 3) {
    case 0: {  // the client's request
      const nlohmann::json request = fuzz::parseOrNull(in.rest());
      (void)responses::itemReferenceIds(request);
      if (auto chat = responses::toChatRequest(request, nullptr)) (void)chat->chat.dump();
      if (request.is_object() && request.contains("input") && request["input"].is_array()) {
        const nlohmann::json& history = request["input"];
        const nlohmann::json references = nlohmann::json::object();
        (void)responses::toChatRequest(request, &history, &references);
      }
      break;
    }
    case 1: {  // a whole answer back
      const nlohmann::json completion = fuzz::parseOrNull(in.rest());
      auto response = responses::toResponse(completion, client, head);
      if (response) {
        (void)response->dump();
        auto replay = responses::responseAsStream(*response);
        fuzz::drainAndCheck(*replay);
      }
      break;
    }
    default: {  // a stream back
      const std::size_t step = in.byte();
      std::optional<api::Usage> usage;
      bool ended = false;
      responses::ResponsesStream stream(
          std::make_unique<test::VectorSource>(fuzz::pieces(in.rest(), step)),
          responses::responseShell(client, head), &usage, [&ended](const nlohmann::json& response) {
            if (ended || !response.is_object()) std::abort();  // called once, with an object
            ended = true;
          });
      fuzz::drainAndCheck(stream);
      break;
    }
  }
  return 0;
}
