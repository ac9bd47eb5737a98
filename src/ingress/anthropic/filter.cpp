// The Anthropic ingress filters (filter.hpp).

#include "switchyard/ingress/anthropic/filter.hpp"

#include "common.hpp"
#include "switchyard/ingress/anthropic/reply.hpp"
#include "switchyard/ingress/anthropic/request.hpp"

namespace switchyard::ingress::anthropic {
namespace {

using pipeline::fail;
using pipeline::Filter;
using pipeline::Next;

class ErrorsFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "anthropic_errors"; }
  boost::asio::awaitable<Reply> handle(Exchange& ex, Next next) override {
    Reply reply = co_await next(ex);
    if (!ex.outcome.error || reply.stream) co_return reply;
    answerError(reply, *ex.outcome.error);
    if (!reply.header("request-id") && !ex.request_id.empty())
      reply.addHeader("request-id", ex.request_id);
    co_return reply;
  }
};

class IngressFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "anthropic_ingress"; }
  boost::asio::awaitable<Reply> handle(Exchange& ex, Next next) override {
    if (ex.raw_body.empty())
      co_return fail(ex, bad("", "Request body is empty: expected a JSON object."));
    Result<json> parsed = api::parseJsonObject(ex.raw_body);
    if (!parsed) co_return fail(ex, parsed.error());
    Result<json> translated = toOpenAiRequest(*parsed);
    if (!translated) co_return fail(ex, translated.error());
    ex.ingress = WireFormat::kAnthropic;
    ex.endpoint = api::Endpoint::kChatCompletions;
    ex.original_body = std::make_unique<json>(std::move(*parsed));
    ex.body = api::Body::fromJson(std::move(*translated));
    ex.raw_body.clear();
    Reply reply = co_await next(ex);
    reply = toAnthropicReply(ex, std::move(reply));
    if (reply.stream) reply.stream_error = &errorEvent;
    co_return reply;
  }
};

}  // namespace

std::unique_ptr<Filter> makeErrorsFilter() { return std::make_unique<ErrorsFilter>(); }
std::unique_ptr<Filter> makeIngressFilter() { return std::make_unique<IngressFilter>(); }

}  // namespace switchyard::ingress::anthropic
