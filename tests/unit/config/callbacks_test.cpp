// Callbacks: otel from the OTEL_* variables, generic_api webhooks from callback_settings or the
// GENERIC_LOGGER_* variables, message logging (config/callbacks.cpp).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "load_helpers.hpp"

namespace switchyard::config {
namespace {

using ::testing::HasSubstr;
using testing::loadError;
using testing::loadOk;
using testing::ScopedEnv;

TEST(CallbacksTest, OtelReadsTheStandardVariables) {
  ScopedEnv a("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/");
  ScopedEnv b("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20tok, x-scope = tenant-1");
  ScopedEnv c("OTEL_SERVICE_NAME", "llm-gw");
  ScopedEnv d("OTEL_BSP_SCHEDULE_DELAY", "250");
  ScopedEnv e("OTEL_EXPORTER_OTLP_TIMEOUT", "3000");
  LoadResult r = loadOk("litellm_settings:\n  callbacks: [\"otel\", \"prometheus\"]\n");
  ASSERT_TRUE(r.config.litellm_settings.otel);
  const OtelSettings& o = *r.config.litellm_settings.otel;
  EXPECT_TRUE(r.config.litellm_settings.otel.has_value());
  EXPECT_EQ(o.endpoint, "http://collector:4318/v1/traces");
  EXPECT_EQ(o.headers.at("authorization"), "Bearer tok");
  EXPECT_EQ(o.headers.at("x-scope"), "tenant-1");
  EXPECT_EQ(o.service_name, "llm-gw");
  EXPECT_DOUBLE_EQ(o.schedule_delay_s, 0.25);
  EXPECT_DOUBLE_EQ(o.timeout_s, 3);
  EXPECT_TRUE(r.config.litellm_settings.webhooks.empty());
}

TEST(CallbacksTest, OtelDefaultsAndTheTracesEndpointAsIs) {
  {
    ScopedEnv a("OTEL_EXPORTER_OTLP_ENDPOINT", nullptr);
    ScopedEnv b("OTEL_ENDPOINT", nullptr);
    ScopedEnv c("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", nullptr);
    LoadResult r = loadOk("litellm_settings:\n  success_callback: [\"otel\"]\n");
    ASSERT_TRUE(r.config.litellm_settings.otel);
    EXPECT_EQ(r.config.litellm_settings.otel->endpoint, "http://localhost:4318/v1/traces");
    EXPECT_EQ(r.config.litellm_settings.otel->service_name, "switchyard");
  }
  ScopedEnv t("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://otel.example/custom/path");
  LoadResult r = loadOk("litellm_settings:\n  callbacks: otel\n");
  EXPECT_EQ(r.config.litellm_settings.otel->endpoint, "https://otel.example/custom/path");
  // No otel in the lists: no tracing.
  EXPECT_FALSE(loadOk("litellm_settings:\n  callbacks: [prometheus]\n").config.litellm_settings.otel.has_value());
}

TEST(CallbacksTest, TheSamplerFollowsOtelTracesSampler) {
  {
    LoadResult r = loadOk("litellm_settings:\n  callbacks: [otel]\n");
    EXPECT_TRUE(r.config.litellm_settings.otel->parent_based);
    EXPECT_EQ(r.config.litellm_settings.otel->sample_ratio, 1);
  }
  {
    ScopedEnv a("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
    ScopedEnv b("OTEL_TRACES_SAMPLER_ARG", "0.1");
    LoadResult r = loadOk("litellm_settings:\n  callbacks: [otel]\n");
    EXPECT_TRUE(r.config.litellm_settings.otel->parent_based);
    EXPECT_DOUBLE_EQ(r.config.litellm_settings.otel->sample_ratio, 0.1);
  }
  {
    ScopedEnv a("OTEL_TRACES_SAMPLER", "always_off");
    LoadResult r = loadOk("litellm_settings:\n  callbacks: [otel]\n");
    EXPECT_FALSE(r.config.litellm_settings.otel->parent_based);
    EXPECT_EQ(r.config.litellm_settings.otel->sample_ratio, 0);
  }
  ScopedEnv a("OTEL_TRACES_SAMPLER", "jaeger_remote");
  LoadResult r = loadOk("litellm_settings:\n  callbacks: [otel]\n");
  EXPECT_EQ(r.config.litellm_settings.otel->sample_ratio, 1);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_THAT(r.warnings.back(), HasSubstr("jaeger_remote"));
}

TEST(CallbacksTest, GenericApiWebhooksFromCallbackSettings) {
  LoadResult r = loadOk(R"(litellm_settings:
  callbacks: ["audit"]
  failure_callback: ["alerts"]
callback_settings:
  audit:
    callback_type: generic_api
    endpoint: https://hooks.example/in
    headers: {Authorization: "Bearer x"}
    event_types: [llm_api_success]
    log_format: ndjson
  alerts:
    callback_type: generic_api
    endpoint: http://127.0.0.1:9000/alerts
)");
  const auto& w = r.config.litellm_settings.webhooks;
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "audit");
  EXPECT_EQ(w[0].endpoint, "https://hooks.example/in");
  EXPECT_EQ(w[0].headers.at("Authorization"), "Bearer x");
  EXPECT_TRUE(w[0].on_success);
  EXPECT_FALSE(w[0].on_failure);
  EXPECT_EQ(w[0].format, WebhookSettings::Format::kNdjson);
  EXPECT_EQ(w[1].name, "alerts");
  EXPECT_FALSE(w[1].on_success) << "named only in failure_callback";
  EXPECT_TRUE(w[1].on_failure);
}

TEST(CallbacksTest, GenericApiFromTheEnvironmentAndItsErrors) {
  {
    ScopedEnv a("GENERIC_LOGGER_ENDPOINT", "http://127.0.0.1:1234/log");
    ScopedEnv b("GENERIC_LOGGER_HEADERS", "x-api-key=k1");
    LoadResult r = loadOk("litellm_settings:\n  callbacks: [generic_api]\n");
    ASSERT_EQ(r.config.litellm_settings.webhooks.size(), 1u);
    EXPECT_EQ(r.config.litellm_settings.webhooks[0].headers.at("x-api-key"), "k1");
  }
  ScopedEnv a("GENERIC_LOGGER_ENDPOINT", nullptr);
  EXPECT_THAT(loadError("litellm_settings:\n  callbacks: [generic_api]\n"),
              HasSubstr("GENERIC_LOGGER_ENDPOINT"));
  EXPECT_THAT(loadError("litellm_settings:\n  callbacks: [x]\ncallback_settings:\n  x:\n"
                        "    callback_type: generic_api\n    endpoint: ftp://nope\n"),
              HasSubstr("callback_settings.x.endpoint"));
  EXPECT_THAT(loadError("callback_settings:\n  x:\n    callback_type: generic_api\n"
                        "    event_types: [llm_api_whatever]\n"),
              HasSubstr("llm_api_whatever"));
}

TEST(CallbacksTest, UnimplementedCallbacksAreListedAndMessagesAreOffByDefault) {
  LoadResult r = loadOk("litellm_settings:\n  callbacks: [\"langfuse\", \"otel\"]\n");
  ASSERT_EQ(r.ignored.size(), 1u);
  EXPECT_EQ(r.ignored[0].path, "litellm_settings.callbacks");
  EXPECT_THAT(r.ignored[0].reason, HasSubstr("langfuse"));
  EXPECT_FALSE(r.config.litellm_settings.log_messages);
  EXPECT_FALSE(loadOk("litellm_settings:\n  turn_off_message_logging: true\n")
                   .config.litellm_settings.log_messages);
  EXPECT_TRUE(loadOk("litellm_settings:\n  turn_off_message_logging: false\n")
                  .config.litellm_settings.log_messages);
  EXPECT_TRUE(loadOk("litellm_settings:\n  log_messages: true\n").config.litellm_settings.log_messages);
}

}  // namespace
}  // namespace switchyard::config
