#pragma once
// The levels one request is admitted against (docs/teams.md), gathered by the key-limits filter
// before the call: the virtual key, its team, its membership in that team, its user, and the end
// customer the request names. Private to the pipeline.
//
//   gatherLevels   resolves each level present, and refuses what no budget decides:
//                  a blocked team (401), a model outside the team's or the user's `models`
//                  (401, LiteLLM's team_model_access_denied / user_model_access_denied), a
//                  blocked customer (400). The team's model_aliases rename the model first.
//                  A customer seen for the first time is read from the store (bounded wait).

#include <array>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/pipeline/services.hpp"

namespace switchyard::pipeline {

struct RequestLevels {
  std::array<std::shared_ptr<keys::KeyEntry>, keys::KeyLease::kMaxLevels> entries{};
  std::size_t count = 0;

  void add(std::shared_ptr<keys::KeyEntry> e) {
    if (e && count < entries.size()) entries[count++] = std::move(e);
  }
  std::span<const std::shared_ptr<keys::KeyEntry>> all() const { return {entries.data(), count}; }
  // Whether some level budgets `model`, and whether some level limits it (budget or rate):
  // one pass, reading each level's settings once.
  struct Needs {
    bool budgets = false, limits = false;
  };
  Needs needs(std::string_view model) const;
};

// The end customer of the request: x-litellm-customer-id, then x-litellm-end-user-id, then the
// body's `user` ("" for none). A view into the request.
std::string endUserOf(const api::Exchange& ex);

// Fills `out` for `ex` (its key, when it has one, comes first). nullopt when the request may go
// on to the limits and budgets; else the refusal.
boost::asio::awaitable<std::optional<api::Error>> gatherLevels(api::Exchange& ex, Services& s,
                                                               RequestLevels& out);

}  // namespace switchyard::pipeline
