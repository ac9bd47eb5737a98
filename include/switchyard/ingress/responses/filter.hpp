#pragma once
// The Responses API routes (docs/responses.md):
//
//   POST /v1/responses             chain proxy_headers -> auth -> responses_ingress -> parse ->
//                                  key_limits -> usage -> [cache] -> provider_call. The ingress
//                                  filter (makeIngressFilter) reads the request, expands
//                                  previous_response_id from the store, translates it into a chat
//                                  request (ex.body, ex.ingress = kResponses), and translates the
//                                  answer back: a response object, or the typed event stream.
//                                  With `store` (default true) the response, its input items and
//                                  the conversation so far are written to the store.
//   GET    /v1/responses/{id}              getResponse
//   DELETE /v1/responses/{id}              deleteResponse
//   GET    /v1/responses/{id}/input_items  listInputItems
//   POST   /v1/responses/input_tokens      countInputTokens
//
// A stored response belongs to the key that made it (its hash; "" for the master key and an open
// gateway): another key gets the 404 an unknown id gets. Every store access goes through the
// store thread (StoreThread::run), after the writes buffered before it. `store` null (no
// database): nothing is stored, previous_response_id and the read routes answer as for an
// unknown id.

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "switchyard/api/exchange.hpp"
#include "switchyard/pipeline/filter.hpp"

namespace switchyard::store {
class StoreThread;
}
namespace switchyard::router {
class Router;
}

namespace switchyard::ingress::responses {

std::unique_ptr<pipeline::Filter> makeIngressFilter(store::StoreThread* store);

boost::asio::awaitable<api::Reply> getResponse(api::Exchange& ex, store::StoreThread* store);
boost::asio::awaitable<api::Reply> deleteResponse(api::Exchange& ex, store::StoreThread* store);
// ?limit=1..100 (20) &order=desc|asc (desc) &after=<item id> &before=<item id>:
// {"object":"list","data":[items],"first_id","last_id","has_more"}.
boost::asio::awaitable<api::Reply> listInputItems(api::Exchange& ex, store::StoreThread* store);
// {"object":"response.input_tokens","input_tokens":N}: the gateway's estimate of the translated
// request's prompt (previous_response_id expanded), no provider called. 404 for an unknown model.
boost::asio::awaitable<api::Reply> countInputTokens(api::Exchange& ex, store::StoreThread* store,
                                                    const router::Router& router);

}  // namespace switchyard::ingress::responses
