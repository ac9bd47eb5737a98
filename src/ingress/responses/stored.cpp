// The Responses API routes that read the store (filter.hpp): GET and DELETE /v1/responses/{id},
// GET /v1/responses/{id}/input_items, POST /v1/responses/input_tokens.

#include <algorithm>
#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/query.hpp"
#include "switchyard/api/usage.hpp"
#include "switchyard/ingress/responses/filter.hpp"
#include "switchyard/ingress/responses/request.hpp"
#include "switchyard/router/router.hpp"
#include "switchyard/store/store.hpp"
#include "switchyard/store/store_thread.hpp"
#include "translate.hpp"
#include "turns.hpp"

namespace switchyard::ingress::responses {
namespace {

using api::Error;
using api::ErrorKind;
using api::Exchange;
using api::Reply;
using nlohmann::json;
using pipeline::fail;

Reply ok(const json& j) { return Reply::json(200, api::dumpJson(j)); }

Error badQuery(std::string message, std::string param) {
  return {ErrorKind::kInvalidRequest, std::move(message), "", 0, "invalid_value", std::move(param)};
}

// The item id of `item` ("" when it has none).
std::string idOf(const json& item) {
  if (!item.is_object()) return {};
  auto it = item.find("id");
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

boost::asio::awaitable<Reply> getResponse(Exchange& ex, store::StoreThread* store) {
  auto found = co_await findOwned(store, ex.route_param, ownerOf(ex));
  if (!found) co_return fail(ex, found.error());
  if (!*found) co_return fail(ex, responseNotFound(ex.route_param));
  Reply r = Reply::json(200, std::move((*found)->response));
  co_return r;
}

boost::asio::awaitable<Reply> deleteResponse(Exchange& ex, store::StoreThread* store) {
  auto found = co_await findOwned(store, ex.route_param, ownerOf(ex));
  if (!found) co_return fail(ex, found.error());
  if (!*found) co_return fail(ex, responseNotFound(ex.route_param));
  api::Result<bool> deleted = false;
  std::string id = ex.route_param;
  std::function<void(store::Store&)> job = [&](store::Store& s) { deleted = s.deleteResponse(id); };
  auto ran = co_await store->run(std::move(job));
  if (!ran) co_return fail(ex, ran.error());
  if (!deleted) co_return fail(ex, deleted.error());
  if (!*deleted) co_return fail(ex, responseNotFound(id));
  co_return ok({{"id", id}, {"object", "response"}, {"deleted", true}});
}

boost::asio::awaitable<Reply> listInputItems(Exchange& ex, store::StoreThread* store) {
  int limit = 20;
  if (std::string l = api::queryParam(ex.target, "limit"); !l.empty()) {
    auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), limit);
    if (ec != std::errc() || end != l.data() + l.size() || limit < 1 || limit > 100)
      co_return fail(ex, badQuery("Invalid 'limit': expected an integer from 1 to 100.", "limit"));
  }
  std::string order = api::queryParam(ex.target, "order");
  if (order.empty()) order = "desc";
  if (order != "asc" && order != "desc")
    co_return fail(ex, badQuery("Invalid 'order': expected 'asc' or 'desc'.", "order"));
  std::string after = api::queryParam(ex.target, "after");
  std::string before = api::queryParam(ex.target, "before");

  auto found = co_await findOwned(store, ex.route_param, ownerOf(ex));
  if (!found) co_return fail(ex, found.error());
  if (!*found) co_return fail(ex, responseNotFound(ex.route_param));
  json items = json::parse((*found)->input_items, nullptr, false);
  if (!items.is_array()) items = json::array();
  if (order == "desc") std::reverse(items.begin(), items.end());

  // The window: after `after` (exclusive), before `before` (exclusive), in the listing's order.
  std::size_t begin = 0, end = items.size();
  if (!after.empty()) {
    auto it = std::find_if(items.begin(), items.end(), [&](const json& i) { return idOf(i) == after; });
    if (it == items.end()) co_return fail(ex, badQuery("No input item with id '" + after + "'.", "after"));
    begin = static_cast<std::size_t>(it - items.begin()) + 1;
  }
  if (!before.empty()) {
    auto it = std::find_if(items.begin(), items.end(), [&](const json& i) { return idOf(i) == before; });
    if (it == items.end()) co_return fail(ex, badQuery("No input item with id '" + before + "'.", "before"));
    end = static_cast<std::size_t>(it - items.begin());
  }
  json data = json::array();
  bool has_more = false;
  for (std::size_t i = begin; i < end; ++i) {
    if (data.size() == static_cast<std::size_t>(limit)) {
      has_more = true;
      break;
    }
    data.push_back(std::move(items[i]));
  }
  json first = data.empty() ? json(nullptr) : json(idOf(data.front()));
  json last = data.empty() ? json(nullptr) : json(idOf(data.back()));
  co_return ok({{"object", "list"},
                {"data", std::move(data)},
                {"first_id", std::move(first)},
                {"last_id", std::move(last)},
                {"has_more", has_more}});
}

boost::asio::awaitable<Reply> countInputTokens(Exchange& ex, store::StoreThread* store,
                                               const router::Router& router) {
  api::Result<json> parsed = api::parseJsonObject(ex.raw_body);
  if (!parsed) co_return fail(ex, parsed.error());
  api::Result<Context> context = co_await loadContext(store, *parsed, ownerOf(ex));
  if (!context) co_return fail(ex, context.error());
  (*parsed)["stream"] = false;
  api::Result<Translated> translated = translateForChat(*parsed, context->history, context->references);
  if (!translated) co_return fail(ex, translated.error());
  const json& m = (*parsed)["model"];
  std::string model = m.is_string() ? m.get<std::string>() : std::string();
  if (!router.knows(model)) {
    co_return fail(ex, {ErrorKind::kModelNotFound, "model: " + model + " does not exist", "", 0,
                        "model_not_found", "model"});
  }
  co_return ok({{"object", "response.input_tokens"},
                {"input_tokens", api::estimatePromptTokens(api::Body::fromJson(std::move(translated->chat)))}});
}

}  // namespace switchyard::ingress::responses
