// provider_call: the attempt loop.
//
//   for the requested target, then each fallback target (at most max_fallbacks):
//     pick a deployment (router::Router::select: cooling down, full, too small or used up are
//     skipped; lowest `order` tier; strategy) and call it;
//     on a transient failure retry, up to num_retries per target: at once on a deployment not
//     tried yet, else after retryWait() (Retry-After, or exponential backoff with jitter);
//     a request error (400, 404...) is answered at once; context-window and content-policy
//     errors go straight to their fallback lists; a credentials error (401/403) has cooled its
//     deployment down and the others are tried.
//   every deployment full: wait up to kCapacityWait for a free slot (when one may free that soon:
//   max_parallel_requests, or an rpm/tpm minute about to roll), then 429.
//   everything cooling down: 429 with Retry-After (the soonest end of a cooldown).

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "switchyard/api/trace.hpp"
#include "switchyard/pipeline/filters.hpp"
#include "switchyard/pipeline/pipeline.hpp"

namespace switchyard::pipeline {
namespace {

namespace asio = boost::asio;
using api::Error;
using api::ErrorKind;
using nlohmann::json;
using router::FailureClass;
using Clock = std::chrono::steady_clock;

constexpr auto kCapacityWait = std::chrono::seconds(1);  // every deployment full: wait this long
constexpr auto kCapacityPoll = std::chrono::milliseconds(20);  // for a slot, checking this often

unsigned ceilSeconds(Clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  return static_cast<unsigned>(std::max(1.0, std::ceil(s)));
}

asio::awaitable<void> sleepFor(Clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  co_await timer.async_wait(asio::use_awaitable);
}

// total_tokens of an OpenAI-format body (usage sits at the end), or -1.
std::int64_t totalTokensOf(const api::Reply& r) {
  if (r.usage)
    return static_cast<std::int64_t>(r.usage->prompt_tokens + r.usage->completion_tokens);
  if (r.stream || r.format != api::WireFormat::kOpenAI) return -1;
  static constexpr std::string_view kKey = "\"total_tokens\":";
  std::size_t at = r.body.rfind(kKey);
  if (at == std::string::npos) return -1;
  std::size_t i = at + kKey.size();
  while (i < r.body.size() && r.body[i] == ' ') ++i;
  std::int64_t n = -1;
  auto [p, ec] = std::from_chars(r.body.data() + i, r.body.data() + r.body.size(), n);
  return ec == std::errc{} ? n : -1;
}

// A streamed reply keeps its deployment's slot (in flight, max_parallel_requests) until the
// session is done with the stream and destroys it. next() hands out the inner source's awaitable
// as is: no coroutine frame of its own per chunk.
// The deployment's slot while its stream is relayed, shared by the stream and the observer that
// reports a break: released when both are gone.
struct StreamLease {
  StreamLease(router::Lease l, const router::Policy& p, Clock::time_point t)
      : lease(std::move(l)), policy(p), started(t) {}
  router::Lease lease;
  const router::Policy& policy;
  Clock::time_point started;
};

class LeasedStream final : public api::ChunkSource {
 public:
  LeasedStream(std::unique_ptr<api::ChunkSource> inner, std::shared_ptr<StreamLease> lease,
               std::shared_ptr<const config::Deployment> resolved)
      : inner_(std::move(inner)), lease_(std::move(lease)), resolved_(std::move(resolved)) {}
  asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    return inner_->next();  // no frame of its own per chunk
  }

 private:
  std::unique_ptr<api::ChunkSource> inner_;
  std::shared_ptr<StreamLease> lease_;
  std::shared_ptr<const config::Deployment> resolved_;  // a wildcard's deployment: as long as it
};

// A stream that breaks after its head (an error event, a dropped connection, a stall past
// stream_timeout) is the deployment's failure too: counted for its cooldown and its state, as a
// failed attempt is. The session has put the error in ex.outcome.error by then.
class StreamBreakReport final : public api::StreamObserver {
 public:
  StreamBreakReport(std::shared_ptr<StreamLease> lease, const api::Exchange& ex)
      : lease_(std::move(lease)), ex_(ex) {}
  void onEnd(api::StreamEnd how) override {
    if (how != api::StreamEnd::kBroken || !lease_->lease) return;
    static const Error kBroke{ErrorKind::kUpstreamError, "The upstream stream broke."};
    const Error& e = ex_.outcome.error ? *ex_.outcome.error : kBroke;
    bool cooled = lease_->lease.fail(Clock::now() - lease_->started, router::classify(e),
                                     lease_->policy, e.message);
    if (cooled) {
      spdlog::warn("request {}: deployment {} cooling down after a broken stream", ex_.request_id,
                   ex_.outcome.deployment_id);
    }
  }

 private:
  std::shared_ptr<StreamLease> lease_;
  const api::Exchange& ex_;  // outlives the reply
};

// The span of one upstream attempt (api::TraceContext), begun before the call so that its id goes
// upstream in traceparent. A stream's attempt stays open until the request ends.
void beginAttemptSpan(api::TraceContext& t, const config::Deployment& d, const api::Outcome& o) {
  api::TraceContext::Attempt& a = t.beginAttempt();
  a.deployment_id = d.id;
  a.model = d.model_id;
  a.provider = o.provider;
  a.api_base = o.api_base;
}
void endAttemptSpan(api::TraceContext& t, const api::Result<api::Reply>& r) {
  api::TraceContext::Attempt& a = t.attempts.back();
  a.end = Clock::now();
  if (r) {
    a.status = r->status;
    a.open = r->stream != nullptr;
  } else {
    const Error& e = r.error();
    a.status = e.upstream_status ? e.upstream_status : 0;  // 0: no answer (refused, timed out)
    a.error = e.logText();
  }
}

// One target's failure, for the caller to decide on fallbacks.
struct GroupFailure {
  Error error;
  FailureClass cls = FailureClass::kTransient;
};

class ProviderCallFilter final : public Filter {
 public:
  explicit ProviderCallFilter(Services& s)
      : cfg_(s.config),
        router_(s.router),
        policy_(s.router.policy()),
        providers_(s.providers),
        rng_(std::random_device{}()) {
    for (const auto& d : cfg_.model_list) needs_tokens_ = needs_tokens_ || d.tpm.has_value();
    needs_tokens_ =
        needs_tokens_ || policy_.pre_call_checks || policy_.strategy == router::Strategy::kUsage;
  }
  std::string_view name() const noexcept override { return "provider_call"; }

  asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    std::string_view group = router_.groupOf(ex.model);
    if (group.empty()) {
      co_return fail(
          ex, Error{ErrorKind::kModelNotFound,
                    "The model `" + ex.model + "` does not exist or you do not have access to it.",
                    "", 0, "model_not_found", "model"});
    }
    ex.outcome.model_group = std::string(group);
    ex.watchClient();  // from here on the request waits on providers: a client gone cancels it

    const api::RequestOptions& opts = ex.options;

    std::uint64_t prompt_tokens = needs_tokens_ ? estimatePromptTokens(ex) : 0;

    // The requested target (LiteLLM's mock_testing_* controls make it fail without a call).
    std::optional<api::Reply> reply;
    GroupFailure first;
    if (auto forced = mockTestingFailure(ex)) {
      first = std::move(*forced);
    } else {
      co_await tryTarget(ex, ex.model, prompt_tokens, reply, first);
    }
    if (reply) co_return std::move(*reply);
    if (first.cls == FailureClass::kRequest || opts.disable_fallbacks)
      co_return fail(ex, std::move(first.error));

    // Its fallbacks, in order.
    std::vector<std::string> chain =
        opts.fallbacks ? *opts.fallbacks : policy_.fallbacksFor(group, first.cls);
    if (chain.size() > static_cast<std::size_t>(std::max(policy_.max_fallbacks, 0)))
      chain.resize(policy_.max_fallbacks);
    std::string tried;
    for (const std::string& target : chain) {
      if (target == ex.model) continue;
      if (!router_.knows(target)) {
        spdlog::warn("request {}: fallback `{}` names no model group or deployment id; skipped",
                     ex.request_id, target);
        continue;
      }
      ++ex.outcome.attempted_fallbacks;
      tried += (tried.empty() ? "" : ", ") + target;
      GroupFailure f;
      co_await tryTarget(ex, target, prompt_tokens, reply, f);
      if (reply) {
        ex.outcome.model_group = std::string(router_.groupOf(target));
        co_return std::move(*reply);
      }
      if (f.cls == FailureClass::kRequest) co_return fail(ex, std::move(f.error));
    }
    if (!tried.empty()) {
      first.error.message += " (fallbacks tried: " + tried + ")";
      first.error.detail += "; fallbacks " + tried + " failed too";
    }
    co_return fail(ex, std::move(first.error));
  }

 private:
  // Tries `target` with its retry budget. Sets `reply` on success, else `failure`.
  asio::awaitable<void> tryTarget(api::Exchange& ex, std::string_view target,
                                  std::uint64_t prompt_tokens, std::optional<api::Reply>& reply,
                                  GroupFailure& failure) {
    const bool mocked = ex.options.mock_response.has_value();
    router::Attempts attempts;
    std::optional<Error> last;
    FailureClass last_cls = FailureClass::kTransient;
    bool refused = false;  // a deployment could not take the request as is (untranslatable)
    int retries_left = ex.options.num_retries.value_or(policy_.num_retries);
    const int budget = retries_left;
    int backoff_round = 0;
    Clock::duration capacity_waited{};
    for (;;) {
      if (last && retries_left <= 0) break;
      router::SelectInput in{ex.stream, prompt_tokens, &attempts, 1};
      in.tags = &ex.options.tags;
      in.region = ex.options.allowed_model_region;
      router::Selection sel = router_.select(target, in, rng_);
      if (!sel && sel.reason == router::NoPick::kExhausted && last &&
          last_cls == FailureClass::kTransient) {
        // Only deployments this request already tried are left: if one may be tried again (not
        // cooling down, not over its max_retries), wait, then try it.
        in.max_attempts_each = budget + 1;
        in.dry_run = true;
        if (!router_.select(target, in, rng_)) break;
        std::optional<Clock::duration> wait =
            router::retryWait(policy_, *last, ++backoff_round, rng_);
        if (!wait) break;
        co_await sleepFor(*wait);
        // A wait the provider asked for (or backoff after its failure) is not gateway overhead.
        ex.outcome.upstream_time += *wait;
        in.dry_run = false;
        sel = router_.select(target, in, rng_);
      }
      if (!sel && sel.reason == router::NoPick::kAtCapacity && capacity_waited < kCapacityWait &&
          sel.retry_after <= kCapacityWait) {
        co_await sleepFor(kCapacityPoll);
        capacity_waited += kCapacityPoll;
        continue;
      }
      if (!sel) {
        if (last && sel.reason != router::NoPick::kTooLarge) break;  // report what the attempts met
        if (refused) {  // every deployment left would have to translate it: fallbacks may not
          failure = GroupFailure{*ex.untranslatable, FailureClass::kCredentials};
          co_return;
        }
        failure = noPickFailure(sel, target, prompt_tokens, ex);
        co_return;
      }
      if (last) {
        --retries_left;
        ++ex.outcome.attempted_retries;
      }
      attempts.add(sel.deployment);
      // A wildcard deployment serves the requested name: its model filled in for this attempt.
      std::shared_ptr<const config::Deployment> resolved;
      if (sel.deployment->wildcard) {
        api::Result<config::Deployment> r =
            router_.resolveWildcard(*sel.deployment, router_.resolveAlias(target));
        if (!r) {
          failure = GroupFailure{std::move(r).error(), FailureClass::kRequest};
          co_return;
        }
        resolved = std::make_shared<const config::Deployment>(std::move(*r));
      }
      const config::Deployment& d = resolved ? *resolved : *sel.deployment;

      providers::Provider* provider = mocked ? &providers_.mock() : providers_.find(d.provider);
      if (!provider) {
        Error e{ErrorKind::kUpstreamError,
                "Provider '" + d.provider + "' is not supported yet by this Switchyard build.",
                "unsupported provider " + d.provider};
        e.status = 501;
        e.code = "provider_not_supported";
        last = std::move(e);
        last_cls =
            FailureClass::kCredentials;  // like a rejected deployment: never worth a second try
        continue;
      }
      // A request only a pass-through can serve (Exchange::untranslatable, a Responses request
      // with built-in tools): a deployment that cannot take it as is refuses it, as the provider
      // would, and another deployment (or a fallback) may still serve it.
      // Not an attempt: no retry is spent on it.
      if (ex.untranslatable && (mocked || !providers::passesResponsesThrough(ex, d))) {
        refused = true;
        continue;
      }
      ex.outcome.deployment_id = d.id;
      ex.outcome.provider = mocked ? "mock" : d.provider;
      ex.outcome.api_base = provider->apiBase(d);
      auto started = Clock::now();
      if (ex.trace) beginAttemptSpan(*ex.trace, d, ex.outcome);
      // The deployment's default parameters, for this attempt only: the client's values win.
      std::vector<std::string> defaulted = applyDefaults(ex, d);
      api::Result<api::Reply> r = co_await provider->call(ex, d, optionsFor(ex, d));
      for (const std::string& k : defaulted) ex.body.erase(k);
      Clock::duration elapsed = Clock::now() - started;
      ex.outcome.upstream_time += elapsed;
      if (ex.trace) endAttemptSpan(*ex.trace, r);
      if (r) {
        std::int64_t extra = 0;
        if (needs_tokens_) {
          std::int64_t total = totalTokensOf(*r);
          if (total >= 0) extra = total - static_cast<std::int64_t>(prompt_tokens);
        }
        sel.lease.succeed(elapsed, ex.stream, extra);
        ex.outcome.served = resolved ? resolved
                                     : std::shared_ptr<const config::Deployment>(
                                           std::shared_ptr<const void>(), sel.deployment);
        reply = std::move(*r);
        if (reply->stream) {
          auto held = std::make_shared<StreamLease>(std::move(sel.lease), policy_, started);
          reply->observers.push_back(std::make_unique<StreamBreakReport>(held, ex));
          reply->stream = std::make_unique<LeasedStream>(std::move(reply->stream),
                                                         std::move(held), std::move(resolved));
        }
        co_return;
      }
      Error e = std::move(r).error();
      FailureClass cls = router::classify(e);
      bool cooled = sel.lease.fail(elapsed, cls, policy_, e.message);
      sel.lease.reset();
      spdlog::info("request {}: attempt on deployment {} ({}) failed: {}{}", ex.request_id, d.id,
                   target, e.logText(),
                   cooled ? "; deployment cooling down" : "");
      if (cooled) {
        spdlog::warn("request {}: deployment {} of {} cooling down for {:.1f}s", ex.request_id, d.id,
                     d.model_name,
                     std::chrono::duration<double>(policy_.cooldown_time).count());
      }
      if (cls == FailureClass::kRequest || cls == FailureClass::kContextWindow ||
          cls == FailureClass::kContentPolicy) {
        failure = GroupFailure{std::move(e), cls};
        co_return;
      }
      last = std::move(e);
      last_cls =
          cls;  // kTransient or kCredentials (the latter is not retried on the same deployment)
    }
    failure = GroupFailure{std::move(*last), FailureClass::kTransient};
  }

  GroupFailure noPickFailure(const router::Selection& sel, std::string_view target,
                             std::uint64_t prompt_tokens, const api::Exchange& ex) const {
    const std::vector<std::string>& tags = ex.options.tags;
    Error e;
    switch (sel.reason) {
      case router::NoPick::kTagMismatch: {
        // LiteLLM's no_deployments_with_tag_routing, as a 400 (the request's tags are the cause).
        std::string list;
        for (const std::string& t : tags) list += (list.empty() ? "'" : ", '") + t + "'";
        e = Error{ErrorKind::kInvalidRequest,
                  "Not allowed to access model due to tags configuration. Passed model=" +
                      std::string(target) + " and tags=[" + list + "]",
                  "tag filtering: no deployment carries the request's tags",
                  400,
                  "no_deployments_with_tag_routing",
                  "tags"};
        return {std::move(e), FailureClass::kRequest};
      }
      case router::NoPick::kRegionMismatch:
        // LiteLLM's words when pre-call checks leave no deployment in the customer's region.
        e = Error{
            ErrorKind::kInvalidRequest,
            "No deployments available for selected model. Passed model=" + std::string(target) +
                ", allowed_model_region=" + ex.options.allowed_model_region +
                ": no deployment of it has a region_name in that region",
            "no deployment in the customer's allowed_model_region",
            400,
            "no_deployments_in_region",
            "model"};
        return {std::move(e), FailureClass::kRequest};
      case router::NoPick::kCoolingDown:
        e = Error{ErrorKind::kRateLimited,
                  "No deployment of `" + std::string(target) +
                      "` is available: every deployment is cooling down after recent failures. "
                      "Retry later.",
                  "all deployments cooling down", 0, "no_healthy_deployment"};
        e.retry_after_s = ceilSeconds(sel.retry_after);
        return {std::move(e), FailureClass::kTransient};
      case router::NoPick::kAtCapacity:
        e = Error{ErrorKind::kRateLimited,
                  "No deployment of `" + std::string(target) +
                      "` has capacity: every deployment is at its rpm, tpm or "
                      "max_parallel_requests limit. Retry later.",
                  "all deployments at their limits", 0, "deployment_limit_reached"};
        e.retry_after_s = ceilSeconds(sel.retry_after);
        return {std::move(e), FailureClass::kTransient};
      case router::NoPick::kTooLarge:
        e = Error{ErrorKind::kContextWindowExceeded,
                  "The prompt (about " + std::to_string(prompt_tokens) +
                      " tokens) is larger than the max_input_tokens of every deployment of `" +
                      std::string(target) + "`.",
                  "pre-call check: prompt over max_input_tokens",
                  0,
                  "context_length_exceeded",
                  "messages"};
        return {std::move(e), FailureClass::kContextWindow};
      case router::NoPick::kUnknownTarget:
      case router::NoPick::kExhausted:
        break;
    }
    e = Error{ErrorKind::kUpstreamError, "No deployment could serve this request.",
              "no deployment left to try"};
    return {std::move(e), FailureClass::kTransient};
  }

  // Sets the deployment's request_defaults the client's body does not set; returns their names.
  static std::vector<std::string> applyDefaults(api::Exchange& ex, const config::Deployment& d) {
    std::vector<std::string> added;
    if (!d.request_defaults || !ex.body) return added;
    for (const auto& [k, v] : d.request_defaults->items()) {
      if (ex.body.contains(k)) continue;
      ex.body.set(k, v);
      added.push_back(k);
    }
    return added;
  }

  providers::CallOptions optionsFor(const api::Exchange& ex, const config::Deployment& d) const {
    providers::CallOptions o = callOptionsFor(cfg_, d);
    if (ex.timeout_s) {
      auto t =
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*ex.timeout_s));
      o.timeout = t;
      o.stream_timeout = t;
    }
    return o;
  }

  // mock_testing_fallbacks / _context_fallbacks / _content_policy_fallbacks: true fails the
  // requested target at once with that kind of error, to try a fallback configuration.
  static std::optional<GroupFailure> mockTestingFailure(const api::Exchange& ex) {
    std::string what = " for model `" + ex.model + "` (mock_testing";
    if (ex.options.mock_testing_fallbacks) {
      return GroupFailure{Error{ErrorKind::kUpstreamError, "Mock failure" + what + "_fallbacks).",
                                "mock_testing_fallbacks"},
                          FailureClass::kTransient};
    }
    if (ex.options.mock_testing_context_fallbacks) {
      return GroupFailure{Error{ErrorKind::kContextWindowExceeded,
                                "Mock context window error" + what + "_context_fallbacks).",
                                "mock_testing_context_fallbacks", 0, "context_length_exceeded"},
                          FailureClass::kContextWindow};
    }
    if (ex.options.mock_testing_content_policy_fallbacks) {
      return GroupFailure{
          Error{ErrorKind::kContentPolicy,
                "Mock content policy error" + what + "_content_policy_fallbacks).",
                "mock_testing_content_policy_fallbacks", 0, "content_policy_violation"},
          FailureClass::kContentPolicy};
    }
    return std::nullopt;
  }

  const config::Config& cfg_;
  const router::Router& router_;
  const router::Policy& policy_;
  providers::Providers& providers_;
  std::mt19937_64 rng_;
  bool needs_tokens_ = false;
};

}  // namespace

std::unique_ptr<Filter> makeProviderCallFilter(Services& services) {
  return std::make_unique<ProviderCallFilter>(services);
}

}  // namespace switchyard::pipeline
