#pragma once
// What the hierarchy_request tests share: a fixed clock, body parsing and error checks.

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <utility>

#include "switchyard/admin/hierarchy_request.hpp"
#include "switchyard/keys/budget_window.hpp"

namespace switchyard::admin::test {

using nlohmann::json;

constexpr store::UnixMs kSecond = 1000;
constexpr store::UnixMs kDay = 86400 * kSecond;

inline store::UnixMs at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0,
                        int ms = 0) {
  using namespace std::chrono;
  auto t = sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi) + seconds(s) +
           milliseconds(ms);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// Friday 2026-12-04 21:25:37.250 UTC.
inline const store::UnixMs kNow = at(2026, 12, 4, 21, 25, 37, 250);

// The failure of a parse: its param and message (a success fails the test).
template <class R>
std::pair<std::string, std::string> failure(const R& r) {
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) return {"<ok>", "<ok>"};
  EXPECT_EQ(r.error().kind, api::ErrorKind::kInvalidRequest);
  return {r.error().param, r.error().message};
}

// The body must be refused with `param` named (and the message mentioning it unless it is one
// of LiteLLM's own texts, which the test checks itself).
template <class R>
void expectRefused(const R& r, const std::string& param, const std::string& body) {
  auto [p, m] = failure(r);
  EXPECT_EQ(p, param) << body << ": " << m;
}

enum class J { kString, kNumber, kInteger, kBool, kArray, kObject, kNull };

inline bool hasType(const json& v, J t) {
  switch (t) {
    case J::kString:
      return v.is_string();
    case J::kNumber:
      return v.is_number();
    case J::kInteger:
      return v.is_number_integer();
    case J::kBool:
      return v.is_boolean();
    case J::kArray:
      return v.is_array();
    case J::kObject:
      return v.is_object();
    case J::kNull:
      return v.is_null();
  }
  return false;
}

// Every key of `shape` is in `out` with its type.
inline void expectShape(const json& out, std::initializer_list<std::pair<const char*, J>> shape) {
  ASSERT_TRUE(out.is_object()) << out.dump();
  for (const auto& [key, type] : shape) {
    ASSERT_TRUE(out.contains(key)) << "missing " << key << " in " << out.dump();
    EXPECT_TRUE(hasType(out[key], type)) << key << " has the wrong type: " << out[key].dump();
  }
}

inline store::UnixMs resetAfter(const std::string& duration, store::UnixMs now) {
  using namespace std::chrono;
  auto r =
      keys::nextBudgetReset(duration, floor<seconds>(sys_time<milliseconds>(milliseconds(now))));
  EXPECT_TRUE(r.has_value()) << duration;
  return duration_cast<milliseconds>(r->time_since_epoch()).count();
}

}  // namespace switchyard::admin::test
