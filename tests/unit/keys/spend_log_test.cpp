// The spend row of a finished exchange (keys/spend_log.hpp): its times and time to first token.

#include "switchyard/keys/spend_log.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "switchyard/store/records.hpp"

namespace switchyard::keys {
namespace {

using namespace std::chrono_literals;

api::Exchange streamedExchange() {
  api::Exchange ex;
  ex.model = "m1";
  ex.stream = true;
  ex.started = api::Clock::now() - 40ms;
  return ex;
}

TEST(SpendLogTest, StreamRowHasItsTimeToFirstChunk) {
  api::Exchange ex = streamedExchange();
  ex.first_chunk = ex.started + 15ms;
  store::SpendRow r = spendRowOf(ex, 200, true);
  ASSERT_TRUE(r.ttft_ms.has_value());
  EXPECT_NEAR(*r.ttft_ms, 15.0, 1e-6);
  EXPECT_TRUE(r.stream);
  EXPECT_GE(r.end_time - r.start_time, 40);  // the whole request, rounded outwards
  EXPECT_LE(*r.ttft_ms, static_cast<double>(r.end_time - r.start_time));
}

TEST(SpendLogTest, TimeToFirstChunkNeverExceedsTheDuration) {
  for (int i = 0; i < 200; ++i) {
    api::Exchange ex = streamedExchange();
    ex.started = api::Clock::now();
    ex.first_chunk = api::Clock::now();
    store::SpendRow r = spendRowOf(ex, 200, true);
    ASSERT_TRUE(r.ttft_ms.has_value());
    ASSERT_LE(*r.ttft_ms, static_cast<double>(r.end_time - r.start_time)) << i;
  }
}

TEST(SpendLogTest, WholeRepliesAndStreamsWithoutDataHaveNone) {
  api::Exchange ex = streamedExchange();
  EXPECT_FALSE(spendRowOf(ex, 499, true).ttft_ms.has_value());  // the client left before data

  api::Exchange whole;
  whole.model = "m1";
  whole.first_chunk = whole.started;  // ignored: not a stream
  store::SpendRow r = spendRowOf(whole, 200, false);
  EXPECT_FALSE(r.ttft_ms.has_value());
  EXPECT_FALSE(r.stream);
  EXPECT_LE(r.start_time, r.end_time);
}

}  // namespace
}  // namespace switchyard::keys
