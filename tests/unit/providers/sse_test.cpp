#include "switchyard/providers/sse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::providers {
namespace {

// Splits `all` into whole events the way a client of SseSplitter would see them.
std::vector<std::string> splitEvents(std::string_view all) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t lf = all.find("\n\n", start), crlf = all.find("\r\n\r\n", start);
    std::size_t end;
    if (lf == std::string::npos && crlf == std::string::npos) break;
    if (crlf != std::string::npos && (lf == std::string::npos || crlf + 1 < lf)) {
      end = crlf + 4;
    } else {
      end = lf + 2;
    }
    out.emplace_back(all.substr(start, end - start));
    start = end;
  }
  return out;
}

const std::string kStream =
    "data: {\"a\":1}\n\n"
    "event: message\r\ndata: two\r\n\r\n"
    ": keep-alive comment\n\n"
    "data: line1\ndata: line2\n\n"
    "data: [DONE]\n\n";
constexpr std::size_t kStreamEvents = 5;

TEST(SseSplitterTest, WholeStreamInOneFeed) {
  SseSplitter s;
  s.feed(kStream);
  std::string out;
  EXPECT_EQ(s.takeComplete(out), kStreamEvents);
  EXPECT_EQ(out, kStream);
  EXPECT_EQ(s.rest(), "");
  EXPECT_FALSE(s.overflowed());
}

TEST(SseSplitterTest, NoCompleteEventYet) {
  SseSplitter s;
  s.feed("data: partial\n");
  std::string out = "keep";
  EXPECT_EQ(s.takeComplete(out), 0u);
  EXPECT_EQ(out, "keep");  // appends only
  EXPECT_EQ(s.rest(), "data: partial\n");
}

TEST(SseSplitterTest, AppendsToOutput) {
  SseSplitter s;
  s.feed("data: a\n\n");
  std::string out = "prefix|";
  EXPECT_EQ(s.takeComplete(out), 1u);
  EXPECT_EQ(out, "prefix|data: a\n\n");
}

TEST(SseSplitterTest, PartialTailStaysPending) {
  SseSplitter s;
  s.feed("data: a\n\ndata: b\n\ndata: c");
  std::string out;
  EXPECT_EQ(s.takeComplete(out), 2u);
  EXPECT_EQ(out, "data: a\n\ndata: b\n\n");
  EXPECT_EQ(s.rest(), "data: c");
  s.feed("\n\n");
  out.clear();
  EXPECT_EQ(s.takeComplete(out), 1u);
  EXPECT_EQ(out, "data: c\n\n");
  EXPECT_EQ(s.rest(), "");
}

TEST(SseSplitterTest, CrLfBoundaries) {
  SseSplitter s;
  s.feed("data: a\r\n\r\ndata: b\r\n\r\ndata: c\r\n");
  std::string out;
  EXPECT_EQ(s.takeComplete(out), 2u);
  EXPECT_EQ(out, "data: a\r\n\r\ndata: b\r\n\r\n");
  EXPECT_EQ(s.rest(), "data: c\r\n");
}

TEST(SseSplitterTest, MixedLineEndingBoundary) {
  // "\n\r\n" (LF then CRLF) ends an event as well.
  SseSplitter s;
  s.feed("data: a\n\r\ndata: b\r\n\n");
  std::string out;
  EXPECT_EQ(s.takeComplete(out), 2u);
  EXPECT_EQ(out, "data: a\n\r\ndata: b\r\n\n");
}

TEST(SseSplitterTest, SplitAtEveryBytePosition) {
  const std::vector<std::string> expected = splitEvents(kStream);
  ASSERT_EQ(expected.size(), kStreamEvents);
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    SseSplitter s;
    std::string out;
    std::size_t count = 0;
    s.feed(std::string_view(kStream).substr(0, cut));
    count += s.takeComplete(out);
    s.feed(std::string_view(kStream).substr(cut));
    count += s.takeComplete(out);
    ASSERT_EQ(count, kStreamEvents) << "cut at " << cut;
    ASSERT_EQ(out, kStream) << "cut at " << cut;
    ASSERT_EQ(s.rest(), "") << "cut at " << cut;
  }
}

TEST(SseSplitterTest, SplitAtEveryPairOfBytePositions) {
  for (std::size_t a = 0; a <= kStream.size(); ++a) {
    for (std::size_t b = a; b <= kStream.size(); ++b) {
      SseSplitter s;
      std::string out;
      std::size_t count = 0;
      s.feed(std::string_view(kStream).substr(0, a));
      count += s.takeComplete(out);
      s.feed(std::string_view(kStream).substr(a, b - a));
      count += s.takeComplete(out);
      s.feed(std::string_view(kStream).substr(b));
      count += s.takeComplete(out);
      ASSERT_EQ(count, kStreamEvents) << a << "," << b;
      ASSERT_EQ(out, kStream) << a << "," << b;
    }
  }
}

TEST(SseSplitterTest, ByteAtATimeYieldsEachEventAsSoonAsItCompletes) {
  const std::vector<std::string> expected = splitEvents(kStream);
  SseSplitter s;
  std::vector<std::string> got;
  std::string pending_prefix;
  for (std::size_t i = 0; i < kStream.size(); ++i) {
    s.feed(std::string_view(kStream).substr(i, 1));
    std::string out;
    std::size_t n = s.takeComplete(out);
    if (n > 0) {
      ASSERT_EQ(n, 1u) << "at byte " << i;
      got.push_back(out);
    }
  }
  EXPECT_EQ(got, expected);
}

TEST(SseSplitterTest, ManyEventsInOneFeedThenMoreFeeds) {
  SseSplitter s;
  std::string all;
  for (int i = 0; i < 100; ++i) all += "data: " + std::to_string(i) + "\n\n";
  s.feed(all);
  s.feed("data: tail");
  std::string out;
  EXPECT_EQ(s.takeComplete(out), 100u);
  EXPECT_EQ(out, all);
  EXPECT_EQ(s.rest(), "data: tail");
}

TEST(SseSplitterTest, OverflowOfPartialEvent) {
  SseSplitter s(16);
  s.feed("data: 0123456789");  // exactly 16 bytes
  std::string out;
  EXPECT_EQ(s.takeComplete(out), 0u);
  EXPECT_FALSE(s.overflowed());
  s.feed("X");
  EXPECT_EQ(s.takeComplete(out), 0u);
  EXPECT_TRUE(s.overflowed());
}

TEST(SseSplitterTest, CompleteEventsTakenDoNotCountTowardOverflow) {
  SseSplitter s(16);
  std::string out;
  for (int i = 0; i < 50; ++i) {
    s.feed("data: abcdefgh\n\n");  // 16 bytes each
    EXPECT_EQ(s.takeComplete(out), 1u);
    EXPECT_FALSE(s.overflowed());
  }
  // Several complete events in one feed, well over the bound in total: none pending once taken.
  std::string many;
  for (int i = 0; i < 10; ++i) many += "data: x\n\n";
  s.feed(many);
  EXPECT_EQ(s.takeComplete(out), 10u);
  EXPECT_FALSE(s.overflowed());
}

TEST(SseDataTest, SingleDataLine) {
  EXPECT_EQ(sseData("data: {\"a\":1}\n\n"), "{\"a\":1}");
  EXPECT_EQ(sseData("data:{\"a\":1}\n\n"), "{\"a\":1}");
  EXPECT_EQ(sseData("data: [DONE]\r\n\r\n"), "[DONE]");
}

TEST(SseDataTest, OnlyOneLeadingSpaceRemoved) { EXPECT_EQ(sseData("data:  two\n\n"), " two"); }

TEST(SseDataTest, MultipleDataLinesJoinedWithNewline) {
  EXPECT_EQ(sseData("data: a\ndata: b\ndata:c\n\n"), "a\nb\nc");
  EXPECT_EQ(sseData("data: a\r\ndata: b\r\n\r\n"), "a\nb");
}

TEST(SseDataTest, OtherFieldsAndCommentsIgnored) {
  EXPECT_EQ(sseData("event: message\nid: 7\nretry: 100\n: comment\ndata: x\n\n"), "x");
  EXPECT_EQ(sseData(": keep-alive\n\n"), "");
  EXPECT_EQ(sseData("event: ping\n\n"), "");
  EXPECT_EQ(sseData(""), "");
}

TEST(SseDataTest, EmptyDataLine) {
  EXPECT_EQ(sseData("data:\n\n"), "");
  EXPECT_EQ(sseData("data\n\n"), "");
  EXPECT_EQ(sseData("data: a\ndata:\ndata: b\n\n"), "a\n\nb");
}

TEST(SseDataTest, NoTrailingNewline) { EXPECT_EQ(sseData("data: x"), "x"); }

}  // namespace
}  // namespace switchyard::providers
