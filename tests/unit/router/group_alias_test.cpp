// router_settings.model_group_alias: an alias serves the group it names (LiteLLM: the alias is
// looked up first); hidden aliases work but are not listed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "router_test_util.hpp"

namespace switchyard::router::test {
namespace {

TEST(GroupAliasTest, AliasesServeTheirGroupAndHiddenOnesAreNotListed) {
  config::Config cfg = loadYaml(R"(
model_list:
  - model_name: small
    litellm_params: {model: mock/small}
    model_info: {id: s1}
  - model_name: big
    litellm_params: {model: mock/big}
    model_info: {id: b1}
router_settings:
  model_group_alias:
    gpt-4: small
    secret: {model: big, hidden: true}
    big: small
)");
  ASSERT_EQ(cfg.router_settings.model_group_alias.size(), 3u);
  EXPECT_TRUE(cfg.router_settings.model_group_alias[1].hidden);
  Router router(cfg);
  EXPECT_EQ(router.groupOf("gpt-4"), "small");
  EXPECT_EQ(router.groupOf("secret"), "big");
  EXPECT_EQ(router.groupOf("big"),
            "small");  // the alias wins over a model_list name, as in LiteLLM
  EXPECT_TRUE(router.hasAlias("gpt-4"));
  EXPECT_TRUE(router.hasAlias("secret"));
  EXPECT_THAT(router.aliases(), ::testing::ElementsAre("small", "big", "gpt-4"));
  std::mt19937_64 rng(1);
  Attempts attempts;
  SelectInput in{false, 1, &attempts, 1};
  Selection sel = router.select("secret", in, rng);
  ASSERT_TRUE(sel);
  EXPECT_EQ(sel.deployment->id, "b1");
}

TEST(GroupAliasTest, MalformedAliasIsAnError) {
  auto r = config::loadConfigText("router_settings:\n  model_group_alias:\n    a: {hidden: true}\n",
                                  "alias.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(
      r.error().message.find("router_settings.model_group_alias.a: expected a model group name"),
      std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace switchyard::router::test
