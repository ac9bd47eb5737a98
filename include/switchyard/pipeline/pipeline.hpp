#pragma once
// The chain for the proxied endpoints, built once per worker and config generation:
//   auth -> parse -> provider_call
// (rate_limit, cache and spend slot in between as they land).

#include <memory>
#include <random>
#include <vector>

#include "switchyard/config/config.hpp"
#include "switchyard/pipeline/filter.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/router/router.hpp"

namespace switchyard::pipeline {

class Pipeline {
 public:
  // All references must outlive the pipeline (the worker owns them).
  Pipeline(const config::Config& cfg, const router::Router& router, providers::Providers& providers);
  ~Pipeline();

  // Runs the chain. `ex.endpoint`, `ex.auth_token` and `ex.raw_body` must be set.
  boost::asio::awaitable<api::Reply> run(api::Exchange& ex);

 private:
  std::vector<std::unique_ptr<Filter>> owned_;
  std::vector<Filter*> chain_;
};

// Parses and validates the JSON body for ex.endpoint, fills ex.body, ex.model, ex.stream and
// moves the request-level controls into ex.controls. With ex.ingress == kAnthropic the body is an
// Anthropic Messages request: it is validated and translated (api::anthropic::toOpenAiRequest)
// into ex.body, kept as is in ex.anthropic_body, and ex.endpoint becomes kChatCompletions.
// Exposed for tests.
api::Result<void> parseRequest(api::Exchange& ex, std::string_view raw_body);

// A cheap estimate of the prompt's tokens (about four characters per token, plus a few per
// message), for pre-call checks and tpm limits. ex.body must be parsed.
std::uint64_t estimatePromptTokens(const api::Exchange& ex);

// Call options for deployment `d` under `cfg` (deployment, then router, then litellm settings).
providers::CallOptions callOptionsFor(const config::Config& cfg, const config::Deployment& d);

}  // namespace switchyard::pipeline
