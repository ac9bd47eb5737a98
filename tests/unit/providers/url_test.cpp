#include "switchyard/providers/url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace switchyard::providers {
namespace {

Url parseOk(std::string_view text) {
  std::optional<Url> u = parseUrl(text);
  EXPECT_TRUE(u.has_value()) << "rejected: " << text;
  return u.value_or(Url{});
}

TEST(ParseUrlTest, HttpDefaults) {
  Url u = parseOk("http://example.com");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.path, "");
  EXPECT_EQ(u.query, "");
}

TEST(ParseUrlTest, HttpsDefaults) {
  Url u = parseOk("https://api.openai.com/v1");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "api.openai.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.path, "/v1");
}

TEST(ParseUrlTest, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(parseOk("HTTPS://h").tls);
  EXPECT_FALSE(parseOk("Http://h").tls);
}

TEST(ParseUrlTest, ExplicitPorts) {
  EXPECT_EQ(parseOk("http://h:8080").port, 8080);
  EXPECT_EQ(parseOk("https://h:8443/v1").port, 8443);
  EXPECT_EQ(parseOk("http://h:1").port, 1);
  EXPECT_EQ(parseOk("http://h:65535").port, 65535);
  EXPECT_EQ(parseOk("https://h:80").port, 80);
  EXPECT_EQ(parseOk("http://127.0.0.1:4000/v1").host, "127.0.0.1");
}

TEST(ParseUrlTest, Ipv6Brackets) {
  Url u = parseOk("http://[::1]:8080/v1");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.path, "/v1");
  Url d = parseOk("https://[2001:db8::42]");
  EXPECT_EQ(d.host, "2001:db8::42");
  EXPECT_EQ(d.port, 443);
  EXPECT_EQ(d.path, "");
}

TEST(ParseUrlTest, TrailingSlashesTrimmed) {
  EXPECT_EQ(parseOk("http://h/").path, "");
  EXPECT_EQ(parseOk("http://h/v1/").path, "/v1");
  EXPECT_EQ(parseOk("http://h/openai/v1//").path, "/openai/v1");
  EXPECT_EQ(parseOk("http://h:81/a/b").path, "/a/b");
}

TEST(ParseUrlTest, QueryKeptFragmentDropped) {
  Url u = parseOk("https://h/openai/deployments/x/?api-version=2024-02-01&a=b");
  EXPECT_EQ(u.path, "/openai/deployments/x");
  EXPECT_EQ(u.query, "api-version=2024-02-01&a=b");
  Url q = parseOk("http://h?x=1");
  EXPECT_EQ(q.host, "h");
  EXPECT_EQ(q.path, "");
  EXPECT_EQ(q.query, "x=1");
  Url f = parseOk("http://h/v1?x=1#frag");
  EXPECT_EQ(f.path, "/v1");
  EXPECT_EQ(f.query, "x=1");
  Url g = parseOk("http://h/v1#frag?notquery");
  EXPECT_EQ(g.path, "/v1");
  EXPECT_EQ(g.query, "");
}

TEST(ParseUrlTest, RejectsOtherSchemes) {
  for (const char* bad : {"ftp://h/x", "ws://h", "file:///etc/passwd", "mock://switchyard", "h:80",
                          "example.com", "//example.com", "", "http:/h", "https:h", "httpx://h"}) {
    EXPECT_FALSE(parseUrl(bad).has_value()) << bad;
  }
}

TEST(ParseUrlTest, RejectsUserinfo) {
  for (const char* bad :
       {"http://user:pass@h", "https://user@h/v1", "http://@h", "http://u:p@[::1]:80"}) {
    EXPECT_FALSE(parseUrl(bad).has_value()) << bad;
  }
}

TEST(ParseUrlTest, RejectsEmptyHost) {
  for (const char* bad : {"http://", "https:///v1", "http://:80", "http://[]:80", "http://?x=1"}) {
    EXPECT_FALSE(parseUrl(bad).has_value()) << bad;
  }
}

TEST(ParseUrlTest, RejectsBadPort) {
  for (const char* bad : {"http://h:0", "http://h:65536", "http://h:99999999999", "http://h:abc",
                          "http://h:-1", "http://h:+80", "http://h:80x", "http://h:8 0",
                          "http://[::1]x", "http://[::1]:abc", "http://[::1"}) {
    EXPECT_FALSE(parseUrl(bad).has_value()) << bad;
  }
}

TEST(ParseUrlTest, RejectsUnbracketedIpv6) {
  // An IPv6 literal must be bracketed; "::1" would otherwise parse as host ":" port 1.
  EXPECT_FALSE(parseUrl("http://::1").has_value());
  EXPECT_FALSE(parseUrl("http://2001:db8::1/v1").has_value());
  EXPECT_FALSE(parseUrl("http://a:b:80").has_value());
}

TEST(UrlTest, HostHeaderOmitsDefaultPort) {
  EXPECT_EQ(parseOk("http://h").hostHeader(), "h");
  EXPECT_EQ(parseOk("http://h:80").hostHeader(), "h");
  EXPECT_EQ(parseOk("https://h").hostHeader(), "h");
  EXPECT_EQ(parseOk("https://h:443/v1").hostHeader(), "h");
  EXPECT_EQ(parseOk("http://h:8080").hostHeader(), "h:8080");
  EXPECT_EQ(parseOk("http://h:443").hostHeader(), "h:443");
  EXPECT_EQ(parseOk("https://h:80").hostHeader(), "h:80");
}

TEST(UrlTest, HostHeaderBracketsIpv6) {
  EXPECT_EQ(parseOk("http://[::1]").hostHeader(), "[::1]");
  EXPECT_EQ(parseOk("http://[::1]:8080").hostHeader(), "[::1]:8080");
  EXPECT_EQ(parseOk("https://[2001:db8::1]:443").hostHeader(), "[2001:db8::1]");
}

TEST(UrlTest, OriginAlwaysHasSchemeAndPortNoPathNoQuery) {
  EXPECT_EQ(parseOk("http://h").origin(), "http://h:80");
  EXPECT_EQ(parseOk("https://api.openai.com/v1?x=secret").origin(), "https://api.openai.com:443");
  EXPECT_EQ(parseOk("http://[::1]:4000/v1").origin(), "http://[::1]:4000");
  EXPECT_EQ(parseOk("HTTPS://h:8443").origin(), "https://h:8443");
}

TEST(UrlTest, OriginDistinguishesSchemeAndPort) {
  EXPECT_NE(parseOk("http://h:443").origin(), parseOk("https://h").origin());
  EXPECT_NE(parseOk("http://h:81").origin(), parseOk("http://h").origin());
}

}  // namespace
}  // namespace switchyard::providers
