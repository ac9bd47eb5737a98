// Stored conversations of the Responses API (turns.hpp).

#include "turns.hpp"

#include <algorithm>
#include <chrono>
#include <functional>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/ingress/responses/request.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/store/store.hpp"
#include "switchyard/store/store_thread.hpp"
#include "switchyard/telemetry/log.hpp"

namespace switchyard::ingress::responses {

using nlohmann::json;

std::string ownerOf(const api::Exchange& ex) {
  return ex.principal.key_row ? ex.principal.key_row->token : std::string();
}

api::Error responseNotFound(std::string_view id) {
  return {api::ErrorKind::kNotFound, "Response with id '" + std::string(id) + "' not found."};
}

store::UnixMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

boost::asio::awaitable<api::Result<std::optional<store::StoredResponse>>> findOwned(
    store::StoreThread* st, std::string id, std::string owner) {
  using Found = api::Result<std::optional<store::StoredResponse>>;
  if (st == nullptr) co_return Found(std::optional<store::StoredResponse>());
  Found found = std::optional<store::StoredResponse>();
  std::function<void(store::Store&)> job = [&](store::Store& s) { found = s.findResponse(id); };
  auto ran = co_await st->run(std::move(job));
  if (!ran) co_return ran.error();
  if (found && *found && (*found)->owner != owner) found->reset();
  co_return found;
}

namespace {

// The item with id `id` in the JSON array text `items`; null when none.
json itemIn(const std::string& items, const std::string& id) {
  json all = json::parse(items, nullptr, false);
  if (!all.is_array()) return nullptr;
  for (json& item : all)
    if (item.is_object() && item.value("id", "") == id) return std::move(item);
  return nullptr;
}

}  // namespace

boost::asio::awaitable<api::Result<json>> findReferences(store::StoreThread* st,
                                                         std::vector<std::string> ids,
                                                         std::string owner) {
  json found = json::object();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > 64) ids.resize(64);
  using Found = api::Result<json>;
  if (st == nullptr || ids.empty()) co_return Found(boost::system::in_place_value, std::move(found));
  std::vector<std::optional<store::StoredResponse>> rows(ids.size());
  std::optional<api::Error> failed;
  std::function<void(store::Store&)> job = [&](store::Store& s) {
    for (std::size_t i = 0; i < ids.size() && !failed; ++i) {
      auto r = s.findResponseByItem(ids[i], owner);
      if (!r) failed = r.error();
      else rows[i] = std::move(*r);
    }
  };
  auto ran = co_await st->run(std::move(job));
  if (!ran) co_return ran.error();
  if (failed) co_return *failed;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!rows[i]) continue;
    json item = itemIn(rows[i]->input_items, ids[i]);
    if (item.is_null()) {
      json response = json::parse(rows[i]->response, nullptr, false);
      if (response.is_object() && response.contains("output"))
        item = itemIn(api::dumpJson(response["output"]), ids[i]);
    }
    if (!item.is_null()) found[ids[i]] = std::move(item);
  }
  co_return Found(boost::system::in_place_value, std::move(found));
}

boost::asio::awaitable<api::Result<Context>> loadContext(store::StoreThread* st,
                                                         const json& request, std::string owner) {
  Context c;
  if (auto p = request.find("previous_response_id"); p != request.end() && !p->is_null()) {
    if (!p->is_string() || p->get_ref<const std::string&>().empty()) {
      co_return api::Error{api::ErrorKind::kInvalidRequest,
                           "Invalid type for 'previous_response_id': expected a string.", "", 0,
                           "invalid_type", "previous_response_id"};
    }
    c.previous = p->get<std::string>();
    auto found = co_await findOwned(st, c.previous, owner);
    if (!found) co_return found.error();
    if (!*found) {
      co_return api::Error{api::ErrorKind::kInvalidRequest,
                           "Previous response with id '" + c.previous + "' not found.", "", 0,
                           "previous_response_not_found", "previous_response_id"};
    }
    c.history = json::parse((*found)->conversation, nullptr, false);
    if (!c.history.is_array()) c.history = json::array();
  }
  // item_references outside the conversation (the AI SDK sends them for the items of its earlier
  // responses): looked up among the caller's stored responses.
  if (std::vector<std::string> ids = itemReferenceIds(request); !ids.empty()) {
    auto found = co_await findReferences(st, std::move(ids), std::move(owner));
    if (!found) co_return found.error();
    c.references = std::move(*found);
  }
  co_return c;
}

void persist(store::StoreThread* st, const Turn& turn, const json& response) {
  if (st == nullptr || !turn.store) return;
  store::StoredResponse r;
  auto id = response.find("id");
  if (id == response.end() || !id->is_string()) return;
  r.id = id->get<std::string>();
  r.owner = turn.owner;
  r.created_at = turn.created_ms;
  r.model = turn.model;
  r.previous_response_id = turn.previous;
  r.response = api::dumpJson(response);
  r.input_items = api::dumpJson(turn.input_items);
  json conversation = turn.history.is_array() ? turn.history : json::array();
  auto index = [&r](const json& item) {
    if (item.is_object())
      if (auto i = item.find("id"); i != item.end() && i->is_string()) r.item_ids.push_back(*i);
  };
  for (const json& item : turn.input_items) {
    conversation.push_back(item);
    index(item);
  }
  if (auto out = response.find("output"); out != response.end() && out->is_array()) {
    for (const json& item : *out) {
      conversation.push_back(item);
      index(item);
    }
  }
  r.conversation = api::dumpJson(conversation);
  std::string stored_id = r.id;
  if (!st->write(std::move(r)))
    spdlog::warn("responses: {} not stored: the store's write buffer is full", stored_id);
}

}  // namespace switchyard::ingress::responses
