#include "switchyard/auth/auth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::auth {
namespace {

TEST(PickTokenTest, NoHeadersGiveEmpty) { EXPECT_EQ(pickToken("", "", "", ""), ""); }

TEST(PickTokenTest, BearerAuthorization) {
  EXPECT_EQ(pickToken("Bearer sk-1", "", "", ""), "sk-1");
}

TEST(PickTokenTest, BearerIsCaseInsensitive) {
  for (const char* auth : {"Bearer sk-1", "bearer sk-1", "BEARER sk-1", "bEaReR sk-1"}) {
    EXPECT_EQ(pickToken(auth, "", "", ""), "sk-1") << auth;
  }
}

TEST(PickTokenTest, TrimsSpacesAndTabs) {
  EXPECT_EQ(pickToken("  Bearer   sk-1  ", "", "", ""), "sk-1");
  EXPECT_EQ(pickToken("\tBearer \t sk-1\t", "", "", ""), "sk-1");
  EXPECT_EQ(pickToken("", "  sk-x ", "", ""), "sk-x");
  EXPECT_EQ(pickToken("", "", "\tsk-a\t", ""), "sk-a");
  EXPECT_EQ(pickToken("", "", "", " sk-l "), "sk-l");
}

TEST(PickTokenTest, BareAuthorizationValueIsTheToken) {
  EXPECT_EQ(pickToken("sk-bare", "", "", ""), "sk-bare");
  // A token that merely starts with the letters of "bearer" is not stripped.
  EXPECT_EQ(pickToken("bearerish-key", "", "", ""), "bearerish-key");
}

TEST(PickTokenTest, AuthorizationWinsOverOtherHeaders) {
  EXPECT_EQ(pickToken("Bearer a", "x", "b", "l"), "a");
}

TEST(PickTokenTest, PrecedenceOfTheOtherHeaders) {
  EXPECT_EQ(pickToken("", "x", "b", "l"), "x");
  EXPECT_EQ(pickToken("", "", "b", "l"), "b");
  EXPECT_EQ(pickToken("", "", "", "l"), "l");
}

TEST(PickTokenTest, BlankHeadersAreSkipped) {
  EXPECT_EQ(pickToken("   ", " \t ", "", "l"), "l");
  // "Bearer " with nothing after it falls through to the next header.
  EXPECT_EQ(pickToken("Bearer    ", "x", "", ""), "x");
}

TEST(ConstantTimeEqualsTest, Basics) {
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_TRUE(constantTimeEquals("sk-1234", "sk-1234"));
  EXPECT_FALSE(constantTimeEquals("sk-1234", "sk-1235"));
  EXPECT_FALSE(constantTimeEquals("sk-1234", "Sk-1234"));
  EXPECT_FALSE(constantTimeEquals("sk-1234", "sk-123"));
  EXPECT_FALSE(constantTimeEquals("sk-123", "sk-1234"));
  EXPECT_FALSE(constantTimeEquals("", "a"));
  EXPECT_FALSE(constantTimeEquals("a", ""));
}

TEST(ConstantTimeEqualsTest, ComparesEmbeddedNulAndHighBytes) {
  std::string a("ab\0cd", 5), b("ab\0ce", 5), c("ab\0cd", 5);
  EXPECT_FALSE(constantTimeEquals(a, b));
  EXPECT_TRUE(constantTimeEquals(a, c));
  EXPECT_FALSE(constantTimeEquals("\xff\x01", "\xff\x02"));
  EXPECT_TRUE(constantTimeEquals("\xff\x80", "\xff\x80"));
}

TEST(AuthenticateTest, OpenGatewayWithoutMasterKey) {
  for (const char* token : {"", "anything"}) {
    api::Result<Principal> p = authenticate(token, "");
    ASSERT_TRUE(p.has_value()) << token;
    EXPECT_TRUE(p->is_master);
  }
}

TEST(AuthenticateTest, MissingKey) {
  api::Result<Principal> p = authenticate("", "sk-master");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().kind, api::ErrorKind::kUnauthorized);
  EXPECT_EQ(p.error().httpStatus(), 401u);
  EXPECT_NE(p.error().message.find("no API key"), std::string::npos);
}

TEST(AuthenticateTest, WrongKey) {
  for (const char* token : {"sk-maste", "sk-masterr", "SK-MASTER", "wrong"}) {
    api::Result<Principal> p = authenticate(token, "sk-master");
    ASSERT_FALSE(p.has_value()) << token;
    EXPECT_EQ(p.error().kind, api::ErrorKind::kUnauthorized);
    // Neither the presented token nor the master key is echoed back.
    EXPECT_EQ(p.error().message.find("sk-master"), std::string::npos);
    EXPECT_EQ(p.error().toJson().find(token), std::string::npos);
  }
}

TEST(AuthenticateTest, RightKey) {
  api::Result<Principal> p = authenticate("sk-master", "sk-master");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->is_master);
  EXPECT_EQ(p->key_alias.find("sk-master"), std::string::npos);
}

TEST(AuthenticateTest, PickedTokenAuthenticates) {
  EXPECT_TRUE(authenticate(pickToken("bearer  sk-master ", "", "", ""), "sk-master").has_value());
  EXPECT_TRUE(authenticate(pickToken("", "sk-master", "", ""), "sk-master").has_value());
  EXPECT_FALSE(authenticate(pickToken("Basic sk-master", "", "", ""), "sk-master").has_value());
}

}  // namespace
}  // namespace switchyard::auth
