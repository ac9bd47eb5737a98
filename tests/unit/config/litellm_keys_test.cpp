// LiteLLM keys added with issue 9: credential_list, tags and tag filtering, wildcard deployments,
// every error of a file reported at once. The ignored-key listing is in litellm_ignored_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "switchyard/config/config.hpp"
#include "unit/config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::ignoredOf;
using testing::loadError;
using testing::loadOk;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// --- credential_list -----------------------------------------------------------------------------

TEST(CredentialListTest, FillsWhatTheDeploymentDoesNotSet) {
  LoadResult r = loadOk(R"(credential_list:
  - credential_name: azure-east
    credential_values:
      api_key: sk-cred-key
      api_base: https://east.example.com
      api_version: "2024-06-01"
    credential_info:
      description: the east region
model_list:
  - model_name: a
    litellm_params:
      model: azure/gpt-4o
      litellm_credential_name: azure-east
  - model_name: b
    litellm_params:
      model: azure/gpt-4o
      litellm_credential_name: azure-east
      api_key: sk-own-key
      api_base: https://own.example.com
)");
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_THAT(ignoredOf(r), IsEmpty()) << "credential_info is for people, not ignored";
  ASSERT_EQ(r.config.model_list.size(), 2u);
  const Deployment& a = r.config.model_list[0];
  EXPECT_EQ(a.api_key, "sk-cred-key");
  EXPECT_EQ(a.api_base, "https://east.example.com");
  EXPECT_EQ(a.api_version, "2024-06-01");
  const Deployment& b = r.config.model_list[1];
  EXPECT_EQ(b.api_key, "sk-own-key");                // the deployment's own values win
  EXPECT_EQ(b.api_base, "https://own.example.com");  //
  EXPECT_EQ(b.api_version, "2024-06-01");            // what it does not set comes from the list
}

TEST(CredentialListTest, OrderInTheFileDoesNotMatter) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      litellm_credential_name: later
credential_list:
  - credential_name: later
    credential_values: {api_key: sk-later, api_base: https://later.example.com}
)");
  EXPECT_THAT(r.warnings, IsEmpty());
  ASSERT_EQ(r.config.model_list.size(), 1u);
  EXPECT_EQ(r.config.model_list[0].api_key, "sk-later");
  EXPECT_EQ(r.config.model_list[0].api_base, "https://later.example.com");
}

TEST(CredentialListTest, UnknownCredentialNameWarnsAndLoads) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      litellm_credential_name: nope
)");
  ASSERT_THAT(r.warnings, SizeIs(1));
  EXPECT_THAT(r.warnings[0],
              AllOf(HasSubstr("model_list[0].litellm_params.litellm_credential_name"),
                    HasSubstr("\"nope\""), HasSubstr("line 5")));
  EXPECT_TRUE(r.config.model_list[0].api_key.empty());
}

TEST(CredentialListTest, MissingCredentialNameIsAnError) {
  std::string msg = loadError(R"(credential_list:
  - credential_values: {api_key: sk-x}
)");
  EXPECT_THAT(msg, HasSubstr("credential_list[0].credential_name"));
  EXPECT_THAT(msg, HasSubstr("line 2"));
}

TEST(CredentialListTest, UnsupportedCredentialValueIsListedAsIgnored) {
  LoadResult r = loadOk(R"(credential_list:
  - credential_name: vertex
    credential_values:
      api_key: sk-x
      vertex_project: my-project
)");
  ASSERT_THAT(r.ignored, SizeIs(1));
  EXPECT_EQ(r.ignored[0].path, "credential_list[0].credential_values.vertex_project");
  EXPECT_EQ(r.ignored[0].line, 5);
  EXPECT_THAT(r.ignored[0].reason, Not(HasSubstr("unknown key")));
  EXPECT_THAT(r.ignored[0].reason, HasSubstr("not implemented"));
}

TEST(CredentialListTest, DuplicateNameWarnsAndTheFirstIsUsed) {
  LoadResult r = loadOk(R"(credential_list:
  - credential_name: c
    credential_values: {api_base: https://first.example.com}
  - credential_name: c
    credential_values: {api_base: https://second.example.com}
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, litellm_credential_name: c}
)");
  ASSERT_THAT(r.warnings, SizeIs(1));
  EXPECT_THAT(r.warnings[0], AllOf(HasSubstr("duplicate"), HasSubstr("credential_list[1]"),
                                   HasSubstr("\"c\""), HasSubstr("line 4")));
  EXPECT_EQ(r.config.model_list[0].api_base, "https://first.example.com");
}

TEST(CredentialListTest, SecretsNeverAppearInMessages) {
  const std::string yaml = R"(credential_list:
  - credential_name: dup
    credential_values: {api_key: sk-secret-one, vertex_credentials: sk-secret-two}
  - credential_name: dup
    credential_values: {api_key: sk-secret-three}
  - credential_values: {api_key: sk-secret-four}
  - credential_name: bad
    credential_values: {api_key: [sk-secret-five], api_version: sk-secret-six, extra: sk-secret-7}
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, litellm_credential_name: missing}
  - model_name: b
    litellm_params: {model: openai/gpt-4o, litellm_credential_name: dup, rpm: sk-secret-eight}
)";
  CheckResult c = checkConfigText(yaml, "test.yaml");
  EXPECT_THAT(c.errors, Not(IsEmpty()));
  EXPECT_THAT(c.loaded.warnings, Not(IsEmpty()));
  EXPECT_THAT(c.loaded.ignored, Not(IsEmpty()));
  std::vector<std::string> all = c.errors;
  for (const std::string& w : logMessages(c.loaded)) all.push_back(w);
  for (const std::string& m : all) EXPECT_THAT(m, Not(HasSubstr("sk-secret"))) << m;
}

// --- tags ----------------------------------------------------------------------------------------

TEST(TagsTest, LitellmParamsTagsAndTagFilteringSettings) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, tags: [fast, "default"]}
  - model_name: b
    litellm_params: {model: openai/gpt-4o}
router_settings:
  enable_tag_filtering: true
  tag_filtering_match_any: false
)");
  EXPECT_THAT(r.config.model_list[0].tags, ElementsAre("fast", "default"));
  EXPECT_THAT(r.config.model_list[1].tags, IsEmpty());
  EXPECT_TRUE(r.config.router_settings.enable_tag_filtering);
  EXPECT_FALSE(r.config.router_settings.tag_filtering_match_any);
  EXPECT_THAT(ignoredOf(r), IsEmpty());
}

TEST(TagsTest, TagFilteringDefaultsAndYaml11Booleans) {
  LoadResult none = loadOk("router_settings: {}\n");
  EXPECT_FALSE(none.config.router_settings.enable_tag_filtering);
  EXPECT_TRUE(none.config.router_settings.tag_filtering_match_any);
  LoadResult r = loadOk(
      "router_settings:\n  enable_tag_filtering: yes\n"
      "  tag_filtering_match_any: off\n");
  EXPECT_TRUE(r.config.router_settings.enable_tag_filtering);
  EXPECT_FALSE(r.config.router_settings.tag_filtering_match_any);
  std::string msg = loadError("router_settings:\n  enable_tag_filtering: sometimes\n");
  EXPECT_THAT(msg, HasSubstr("router_settings.enable_tag_filtering: expected true or false"));
  EXPECT_THAT(msg, HasSubstr("line 2"));
}

TEST(TagsTest, TagsNotAListOfStringsIsAnError) {
  std::string msg = loadError(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      tags: {fast: true}
)");
  EXPECT_THAT(msg, HasSubstr("model_list[0].litellm_params.tags: expected a list of strings"));
  EXPECT_THAT(msg, HasSubstr("line 5"));
  std::string nested = loadError(R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      tags: [fast, [slow]]
)");
  EXPECT_THAT(nested, HasSubstr("model_list[0].litellm_params.tags[1]: expected a string"));
  EXPECT_THAT(nested, HasSubstr("line 5"));
}

// --- wildcard deployments ------------------------------------------------------------------------

TEST(WildcardConfigTest, ProviderWildcard) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: "openai/*"
    litellm_params: {model: "openai/*"}
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o}
)");
  const Deployment& w = r.config.model_list[0];
  EXPECT_TRUE(w.wildcard);
  EXPECT_EQ(w.provider, "openai");
  EXPECT_FALSE(w.infer_provider);
  EXPECT_FALSE(r.config.model_list[1].wildcard);
}

TEST(WildcardConfigTest, StarModelInfersTheProvider) {
  CheckResult c = checkConfigText(R"(model_list:
  - model_name: "*"
    litellm_params: {model: "*"}
)");
  EXPECT_THAT(c.errors, IsEmpty());
  ASSERT_EQ(c.loaded.config.model_list.size(), 1u);
  const Deployment& d = c.loaded.config.model_list[0];
  EXPECT_TRUE(d.wildcard);
  EXPECT_TRUE(d.infer_provider);
  EXPECT_TRUE(d.provider.empty());
  EXPECT_EQ(d.model, "*");
}

TEST(WildcardConfigTest, StarModelWithCustomProvider) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: "*"
    litellm_params: {model: "*", custom_llm_provider: openai}
)");
  const Deployment& d = r.config.model_list[0];
  EXPECT_TRUE(d.wildcard);
  EXPECT_EQ(d.provider, "openai");
  EXPECT_FALSE(d.infer_provider);
  EXPECT_EQ(d.model_id, "*");
}

// --- every error at once -------------------------------------------------------------------------

TEST(AllErrorsTest, ThreeSectionsThreeErrorsInFileOrder) {
  const std::string yaml = R"(model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      rpm: lots
router_settings:
  num_retries: many
general_settings:
  max_request_size_mb: big
)";
  CheckResult c = checkConfigText(yaml, "test.yaml");
  ASSERT_THAT(c.errors, SizeIs(3));
  EXPECT_THAT(c.errors[0], AllOf(HasSubstr("model_list[0].litellm_params.rpm"),
                                 HasSubstr("expected an integer"), HasSubstr("line 5")));
  EXPECT_THAT(c.errors[1], AllOf(HasSubstr("router_settings.num_retries"),
                                 HasSubstr("expected an integer"), HasSubstr("line 7")));
  EXPECT_THAT(c.errors[2], AllOf(HasSubstr("general_settings.max_request_size_mb"),
                                 HasSubstr("expected a number"), HasSubstr("line 9")));
  std::string msg = loadError(yaml);
  EXPECT_EQ(msg, c.errors[0] + "\n" + c.errors[1] + "\n" + c.errors[2]);
}

// --- small LiteLLM keys --------------------------------------------------------------------------

TEST(LitellmKeysTest, OrganizationBecomesTheOpenAiOrganizationHeader) {
  LoadResult r = loadOk(R"(model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, organization: org-1}
)");
  const auto& h = r.config.model_list[0].headers;
  ASSERT_TRUE(h.contains("OpenAI-Organization"));
  EXPECT_EQ(h.at("OpenAI-Organization"), "org-1");
  EXPECT_THAT(ignoredOf(r), IsEmpty());
}

TEST(LitellmKeysTest, MaxResponseSizeMbRoundsUp) {
  LoadResult r = loadOk("general_settings:\n  max_response_size_mb: 2.5\n");
  EXPECT_EQ(r.config.general_settings.max_upstream_response_mb, 3u);
  EXPECT_THAT(ignoredOf(r), IsEmpty());
}

}  // namespace
}  // namespace switchyard::config
