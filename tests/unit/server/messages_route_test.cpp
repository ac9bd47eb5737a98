// POST /v1/messages routing (DESIGN §3): served with and without /v1, POST only, proxied as chat.

#include <gtest/gtest.h>

#include "switchyard/server/routes.hpp"

namespace switchyard::server {
namespace {

TEST(MessagesRouteTest, MatchedWithAndWithoutV1) {
  for (const char* path : {"/v1/messages", "/messages", "/v1/messages/"}) {
    RouteMatch m = matchRoute("POST", path);
    EXPECT_EQ(m.route, Route::kMessages) << path;
    EXPECT_TRUE(m.method_allowed) << path;
  }
  EXPECT_FALSE(matchRoute("GET", "/v1/messages").method_allowed);
  EXPECT_EQ(matchRoute("POST", "/v1/messages/batches").route, Route::kNotFound);
}

TEST(MessagesRouteTest, CountTokensRoute) {
  EXPECT_EQ(matchRoute("POST", "/v1/messages/count_tokens").route, Route::kCountTokens);
  EXPECT_EQ(matchRoute("POST", "/messages/count_tokens").route, Route::kCountTokens);
  EXPECT_TRUE(needsAuth(Route::kCountTokens));
  EXPECT_FALSE(endpointOf(Route::kCountTokens));
}

TEST(MessagesRouteTest, ProxiedAsChatWithAuth) {
  EXPECT_EQ(endpointOf(Route::kMessages), api::Endpoint::kChatCompletions);
  EXPECT_TRUE(needsAuth(Route::kMessages));
}

}  // namespace
}  // namespace switchyard::server
