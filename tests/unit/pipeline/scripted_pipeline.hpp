#pragma once
// A whole pipeline (auth -> parse -> ... -> provider_call) from a config text over the scripted
// transport, and a streamed reply played as the session plays it: next() until the end, each
// chunk shown to the reply's observers, then onEnd(kComplete).

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "switchyard/config/config.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/router/router.hpp"
#include "unit/providers/scripted_transport.hpp"

namespace switchyard::test {

struct ScriptedPipeline {
  // `setup` may add providers before the pipeline is made.
  ScriptedPipeline(const std::string& config_text, const char* name,
                   const std::function<void(providers::Providers&)>& setup = {}) {
    auto loaded = config::loadConfigText(config_text, name);
    EXPECT_TRUE(loaded.has_value()) << loaded.error().message;
    cfg = std::make_unique<config::Config>(std::move(loaded->config));
    router = std::make_unique<router::Router>(*cfg);
    transport = std::make_shared<providers::scripted::ScriptedTransport>();
    providers = std::make_unique<providers::Providers>(transport);
    if (setup) setup(*providers);
    pipeline = std::make_unique<pipeline::Pipeline>(*cfg, *router, *providers);
  }

  boost::asio::io_context io{1};
  std::unique_ptr<config::Config> cfg;
  std::unique_ptr<router::Router> router;
  std::shared_ptr<providers::scripted::ScriptedTransport> transport;
  std::unique_ptr<providers::Providers> providers;
  std::unique_ptr<pipeline::Pipeline> pipeline;
};

inline boost::asio::awaitable<std::string> playStream(api::Reply& reply) {
  std::string all;
  for (;;) {
    api::Result<std::optional<std::string>> c = co_await reply.stream->next();
    if (!c || !*c) break;
    for (auto& o : reply.observers) o->onChunk(**c);
    all += **c;
  }
  reply.stream.reset();
  for (auto& o : reply.observers) o->onEnd(api::StreamEnd::kComplete);
  reply.observers.clear();
  co_return all;
}

}  // namespace switchyard::test
