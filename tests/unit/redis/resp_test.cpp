// RESP2 framing: commands as arrays of bulk strings; replies parsed incrementally, every type,
// split anywhere; garbage and oversized replies are protocol errors.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "redis/resp.hpp"

namespace switchyard::redis {
namespace {

TEST(RespTest, CommandsAreArraysOfBulkStrings) {
  std::string out;
  std::vector<std::string> args{"SET", "k", std::string("a\r\nb\0c", 6)};
  appendCommand(out, args);
  EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n", 32));
  std::vector<std::string> empty{"GET", ""};
  out.clear();
  appendCommand(out, empty);
  EXPECT_EQ(out, "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(RespTest, EveryReplyTypeSplitAtEveryByte) {
  const std::string wire =
      "+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*3\r\n:1\r\n$1\r\nx\r\n*-1\r\n";
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    Reader r(1 << 20);
    std::vector<Value> got;
    Value v;
    for (const std::string& part : {wire.substr(0, cut), wire.substr(cut)}) {
      ASSERT_TRUE(r.feed(part.data(), part.size()));
      Reader::Status st;
      while ((st = r.next(v)) == Reader::Status::kReply) got.push_back(v);
      ASSERT_EQ(st, Reader::Status::kNeedMore) << r.error();
    }
    ASSERT_EQ(got.size(), 6u) << "cut at " << cut;
    EXPECT_EQ(got[0].type, Value::Type::kStatus);
    EXPECT_EQ(got[0].str, "OK");
    EXPECT_TRUE(got[1].isError());
    EXPECT_EQ(got[1].str, "ERR wrong");
    EXPECT_EQ(got[2].integer, 42);
    EXPECT_EQ(got[3].str, "hello");
    EXPECT_TRUE(got[4].isNil());
    ASSERT_EQ(got[5].type, Value::Type::kArray);
    ASSERT_EQ(got[5].elements.size(), 3u);
    EXPECT_EQ(got[5].elements[1].str, "x");
    EXPECT_TRUE(got[5].elements[2].isNil());
  }
}

TEST(RespTest, GarbageIsAProtocolError) {
  Reader r(1 << 20);
  const std::string junk = "HTTP/1.1 200 OK\r\n";
  r.feed(junk.data(), junk.size());
  Value v;
  EXPECT_EQ(r.next(v), Reader::Status::kProtocolError);
  EXPECT_FALSE(r.error().empty());
}

TEST(RespTest, AReplyLargerThanTheBoundIsAProtocolError) {
  Reader r(1024);
  std::string head = "$1000000\r\n" + std::string(2000, 'a');
  r.feed(head.data(), head.size());
  Value v;
  EXPECT_EQ(r.next(v), Reader::Status::kProtocolError);
  EXPECT_NE(r.error().find("larger"), std::string::npos) << r.error();
}

TEST(RespTest, AnnouncedSizesNoBoundedReplyCanHoldAreRefusedBeforeAllocating) {
  // Found by fuzz/redis_reply: hiredis's reader allocated 6.8 GB for this header alone.
  for (const std::string head :
       {"*854775808\r\n", "*9223372036854775807\r\n", "$99999999999\r\n"}) {
    Reader r(64 << 10);
    r.feed(head.data(), head.size());
    Value v;
    EXPECT_EQ(r.next(v), Reader::Status::kProtocolError) << head;
    EXPECT_TRUE(r.error().find("over") != std::string::npos ||
                r.error().find("larger") != std::string::npos)
        << r.error();
  }
  for (const std::string junk : {"*-2\r\n", "$-5\r\n", ":12x\r\n", "*1a\r\n", "%2\r\n"}) {
    Reader r(64 << 10);
    r.feed(junk.data(), junk.size());
    Value v;
    EXPECT_EQ(r.next(v), Reader::Status::kProtocolError) << junk;
  }
}

TEST(RespTest, NestingOverSixteenLevelsIsAProtocolError) {
  std::string ok, deep;
  for (int i = 0; i < 16; ++i) ok += "*1\r\n";
  ok += ":7\r\n";
  for (int i = 0; i < 17; ++i) deep += "*1\r\n";
  deep += ":7\r\n";
  Reader r(1 << 20);
  r.feed(ok.data(), ok.size());
  Value v;
  ASSERT_EQ(r.next(v), Reader::Status::kReply) << r.error();
  const Value* inner = &v;
  for (int i = 0; i < 16; ++i) inner = &inner->elements.at(0);
  EXPECT_EQ(inner->integer, 7);
  Reader d(1 << 20);
  d.feed(deep.data(), deep.size());
  EXPECT_EQ(d.next(v), Reader::Status::kProtocolError);
}

TEST(RespTest, ABigReplyInManyReadsIsParsedAsItComes) {
  // 20,000 elements in 100-byte reads, then the next reply: both whole, in order.
  std::string wire = "*20000\r\n";
  for (int i = 0; i < 20000; ++i) wire += "$5\r\nv" + std::to_string(10000 + i).substr(1) + "\r\n";
  wire += "+OK\r\n";
  Reader r(1 << 20);
  std::vector<Value> got;
  for (std::size_t at = 0; at < wire.size(); at += 100) {
    const std::string part = wire.substr(at, 100);
    r.feed(part.data(), part.size());
    Value v;
    Reader::Status st;
    while ((st = r.next(v)) == Reader::Status::kReply) got.push_back(std::move(v));
    ASSERT_EQ(st, Reader::Status::kNeedMore) << r.error();
  }
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(got[0].elements.size(), 20000u);
  EXPECT_EQ(got[0].elements[0].str, "v0000");
  EXPECT_EQ(got[0].elements[19999].str, "v9999");
  EXPECT_EQ(got[1].str, "OK");
}

}  // namespace
}  // namespace switchyard::redis
