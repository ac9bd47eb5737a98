#pragma once
// The state of a Responses API conversation in the store (private to the responses ingress):
// reading a stored response the caller owns, and writing a finished one.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::store {
class StoreThread;
}

namespace switchyard::ingress::responses {

// Whose stored responses the caller sees: its virtual key's hash, "" for the master key and an
// open gateway.
std::string ownerOf(const api::Exchange& ex);

// The stored response `id` when it exists and belongs to `owner`; nullopt otherwise (and with no
// store). An Error when the store failed or is overloaded (kUnavailable).
boost::asio::awaitable<api::Result<std::optional<store::StoredResponse>>> findOwned(
    store::StoreThread* store, std::string id, std::string owner);

// The items `ids` name, from the stored responses of `owner` that hold them (an item_reference
// without previous_response_id, as the AI SDK sends one): a JSON object {item id: item}. Ids
// found nowhere (or in another owner's responses) are left out. At most 64 distinct ids are
// looked up, in one store command.
boost::asio::awaitable<api::Result<nlohmann::json>> findReferences(
    store::StoreThread* store, std::vector<std::string> ids, std::string owner);

// What a request refers to in the store, loaded once for POST /v1/responses and input_tokens:
// previous_response_id's conversation (checked: a string, the caller's; else OpenAI's 400
// previous_response_not_found) and the items its item_references name.
struct Context {
  std::string previous;                             // "" when none
  nlohmann::json history = nlohmann::json::array();  // the earlier conversation
  nlohmann::json references = nlohmann::json::object();
};
boost::asio::awaitable<api::Result<Context>> loadContext(store::StoreThread* store,
                                                         const nlohmann::json& request,
                                                         std::string owner);

// The 404 of an id that does not exist or is not the caller's (OpenAI's wording).
api::Error responseNotFound(std::string_view id);

// One turn of a conversation, what is written once its response is final.
struct Turn {
  std::string owner;
  std::string model;     // the alias asked for
  std::string previous;  // previous_response_id, "" when none
  store::UnixMs created_ms = 0;
  bool store = true;                                    // the request's `store`
  nlohmann::json history = nlohmann::json::array();      // the earlier conversation
  nlohmann::json input_items = nlohmann::json::array();  // this request's, normalized
};

// Writes `response` (final: completed, incomplete or failed) with the turn's input items and the
// conversation so far (history, input items, the response's output) through the store thread's
// background writes. Nothing when the turn is not stored or there is no store; a write the
// store thread drops (its buffer full) is logged.
void persist(store::StoreThread* store, const Turn& turn, const nlohmann::json& response);

store::UnixMs nowMs();

}  // namespace switchyard::ingress::responses
