#pragma once
// An OpenAI-format fake upstream whose chat completions report a usage chosen by the test, with
// prompt_tokens_details.cached_tokens and completion_tokens_details.reasoning_tokens (the plain
// FakeOpenAI reports body-size / 4 prompt tokens and no details). Spend tests need exact usage.
//
// It is a FakeDialect over FakeOpenAI's server: construct FakeOpenAI with
// Options{.dialect = dialect}. Serves POST {/v1}/chat/completions: non-stream (one
// chat.completion with `usage`) and stream (role chunk, one content chunk, finish chunk, then,
// when the request asks stream_options.include_usage, a usage chunk with empty choices, then
// [DONE]). Behavior kError answers `status` with an OpenAI error body. Thread-safe.

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fake_openai.hpp"

namespace switchyard::test {

struct FixedUsage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;     // prompt_tokens_details.cached_tokens
  int reasoning_tokens = 0;  // completion_tokens_details.reasoning_tokens
  nlohmann::json toJson() const;
};

class FixedUsageDialect final : public FakeDialect {
 public:
  explicit FixedUsageDialect(FixedUsage usage, std::string content = "fixed answer")
      : usage_(usage), content_(std::move(content)) {}

  void setUsage(FixedUsage u) {
    std::lock_guard lk(mu_);
    usage_ = u;
  }
  FixedUsage usage() const {
    std::lock_guard lk(mu_);
    return usage_;
  }

  std::string modelOf(const RecordedRequest& req) const override;
  bool serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) override;

 private:
  mutable std::mutex mu_;
  FixedUsage usage_;
  std::string content_;
};

}  // namespace switchyard::test
