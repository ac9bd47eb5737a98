#pragma once
// The parse filter's work (filters.hpp: makeParseFilter): the JSON body of a proxied request and
// its request-level controls, read and validated once.

#include <string>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::pipeline {

// Parses and validates the JSON body for ex.endpoint: fills ex.body, ex.model, ex.stream, moves
// the request-level controls into ex.controls (as sent) and ex.options (typed, validated; a body
// `timeout` sets ex.timeout_s unless the header already did). OpenRouter's `usage` of a
// chat/completions or completions body in OpenAI format is read into ex.options.usage_include and
// removed from the body (not kept in ex.controls). When an ingress filter already
// translated the body into ex.body, `raw_body` is not read and only the rest is done.
// Exposed for tests.
api::Result<void> parseRequest(api::Exchange& ex, std::string raw_body);

}  // namespace switchyard::pipeline
