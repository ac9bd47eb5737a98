// SseCutter: the one SSE event cutter (adapters and the Anthropic ingress).

#include "switchyard/providers/sse.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace switchyard::providers {
namespace {

// An event copied out of the cutter (its views die at the next call).
struct Ev {
  std::string name, data, raw;
  bool operator==(const Ev&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Ev& e) {
  return os << "{name=" << testing::PrintToString(e.name)
            << " data=" << testing::PrintToString(e.data)
            << " raw=" << testing::PrintToString(e.raw) << "}";
}

Ev copy(const SseEvent& e) {
  return Ev{std::string(e.name), std::string(e.data), std::string(e.raw)};
}

// Every event next() yields now.
std::vector<Ev> drain(SseCutter& c) {
  std::vector<Ev> out;
  while (std::optional<SseEvent> e = c.next()) out.push_back(copy(*e));
  return out;
}

void append(std::vector<Ev>& to, std::vector<Ev> more) {
  to.insert(to.end(), more.begin(), more.end());
}

const std::string kStream =
    "data: {\"a\":1}\n\n"
    "event: message\r\ndata: two\r\n\r\n"
    ": keep-alive comment\n\n"
    "data: line1\ndata: line2\n\n"
    "event: content_block_delta\nid: 7\nretry: 100\n: note\ndata: x\n\n"
    "data: [DONE]\n\n";

const std::vector<Ev> kEvents = {
    {"", "{\"a\":1}", "data: {\"a\":1}\n\n"},
    {"message", "two", "event: message\r\ndata: two\r\n\r\n"},
    {"", "", ": keep-alive comment\n\n"},
    {"", "line1\nline2", "data: line1\ndata: line2\n\n"},
    {"content_block_delta", "x",
     "event: content_block_delta\nid: 7\nretry: 100\n: note\ndata: x\n\n"},
    {"", "[DONE]", "data: [DONE]\n\n"},
};

TEST(SseCutterTest, WholeStreamInOneFeed) {
  SseCutter c;
  c.feed(kStream);
  EXPECT_EQ(drain(c), kEvents);
  EXPECT_FALSE(c.rest());
  EXPECT_FALSE(c.overflowed());
}

TEST(SseCutterTest, EventsComeOneByOne) {
  SseCutter c;
  c.feed(kStream);
  for (const Ev& want : kEvents) {
    std::optional<SseEvent> e = c.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(copy(*e), want);
  }
  EXPECT_FALSE(c.next());
  EXPECT_FALSE(c.next());  // stays empty
}

TEST(SseCutterTest, NoCompleteEventYet) {
  SseCutter c;
  c.feed("data: partial\n");
  EXPECT_FALSE(c.next());
  c.feed("\n");
  std::optional<SseEvent> e = c.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(copy(*e), (Ev{"", "partial", "data: partial\n\n"}));
}

TEST(SseCutterTest, PartialTailStaysPending) {
  SseCutter c;
  c.feed("data: a\n\ndata: b\n\ndata: c");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "a", "data: a\n\n"}, {"", "b", "data: b\n\n"}}));
  c.feed("\n\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "c", "data: c\n\n"}}));
  EXPECT_FALSE(c.rest());
}

TEST(SseCutterTest, CrLfLinesKeptInRaw) {
  SseCutter c;
  c.feed("data: a\r\n\r\nevent: e\r\ndata: b\r\ndata: c\r\n\r\ndata: d\r\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "a", "data: a\r\n\r\n"},
                                       {"e", "b\nc", "event: e\r\ndata: b\r\ndata: c\r\n\r\n"}}));
  std::optional<SseEvent> rest = c.rest();
  ASSERT_TRUE(rest);
  EXPECT_EQ(copy(*rest), (Ev{"", "d", "data: d\r\n\r\n"}));
}

TEST(SseCutterTest, MixedLineEndings) {
  // A blank line may end in LF or CRLF whatever the line before it ended in.
  SseCutter c;
  c.feed("data: a\n\r\ndata: b\r\n\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "a", "data: a\n\r\n"}, {"", "b", "data: b\r\n\n"}}));
}

TEST(SseCutterTest, CrLfSplitBetweenFeeds) {
  SseCutter c;
  c.feed("data: a\r");
  EXPECT_FALSE(c.next());
  c.feed("\n\r");
  EXPECT_FALSE(c.next());
  c.feed("\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "a", "data: a\r\n\r\n"}}));
}

TEST(SseCutterTest, LoneCrIsNotALineEnd) {
  SseCutter c;
  c.feed("data: a\rb\n\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "a\rb", "data: a\rb\n\n"}}));
}

TEST(SseCutterTest, SplitAtEveryBytePosition) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    SseCutter c;
    std::vector<Ev> got;
    c.feed(std::string_view(kStream).substr(0, cut));
    append(got, drain(c));
    c.feed(std::string_view(kStream).substr(cut));
    append(got, drain(c));
    ASSERT_EQ(got, kEvents) << "cut at " << cut;
    ASSERT_FALSE(c.rest()) << "cut at " << cut;
  }
}

TEST(SseCutterTest, SplitAtEveryPairOfBytePositions) {
  for (std::size_t a = 0; a <= kStream.size(); ++a) {
    for (std::size_t b = a; b <= kStream.size(); ++b) {
      SseCutter c;
      std::vector<Ev> got;
      c.feed(std::string_view(kStream).substr(0, a));
      append(got, drain(c));
      c.feed(std::string_view(kStream).substr(a, b - a));
      append(got, drain(c));
      c.feed(std::string_view(kStream).substr(b));
      append(got, drain(c));
      ASSERT_EQ(got, kEvents) << a << "," << b;
    }
  }
}

TEST(SseCutterTest, ByteAtATimeYieldsEachEventWhenItsLastByteArrives) {
  // Where each event ends in kStream.
  std::vector<std::size_t> ends;
  std::size_t pos = 0;
  for (const Ev& e : kEvents) ends.push_back(pos += e.raw.size());
  ASSERT_EQ(pos, kStream.size());
  SseCutter c;
  std::vector<Ev> got;
  std::size_t next_end = 0;
  for (std::size_t i = 0; i < kStream.size(); ++i) {
    c.feed(std::string_view(kStream).substr(i, 1));
    std::vector<Ev> now = drain(c);
    if (i + 1 == ends[next_end]) {
      ASSERT_EQ(now.size(), 1u) << "at byte " << i;
      ++next_end;
    } else {
      ASSERT_TRUE(now.empty()) << "at byte " << i;
    }
    append(got, std::move(now));
  }
  EXPECT_EQ(got, kEvents);
}

TEST(SseCutterTest, ManyEventsInOneFeedThenMoreFeeds) {
  SseCutter c;
  std::string all;
  for (int i = 0; i < 100; ++i) all += "data: " + std::to_string(i) + "\n\n";
  c.feed(all);
  c.feed("data: tail");
  for (int i = 0; i < 100; ++i) {
    std::optional<SseEvent> e = c.next();
    ASSERT_TRUE(e) << i;
    EXPECT_EQ(e->data, std::to_string(i));
  }
  EXPECT_FALSE(c.next());
  std::optional<SseEvent> rest = c.rest();
  ASSERT_TRUE(rest);
  EXPECT_EQ(copy(*rest), (Ev{"", "tail", "data: tail\n\n"}));
}

TEST(SseCutterTest, LongStreamInSmallUnevenPiecesReusesTheBuffer) {
  // Exercises the lazy compaction: events taken, pieces appended, partial events moved.
  std::string all;
  std::vector<std::string> want;
  for (int i = 0; i < 5000; ++i) {
    std::string d = std::string(static_cast<std::size_t>(i % 37), 'x') + std::to_string(i);
    want.push_back(i % 3 == 0 ? d + "\n" + d : d);
    all += i % 3 == 0 ? "data: " + d + "\r\ndata: " + d + "\r\n\r\n" : "data: " + d + "\n\n";
  }
  SseCutter c(256);
  std::vector<std::string> got;
  std::size_t pos = 0, step = 1;
  while (pos < all.size()) {
    c.feed(std::string_view(all).substr(pos, step));
    pos += step;
    step = step % 97 + 5;
    while (std::optional<SseEvent> e = c.next()) got.emplace_back(e->data);
    ASSERT_FALSE(c.overflowed());
  }
  EXPECT_EQ(got, want);
}

TEST(SseCutterTest, FieldParsing) {
  SseCutter c;
  c.feed(
      "data:{\"a\":1}\n\n"                        // no space after the colon
      "data:  two\n\n"                            // only one leading space dropped
      "data: a:b: c\n\n"                          // colons in the value stay
      "data: a\ndata:\ndata: b\n\n"               // an empty data line is an empty line of data
      "data\ndata: b\n\n"                         // a bare field name: empty value
      "event: first\nevent: second\ndata: x\n\n"  // the last event name wins
      "event\ndata: y\n\n"                        // bare event: empty name
      "Data: no\nDATA: no\ndata : no\nid: 1\nretry: 5\nfoo: bar\n\n");  // not data fields
  EXPECT_EQ(drain(c), (std::vector<Ev>{
                          {"", "{\"a\":1}", "data:{\"a\":1}\n\n"},
                          {"", " two", "data:  two\n\n"},
                          {"", "a:b: c", "data: a:b: c\n\n"},
                          {"", "a\n\nb", "data: a\ndata:\ndata: b\n\n"},
                          {"", "\nb", "data\ndata: b\n\n"},
                          {"second", "x", "event: first\nevent: second\ndata: x\n\n"},
                          {"", "y", "event\ndata: y\n\n"},
                          {"", "", "Data: no\nDATA: no\ndata : no\nid: 1\nretry: 5\nfoo: bar\n\n"},
                      }));
}

TEST(SseCutterTest, CommentsAndBareEventsAreYieldedWithoutData) {
  // A relay forwards keep-alives; readers skip events without data.
  SseCutter c;
  c.feed(": keep-alive\n\n:\n\nevent: ping\n\n: a\ndata: x\n: b\n\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "", ": keep-alive\n\n"},
                                       {"", "", ":\n\n"},
                                       {"ping", "", "event: ping\n\n"},
                                       {"", "x", ": a\ndata: x\n: b\n\n"}}));
}

TEST(SseCutterTest, BlankLinesBetweenEventsAreSkipped) {
  SseCutter c;
  c.feed("\n\r\n\ndata: a\n\n\n\r\n\ndata: b\n\n\n");
  EXPECT_EQ(drain(c), (std::vector<Ev>{{"", "a", "data: a\n\n"}, {"", "b", "data: b\n\n"}}));
  EXPECT_FALSE(c.rest());
}

TEST(SseCutterTest, MultiLineDataThenSingleLineData) {
  // Joined data lives in the cutter; a single data line is a view into the buffer. Both stay
  // valid until the next call.
  SseCutter c;
  c.feed("data: a\ndata: b\n\ndata: c\n\ndata: d\ndata: e\ndata: f\n\n");
  std::optional<SseEvent> e1 = c.next();
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->data, "a\nb");
  EXPECT_EQ(e1->raw, "data: a\ndata: b\n\n");
  std::optional<SseEvent> e2 = c.next();
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->data, "c");
  std::optional<SseEvent> e3 = c.next();
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->data, "d\ne\nf");
}

TEST(SseCutterTest, ByteOrderMarkAtTheStartIsDropped) {
  const std::string bom = "\xEF\xBB\xBF";
  for (std::size_t piece : {1u, 2u, 3u, 100u}) {
    SseCutter c;
    std::string all = bom + "data: a\n\ndata: " + bom + "b\n\n";
    std::vector<Ev> got;
    for (std::size_t i = 0; i < all.size(); i += piece) {
      c.feed(std::string_view(all).substr(i, piece));
      append(got, drain(c));
    }
    // Only the stream's first bytes are a byte order mark.
    EXPECT_EQ(
        got, (std::vector<Ev>{{"", "a", "data: a\n\n"}, {"", bom + "b", "data: " + bom + "b\n\n"}}))
        << piece;
  }
  SseCutter partial;  // a stream that is only the start of a mark
  partial.feed("\xEF\xBB");
  EXPECT_FALSE(partial.next());
}

TEST(SseCutterTest, OverflowOfPartialEvent) {
  SseCutter c(16);
  c.feed("data: 0123456789");  // exactly 16 bytes
  EXPECT_FALSE(c.next());
  EXPECT_FALSE(c.overflowed());
  c.feed("X");
  EXPECT_FALSE(c.next());
  EXPECT_TRUE(c.overflowed());
  c.feed("\n\ndata: ok\n\n");  // nothing more once overflowed
  EXPECT_FALSE(c.next());
  EXPECT_TRUE(c.overflowed());
  EXPECT_FALSE(c.rest());
}

TEST(SseCutterTest, OverflowOfCompleteEvent) {
  SseCutter c(16);
  c.feed("data: a\n\ndata: 0123456789abc\n\ndata: b\n\n");
  std::optional<SseEvent> first = c.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->data, "a");
  EXPECT_FALSE(c.next());
  EXPECT_TRUE(c.overflowed());
}

TEST(SseCutterTest, CompleteEventsTakenDoNotCountTowardOverflow) {
  SseCutter c(16);
  for (int i = 0; i < 50; ++i) {
    c.feed("data: abcdefgh\n\n");  // 16 bytes each
    EXPECT_EQ(drain(c).size(), 1u);
    EXPECT_FALSE(c.overflowed());
  }
  // Many complete events in one feed, well over the bound in total: each is within it.
  std::string many;
  for (int i = 0; i < 10; ++i) many += "data: x\n\n";
  c.feed(many);
  EXPECT_EQ(drain(c).size(), 10u);
  EXPECT_FALSE(c.overflowed());
}

TEST(SseCutterTest, RestTerminatesTheLeftOverEvent) {
  struct Case {
    std::string left;
    Ev want;
  };
  for (const Case& k : std::vector<Case>{
           {"data: x", {"", "x", "data: x\n\n"}},
           {"data: x\n", {"", "x", "data: x\n\n"}},
           {"data: x\r\n", {"", "x", "data: x\r\n\r\n"}},
           {"data: x\r", {"", "x", "data: x\r\n\r\n"}},
           {"event: e\ndata: a\ndata: b", {"e", "a\nb", "event: e\ndata: a\ndata: b\n\n"}},
           {": only a comment", {"", "", ": only a comment\n\n"}},
       }) {
    SseCutter c;
    c.feed("data: first\n\n" + k.left);
    ASSERT_EQ(drain(c).size(), 1u) << k.left;
    std::optional<SseEvent> rest = c.rest();
    ASSERT_TRUE(rest) << k.left;
    EXPECT_EQ(copy(*rest), k.want);
    EXPECT_FALSE(c.rest()) << "consumed";
    EXPECT_FALSE(c.next());
  }
  for (const char* blank : {"", "\n", " \r\n ", "\r"}) {
    SseCutter c;
    c.feed(blank);
    EXPECT_FALSE(c.next());
    EXPECT_FALSE(c.rest()) << testing::PrintToString(blank);
  }
}

}  // namespace
}  // namespace switchyard::providers
