#pragma once
// Shared helpers for tests/integration: the binary under test, config YAML building, request
// bodies, and the secrets the log-hygiene tests look for.
//
// Included only by integration test files, where CMake defines SWITCHYARD_BINARY. Everything here
// has internal linkage, so the define may differ between targets without an ODR problem.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/gateway_process.hpp"

namespace switchyard::test {
namespace {

using nlohmann::json;

// Secrets that must never appear in the gateway's output.
constexpr const char* kUpstreamKey = "sk-upstream-SECRET-7f3a9c51";
constexpr const char* kMasterKey = "sk-master-SECRET-4b2d1e88";

inline std::string switchyardBinary() {
  if (const char* env = std::getenv("SWITCHYARD_BINARY"); env && *env) return env;
#ifdef SWITCHYARD_BINARY
  return SWITCHYARD_BINARY;
#else
  return "/work/main/build/switchyard";
#endif
}

// The gateway under test runs under a sanitizer (several times slower).
#ifdef SWITCHYARD_SANITIZED_GATEWAY
constexpr bool kSanitizedGateway = true;
#else
constexpr bool kSanitizedGateway = false;
#endif

// cache_params for tests that count a shared limit exactly: a Redis call waits behind every request
// the worker has queued, so on a loaded 2-core machine it gets a second (5 under a sanitizer)
// before the instance falls back to counting alone.
inline std::string exactCountRedisTimeout() {
  return kSanitizedGateway ? "{socket_timeout: 5}" : "{socket_timeout: 1}";
}

// Builds a LiteLLM-style config.yaml. Values are raw YAML scalars/flow values.
class ConfigBuilder {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;

  ConfigBuilder& model(const std::string& name, const std::string& model,
                       const std::string& api_base = {}, const std::string& api_key = {},
                       const std::string& id = {}, const Params& params = {}) {
    std::string s =
        "  - model_name: " + name + "\n    litellm_params:\n      model: " + model + "\n";
    if (!api_base.empty()) s += "      api_base: " + api_base + "\n";
    if (!api_key.empty()) s += "      api_key: " + api_key + "\n";
    for (const auto& [k, v] : params) s += "      " + k + ": " + v + "\n";
    if (!id.empty()) s += "    model_info:\n      id: " + id + "\n";
    models_ += s;
    return *this;
  }
  ConfigBuilder& general(const std::string& k, const std::string& v) {
    general_ += "  " + k + ": " + v + "\n";
    return *this;
  }
  ConfigBuilder& router(const std::string& k, const std::string& v) {
    router_ += "  " + k + ": " + v + "\n";
    return *this;
  }
  ConfigBuilder& litellm(const std::string& k, const std::string& v) {
    litellm_ += "  " + k + ": " + v + "\n";
    return *this;
  }
  std::string yaml() const {
    std::string y = "model_list:\n" + (models_.empty() ? std::string("  []\n") : models_);
    if (!router_.empty()) y += "router_settings:\n" + router_;
    if (!litellm_.empty()) y += "litellm_settings:\n" + litellm_;
    if (!general_.empty()) y += "general_settings:\n" + general_;
    return y;
  }

 private:
  std::string models_, general_, router_, litellm_;
};

inline std::unique_ptr<GatewayProcess> launchGateway(const std::string& yaml,
                                                     std::vector<std::string> extra_args = {},
                                                     int workers = 2) {
  GatewayOptions o;
  o.binary = switchyardBinary();
  o.workers = workers;
  o.extra_args = std::move(extra_args);
  return std::make_unique<GatewayProcess>(yaml, o);
}

inline json chatBody(const std::string& model, const std::string& prompt = "Say hello",
                     json extra = json::object()) {
  json j = {{"model", model}, {"messages", json::array({{{"role", "user"}, {"content", prompt}}})}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

// The OpenAI error shape: {"error":{"message":str,"type":str,"param":..,"code":..}}.
inline ::testing::AssertionResult isOpenAIError(const json& j) {
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object())
    return ::testing::AssertionFailure() << "not an error object: " << j.dump();
  const json& e = j["error"];
  for (const char* k : {"message", "type", "param", "code"})
    if (!e.contains(k))
      return ::testing::AssertionFailure() << "error lacks '" << k << "': " << j.dump();
  if (!e["message"].is_string() || e["message"].get<std::string>().empty())
    return ::testing::AssertionFailure() << "error.message not a non-empty string: " << j.dump();
  if (!e["type"].is_string())
    return ::testing::AssertionFailure() << "error.type not a string: " << j.dump();
  return ::testing::AssertionSuccess();
}

// A free 127.0.0.1 port with nothing listening (bound, then released).
inline std::uint16_t closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace
}  // namespace switchyard::test

// Declares `var` as a started gateway or fails the test at once.
#define SY_START_GATEWAY(var, ...)                           \
  auto var = ::switchyard::test::launchGateway(__VA_ARGS__); \
  ASSERT_TRUE(var->started()) << var->startError()
