// key_limits: a virtual key's model list, rate limits and budget before the call, and the cost of
// every request after it (docs/keys.md).
//
//   before next   key aliases applied to the model; model outside the key's `models` -> 403;
//                 KeyEntry::admit (parallel, rpm, tpm, budget + reservations) -> 429 / 400, or
//                 with Redis SharedKeyCounters::admit (every instance's counters; this
//                 instance's when Redis is out of reach)
//   after next    cost = the served deployment's prices x the usage (ex.outcome.cost); the key's
//                 lease settled with it (a stream: when it ends) and the spend delta written to
//                 the store; x-litellm-response-cost, x-litellm-key-spend,
//                 x-litellm-key-max-budget and x-ratelimit-* headers on the reply; with
//                 `"usage": {"include": true}`, the same cost as usage.cost in the answer
//                 (usage_accounting.hpp: the body rewritten, or the stream's usage chunk).

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "levels.hpp"
#include "switchyard/api/usage.hpp"
#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/shared_counters.hpp"
#include "switchyard/pipeline/filters.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "switchyard/pipeline/usage_accounting.hpp"
#include "switchyard/spend/cost.hpp"
#include "switchyard/store/store_thread.hpp"

namespace switchyard::pipeline {
namespace {

using nlohmann::json;

// Output tokens a budget reservation assumes when the request sets no max_tokens and the model's
// limit is unknown.
constexpr std::uint64_t kDefaultReservedOutputTokens = 4096;

std::string_view formatInt(char* buf, std::int64_t v) {
  auto [p, ec] = std::to_chars(buf, buf + 48, v);
  return {buf, static_cast<std::size_t>(p - buf)};
}

bool globMatch(std::string_view pattern, std::string_view name) {
  // '*' matches any run of characters (key models such as "openai/*").
  std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  if (!name.starts_with(head)) return false;
  name.remove_prefix(head.size());
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (globMatch(tail, name.substr(i))) return true;
  }
  return false;
}

// The key may use `model` (an alias, after the key's aliases): its `models` is empty, names it,
// names everything ("*", "all-proxy-models"), matches it as a pattern, or names an access group
// of a deployment serving it.
}  // namespace

bool keyAllowsModel(const keys::KeySettings& row, std::string_view model,
                    const router::Router& router) {
  return modelsAllow(row.models(), model, router);
}

bool modelsAllow(const std::vector<std::string>& models, std::string_view model,
                 const router::Router& router) {
  if (models.empty()) return true;
  for (const std::string& m : models) {
    if (m == model || m == "*" || m == "all-proxy-models") return true;
    if (m.find('*') != std::string::npos && globMatch(m, model)) return true;
  }
  std::string_view group = router.groupOf(model);
  if (group.empty()) return false;
  for (const config::Deployment* d : router.deployments(group)) {
    for (const std::string& g : d->access_groups) {
      if (std::find(models.begin(), models.end(), g) != models.end()) return true;
    }
  }
  return false;
}

namespace {

std::optional<std::uint64_t> requestedMaxTokens(const api::Exchange& ex) {
  for (const char* k : {"max_completion_tokens", "max_tokens"}) {
    std::optional<api::JsonView> v = ex.body.find(k);
    if (std::optional<std::uint64_t> n = v ? v->unsignedInteger() : std::nullopt) return n;
  }
  return std::nullopt;
}

class KeyLimitsFilter;

// Settles a stream's lease when the stream ends (or is abandoned), with its cost.
class StreamSettler final : public api::StreamObserver {
 public:
  StreamSettler(KeyLimitsFilter& filter, api::Exchange& ex, keys::KeyLease lease)
      : filter_(filter), ex_(ex), lease_(std::move(lease)) {}
  ~StreamSettler() override { settle(); }
  void onEnd(api::StreamEnd) override { settle(); }

 private:
  void settle();
  KeyLimitsFilter& filter_;
  api::Exchange& ex_;  // the session keeps the exchange alive longer than the reply
  keys::KeyLease lease_;
  bool done_ = false;
};

class KeyLimitsFilter final : public Filter {
 public:
  explicit KeyLimitsFilter(Services& s) : s_(s) {}
  std::string_view name() const noexcept override { return "key_limits"; }

  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    keys::KeyLease lease;
    keys::AdmitResult admitted;
    const keys::KeySettings* row = ex.principal.key_row.get();
    if (auto e = co_await admit(ex, lease, admitted)) {
      api::Reply refused = fail(ex, std::move(*e));
      addRateHeaders(refused, admitted);
      co_return refused;
    }
    api::Reply reply = co_await next(ex);
    bool usage_cost = wantsUsageCost(ex, reply);
    if (reply.stream) {
      if (usage_cost) {
        UsageCostFn cost = [this](const api::Exchange& e, const api::Usage& u) {
          return costOf(e, u).value_or(0);
        };
        reply.stream = withUsageCost(std::move(reply.stream), ex, reply.usage, std::move(cost));
      }
      reply.observers.push_back(std::make_unique<StreamSettler>(*this, ex, std::move(lease)));
    } else {
      settle(ex, lease);
      if (ex.outcome.cost) {
        char buf[48];
        reply.addHeader("x-litellm-response-cost", api::formatUsd(buf, *ex.outcome.cost));
      }
      // Unpriced (no price anywhere, the free mock): 0, as the spend row says.
      if (usage_cost && ex.usage) api::setUsageCost(reply.body, ex.outcome.cost.value_or(0));
    }
    if (row) {
      char buf[48];
      reply.addHeader("x-litellm-key-spend", api::formatUsd(buf, ex.principal.key->spend()));
      if (row->max_budget) {
        reply.addHeader("x-litellm-key-max-budget", api::formatUsd(buf, *row->max_budget));
      }
      addRateHeaders(reply, admitted);
    }
    co_return reply;
  }

  // The cost of the answer (ex.outcome.cost) and the settlement of the key's lease.
  void settle(api::Exchange& ex, keys::KeyLease& lease) {
    double cost = 0;
    if (ex.usage) {
      if (std::optional<double> c = costOf(ex, *ex.usage)) {
        cost = *c;
        ex.outcome.cost = cost;
      }
    }
    if (!lease) return;
    std::uint64_t tokens = ex.usage ? ex.usage->prompt_tokens + ex.usage->completion_tokens : 0;
    // Each level's current row: a regeneration meanwhile moved the key's spend to the new hash.
    if (s_.store && cost > 0) {
      for (const auto& level : lease.levels())
        s_.store->write(level->row()->spendDelta(cost, ex.model));
    }
    lease.finish(cost, tokens, keys::SysClock::now());
  }

  // The cost of `usage` at the served deployment's prices; nullopt when it has none.
  std::optional<double> costOf(const api::Exchange& ex, const api::Usage& usage) {
    if (!ex.outcome.served) return std::nullopt;
    const spend::Prices* p = pricesOf(*ex.outcome.served);
    if (!p) return std::nullopt;
    return spend::costOf(*p, usage);
  }

 private:
  boost::asio::awaitable<std::optional<api::Error>> admit(api::Exchange& ex, keys::KeyLease& lease,
                                                          keys::AdmitResult& out) {
    RequestLevels levels;
    if (auto e = co_await gatherLevels(ex, s_, levels)) co_return e;
    if (levels.count == 0) co_return std::nullopt;
    const RequestLevels::Needs needs = levels.needs(ex.model);
    const bool budgets = needs.budgets && !zeroCost(ex.model);
    double reservation = budgets ? reservationFor(ex) : 0;
    keys::AdmitRequest request{ex.model, 0, reservation, budgets};
    bool judged = false;
    if (s_.counters && needs.limits) {
      // Every instance's counters (Redis); this instance's alone when Redis is out of reach.
      auto shared = co_await s_.counters->admit(levels.all(), request, keys::SysClock::now());
      if (shared) {
        out = std::move(shared->result);
        lease = std::move(shared->lease);
        judged = true;
      }
    }
    if (!judged) {
      std::array<keys::KeyEntry*, keys::KeyLease::kMaxLevels> raw{};
      for (std::size_t i = 0; i < levels.count; ++i) raw[i] = levels.entries[i].get();
      out = keys::admitAll(std::span<keys::KeyEntry* const>(raw.data(), levels.count), request,
                           keys::SysClock::now());
      if (out.verdict == keys::Verdict::kAdmitted) {
        lease = keys::KeyLease(levels.all(), ex.model, reservation);
      }
    }
    if (s_.store) {
      for (store::BudgetReset& r : out.resets) s_.store->write(std::move(r));
    }
    switch (out.verdict) {
      case keys::Verdict::kAdmitted:
        co_return std::nullopt;
      case keys::Verdict::kRateLimited: {
        api::Error e{api::ErrorKind::kRateLimited, out.message};
        e.retry_after_s = out.retry_after_s;
        co_return e;
      }
      case keys::Verdict::kBudgetExceeded:
        co_return api::Error{api::ErrorKind::kBudgetExceeded, out.message};
    }
    co_return std::nullopt;
  }

  // LiteLLM's zero-cost models: every deployment of the alias prices input and output tokens at
  // an explicit 0 (litellm_params or model_info). Remembered per alias of this config generation.
  bool zeroCost(std::string_view model) {
    std::string_view group = s_.router.groupOf(model);
    if (group.empty()) return false;
    const auto& deployments = s_.router.deployments(group);
    if (deployments.empty()) return false;
    auto [it, inserted] = zero_cost_.try_emplace(deployments.data(), false);
    if (inserted) {
      it->second = std::all_of(deployments.begin(), deployments.end(), [](const auto* d) {
        return d->input_cost_per_token == 0.0 && d->output_cost_per_token == 0.0;
      });
    }
    return it->second;
  }

  // The worst case over the deployments that may serve the request's alias.
  double reservationFor(const api::Exchange& ex) {
    std::string_view group = s_.router.groupOf(ex.model);
    if (group.empty()) return 0;
    std::uint64_t prompt = estimatePromptTokens(ex);
    std::optional<std::uint64_t> asked = requestedMaxTokens(ex);
    double worst = 0;
    for (const config::Deployment* d : s_.router.deployments(group)) {
      const spend::Prices* p = pricesOf(*d, d->wildcard ? ex.model : d->model_id);
      if (!p) continue;
      std::uint64_t out = asked.value_or(
          p->max_output_tokens.value_or(d->max_tokens.value_or(kDefaultReservedOutputTokens)));
      worst = std::max(worst, spend::worstCaseCost(*p, prompt, out));
    }
    return worst;
  }

  // Prices of a deployment, remembered per deployment of this config generation (the filter is
  // per worker: no lock). Wildcard deployments resolved per request are priced each time.
  const spend::Prices* pricesOf(const config::Deployment& d) { return pricesOf(d, d.model_id); }
  const spend::Prices* pricesOf(const config::Deployment& d, std::string_view model_id) {
    const auto& list = s_.config.model_list;
    bool configured = !list.empty() && &d >= &list.front() && &d <= &list.back() && !d.wildcard;
    if (configured) {
      auto [it, inserted] = prices_.try_emplace(&d);
      if (inserted) it->second = spend::pricesFor(d, model_id);
      return it->second ? &*it->second : nullptr;
    }
    scratch_ = spend::pricesFor(d, model_id);
    return scratch_ ? &*scratch_ : nullptr;
  }

  static void addRateHeaders(api::Reply& reply, const keys::AdmitResult& a) {
    char buf[48];
    if (a.requests) {
      reply.addHeader("x-ratelimit-limit-requests", formatInt(buf, a.requests->limit));
      reply.addHeader("x-ratelimit-remaining-requests", formatInt(buf, a.requests->remaining));
    }
    if (a.tokens) {
      reply.addHeader("x-ratelimit-limit-tokens", formatInt(buf, a.tokens->limit));
      reply.addHeader("x-ratelimit-remaining-tokens", formatInt(buf, a.tokens->remaining));
    }
  }

  Services& s_;
  std::unordered_map<const config::Deployment*, std::optional<spend::Prices>> prices_;
  std::optional<spend::Prices> scratch_;
  std::unordered_map<const config::Deployment* const*, bool> zero_cost_;  // by alias
};

void StreamSettler::settle() {
  if (done_) return;
  done_ = true;
  filter_.settle(ex_, lease_);
}

}  // namespace

std::unique_ptr<Filter> makeKeyLimitsFilter(Services& services) {
  return std::make_unique<KeyLimitsFilter>(services);
}

}  // namespace switchyard::pipeline
