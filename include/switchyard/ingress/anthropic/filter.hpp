#pragma once
// POST /v1/messages as filters (docs/architecture.md shows where they sit in the chain):
//
//   errors   outermost on every Anthropic-format route: an error reply, whoever produced it
//            (auth, parse, the router, a provider), is answered as Anthropic's error body with
//            the status Anthropic would use (anthropicStatus / errorType); an error the provider
//            itself wrote in Anthropic's format (a passed-through Anthropic deployment) is
//            answered as the provider wrote it.
//   ingress  after auth: the Anthropic request is validated and translated into ex.body (OpenAI
//            chat; the original kept in ex.original_body for adapters that pass it through),
//            and the reply, whole or streamed, is translated back (toAnthropicReply).

#include <memory>

#include "switchyard/pipeline/filter.hpp"

namespace switchyard::ingress::anthropic {

std::unique_ptr<pipeline::Filter> makeErrorsFilter();
std::unique_ptr<pipeline::Filter> makeIngressFilter();

}  // namespace switchyard::ingress::anthropic
