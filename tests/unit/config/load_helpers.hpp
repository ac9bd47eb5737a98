#pragma once
// What the config unit tests share: load a YAML text expecting success or an error, and the
// ignored keys as --check-config prints them.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "switchyard/config/config.hpp"

namespace switchyard::config::testing {

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

inline std::vector<std::string> ignoredOf(const LoadResult& r) {
  std::vector<std::string> out;
  for (const IgnoredKey& k : r.ignored) out.push_back(describe(k));
  return out;
}

}  // namespace switchyard::config::testing
