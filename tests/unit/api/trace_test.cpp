// W3C traceparent parsing and the trace context of a request (api/trace.hpp).

#include "switchyard/api/trace.hpp"

#include <gtest/gtest.h>

namespace switchyard::api {
namespace {

TEST(TraceParentTest, ParsesTheSpecsExample) {
  auto p = parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(toHex(p->trace_id.data(), 16), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(toHex(p->parent_id.data(), 8), "b7ad6b7169203331");
  EXPECT_TRUE(p->sampled());
  auto unsampled = parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled());
}

TEST(TraceParentTest, RejectsWhatTheSpecRejects) {
  for (const char* bad : {
           "",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",      // no flags
           "00-00000000000000000000000000000000-b7ad6b7169203331-01",   // zero trace id
           "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",   // zero parent id
           "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",   // version ff
           "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",   // upper case
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",  // v00 with more
           "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
           "00-0af7651916cd43dd8448eb211c8031zz-b7ad6b7169203331-01",
       }) {
    EXPECT_FALSE(parseTraceParent(bad)) << bad;
  }
  // A later version is read by its first four fields.
  EXPECT_TRUE(parseTraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future"));
}

TEST(TraceContextTest, KeepsTheClientsTraceAndGivesEachAttemptItsOwnSpan) {
  auto parent = parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  TraceContext t = TraceContext::start(parent, "k=v");
  EXPECT_EQ(toHex(t.trace_id.data(), 16), "0af7651916cd43dd8448eb211c80319c");
  ASSERT_TRUE(t.parent_id);
  EXPECT_EQ(*t.parent_id, parent->parent_id);
  EXPECT_NE(t.span_id, parent->parent_id);
  EXPECT_EQ(t.tracestate, "k=v");
  // Before any attempt, upstream would see the request's span as parent.
  EXPECT_EQ(t.traceparent(), "00-0af7651916cd43dd8448eb211c80319c-" + toHex(t.span_id.data(), 8) + "-01");
  auto& a = t.beginAttempt();
  SpanId first = a.span_id;
  EXPECT_EQ(t.traceparent(), "00-0af7651916cd43dd8448eb211c80319c-" + toHex(first.data(), 8) + "-01");
  t.beginAttempt();
  EXPECT_NE(t.attempts[1].span_id, first);
  EXPECT_EQ(t.traceparent().substr(36, 16), toHex(t.attempts[1].span_id.data(), 8));

  TraceContext fresh = TraceContext::start(std::nullopt, "ignored");
  EXPECT_FALSE(fresh.parent_id);
  EXPECT_TRUE(fresh.tracestate.empty());
  EXPECT_NE(toHex(fresh.trace_id.data(), 16), std::string(32, '0'));
  EXPECT_NE(TraceContext::start(std::nullopt, "").trace_id, fresh.trace_id);
}

TEST(TraceContextTest, TheRatioSamplerReadsTheTraceIdsLowBytes) {
  TraceId low{}, high{};
  low[15] = 1;  // 1 / 2^64: below any ratio above 0
  for (std::size_t i = 8; i < 16; ++i) high[i] = 0xff;
  EXPECT_TRUE(sampledByRatio(low, 0.001));
  EXPECT_FALSE(sampledByRatio(high, 0.999));
  EXPECT_TRUE(sampledByRatio(high, 1));
  EXPECT_FALSE(sampledByRatio(low, 0));
  // Over many random ids, the share sampled is the ratio.
  int taken = 0;
  for (int i = 0; i < 20000; ++i)
    taken += sampledByRatio(TraceContext::start(std::nullopt, "").trace_id, 0.25);
  EXPECT_NEAR(taken / 20000.0, 0.25, 0.02);
}

}  // namespace
}  // namespace switchyard::api
