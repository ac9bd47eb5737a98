#pragma once
// The OpenAI wire-format call shared by the OpenAI-compatible family and Azure (private to the
// providers module): both send an OpenAI body and get OpenAI JSON or SSE back; they differ only in
// the URL and the auth headers, which the caller puts into `url` and `req`.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/api/exchange.hpp"
#include "switchyard/config/config.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/providers/transport.hpp"

namespace switchyard::providers {

// Stream usage. A streamed OpenAI-format answer reports its usage only when asked for it
// (`stream_options: {"include_usage": true}`): a last chunk with `"choices": []` and `usage`.
// The gateway needs the usage of every reply (spend), so for the deployments whose hosts accept
// the option it asks for it even when the client did not (LiteLLM does too), and keeps that chunk
// from the client: the adapter's stream writes its usage to ex.usage instead. A host that does
// not know the option may answer 400, so only these ask for it:
//   openai, text-completion-openai  OpenAI API reference (chat and legacy completions).
//   azure       api-version 2024-09-01-preview and later (GA: 2024-10-21; earlier ones answer
//               400); the v1 API ("preview", "latest") too.
//   groq        its chat API takes stream_options.include_usage (LangChain's ChatGroq sends it
//               on every stream by default).
//   deepseek    its Create Chat Completion reference lists stream_options.include_usage.
//   xai         recorded api.x.ai streams requested with stream_options.include_usage (OpenAI
//               Go SDK) are answered 200.
//   openrouter  always sends usage in the last event; the option is accepted (deprecated, no
//               effect) (openrouter.ai/docs/use-cases/usage-accounting).
// Not asked (not documented as accepted, or varies by server): together_ai, fireworks_ai,
// mistral, perplexity, hosted_vllm, ollama, ollama_chat, lm_studio, openai_compatible,
// custom_openai, azure_ai. Their usage is still read when their streams carry it.
bool acceptsStreamUsage(std::string_view provider) noexcept;
// For an azure deployment: whether its api-version accepts stream_options (see above).
bool azureAcceptsStreamUsage(std::string_view api_version) noexcept;

// The request body sent upstream for `ex`: ex.body's text. With `ask_usage` (the deployment
// accepts stream_options), on a streamed chat or legacy completion whose client did not set
// stream_options.include_usage to true, the body asks for the usage chunk and `hide_usage` is
// true: pass &ex.usage to callOpenAiFormat as `hidden_usage`. ex.body is left as the client sent
// it (a fallback to another deployment sees the same request).
struct UpstreamBody {
  std::string edited;    // the text to send, when it is not ex.body's own
  std::string_view own;  // else ex.body's text, sent without a copy (the exchange outlives the call)
  bool hide_usage = false;
  std::string_view text() const noexcept { return edited.empty() ? own : std::string_view(edited); }
  void moveInto(UpstreamRequest& req) && {
    if (edited.empty()) {
      req.borrowed_body = own;
    } else {
      req.body = std::move(edited);
    }
  }
};
UpstreamBody openAiBody(const api::Exchange& ex, bool ask_usage);

// Sends `req` (method, target, headers and body already set) to `url`. Non-stream: a 2xx JSON
// object answer is returned as the Reply body; a non-2xx answer is mapped with mapOpenAiError
// (`d.provider` names the provider; `secret`, the key in use, is scrubbed from messages); a
// non-JSON answer is a kUpstreamError. Stream (`stream` true): adds `accept: text/event-stream`,
// relays the SSE events as they come, and first reads ahead to the first event that commits the
// answer, so that an error event before any content is returned as an Error (docs/design.md §4).
// `hidden_usage` (streams; openAiBody's hide_usage): the usage-only chunk (`usage`, and
// `choices` empty or absent) is dropped from the stream and its usage written there; it must
// outlive the stream (it is &ex.usage: the session keeps the exchange longer than the reply).
// `transport`, `url`, `d` and `secret` must outlive the awaitable (the caller co_awaits it at
// once).
boost::asio::awaitable<api::Result<api::Reply>> callOpenAiFormat(
    Transport& transport, const Url& url, UpstreamRequest req, bool stream,
    const config::Deployment& d, std::string_view secret, const CallOptions& opts,
    std::optional<api::Usage>* hidden_usage = nullptr);

}  // namespace switchyard::providers
