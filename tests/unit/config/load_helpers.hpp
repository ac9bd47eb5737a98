#pragma once
// What the config unit tests share: load a YAML text expecting success or an error, and the
// ignored keys as --check-config prints them.

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchyard/config/config.hpp"

namespace switchyard::config::testing {

// Sets an environment variable for the scope of a test and restores the previous state.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value != nullptr) {
      ::setenv(name_.c_str(), value, 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

inline LoadResult loadOk(const std::string& yaml) {
  api::Result<LoadResult> r = loadConfigText(yaml, "test.yaml");
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
  return r.has_value() ? std::move(*r) : LoadResult{};
}

// Every error, one per line (the message of a failed load).
inline std::string loadError(const std::string& yaml) {
  api::Result<LoadResult> r = loadConfigText(yaml, "test.yaml");
  EXPECT_FALSE(r.has_value()) << "expected an error for:\n" << yaml;
  if (r.has_value()) return "";
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
  return r.error().message;
}

// A config of one deployment (model_name m, openai/gpt-4o) with `params` appended to its
// litellm_params (each line indented by six spaces).
inline std::string deployment(const std::string& params) {
  return "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n" +
         params;
}

inline std::vector<std::string> ignoredOf(const LoadResult& r) {
  std::vector<std::string> out;
  for (const IgnoredKey& k : r.ignored) out.push_back(describe(k));
  return out;
}

}  // namespace switchyard::config::testing
