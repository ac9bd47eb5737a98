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

}  // namespace
}  // namespace switchyard::redis
