"""The fuzz targets' libFuzzer dictionaries: DICTS, target name to dictionary lines."""


# ------------------------------------------------------------------------------------------------
# Dictionaries (libFuzzer: one "token" per line, \\ \" and \xNN escapes, # comments).

def dict_line(token):
    b = token.encode("utf-8") if isinstance(token, str) else token
    out = []
    for c in b:
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02X" % c)
    return '"' + "".join(out) + '"'


def quoted(keys):
    """JSON strings, quotes included: "\"model\""."""
    return [dict_line('"' + k + '"') for k in keys]


JSON_SYNTAX = ["{", "}", "[", "]", ":", ",", "null", "true", "false", "\\u0000", "\\ud83d\\ude00",
               "\\\"", "1e308", "-0.0", "18446744073709551616"]

OPENAI_KEYS = quoted([
    "model", "messages", "role", "content", "name", "tool_calls", "tool_call_id", "id", "type",
    "function", "arguments", "tools", "tool_choice", "parallel_tool_calls", "stream",
    "stream_options", "include_usage", "max_tokens", "max_completion_tokens", "temperature",
    "top_p", "n", "stop", "seed", "user", "response_format", "json_schema", "schema", "strict",
    "logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty",
    "reasoning_effort", "usage", "include", "choices", "delta", "message", "finish_reason",
    "index", "prompt", "input", "encoding_format", "dimensions", "image_url", "url", "detail",
    "text", "refusal", "reasoning_content", "prompt_tokens", "completion_tokens", "total_tokens",
    "prompt_tokens_details", "cached_tokens", "completion_tokens_details", "reasoning_tokens",
    "cache_creation_input_tokens", "cache_read_input_tokens", "object", "created", "embedding",
    "data", "error", "code", "param", "system", "developer", "assistant", "tool",
    "chat.completion", "chat.completion.chunk", "tool_calls", "length", "content_filter"])

CONTROL_KEYS = quoted([
    "fallbacks", "models", "disable_fallbacks", "timeout", "num_retries",
    "mock_testing_fallbacks", "mock_testing_context_fallbacks",
    "mock_testing_content_policy_fallbacks", "cache", "no-cache", "metadata", "tags",
    "mock_response"])

ANTHROPIC_KEYS = quoted([
    "max_tokens", "system", "stop_sequences", "top_k", "thinking", "budget_tokens", "metadata",
    "user_id", "cache_control", "ephemeral", "tool_use", "tool_result", "tool_use_id", "is_error",
    "input", "input_schema", "image", "document", "source", "base64", "media_type",
    "disable_parallel_tool_use", "any", "auto", "none", "signature", "redacted_thinking",
    "end_turn", "stop_sequence", "stop_reason", "message_start", "content_block_start",
    "content_block_delta", "content_block_stop", "message_delta", "message_stop", "text_delta",
    "input_json_delta", "partial_json", "thinking_delta", "signature_delta", "ping",
    "input_tokens", "output_tokens"])

RESPONSES_KEYS = quoted([
    "input", "instructions", "previous_response_id", "input_text", "input_image", "input_file",
    "file_data", "file_id", "file_url", "filename", "output_text", "annotations", "message",
    "function_call", "function_call_output", "call_id", "output", "item_reference", "reasoning",
    "summary", "summary_text", "effort", "status", "completed", "incomplete", "text", "format",
    "verbosity", "max_output_tokens", "store", "truncation", "background", "conversation",
    "service_tier", "prompt_cache_key", "safety_identifier", "max_tool_calls", "web_search",
    "include_obfuscation", "reasoning.encrypted_content", "allowed_tools"])

SSE_TOKENS = ["data: ", "data:", "event: ", "id: ", "retry: ", ": ", ":", "\n", "\r\n", "\n\n",
              "\r\n\r\n", "\r", "[DONE]", "data: [DONE]\n\n", "\ufeff"]

DICTS = {
    "request_body": ["# JSON syntax"] + [dict_line(x) for x in JSON_SYNTAX]
    + ["# keys and values the gateway reads"] + OPENAI_KEYS + CONTROL_KEYS,
    "ingress_anthropic": ["# JSON syntax"] + [dict_line(x) for x in JSON_SYNTAX]
    + ["# Anthropic Messages"] + ANTHROPIC_KEYS + ["# OpenAI chat"] + OPENAI_KEYS
    + ["# SSE"] + [dict_line(x) for x in SSE_TOKENS],
    "ingress_responses": ["# JSON syntax"] + [dict_line(x) for x in JSON_SYNTAX]
    + ["# Responses API"] + RESPONSES_KEYS + ["# OpenAI chat"] + OPENAI_KEYS
    + ["# SSE"] + [dict_line(x) for x in SSE_TOKENS],
    "sse_cutter": [dict_line(x) for x in SSE_TOKENS + ["event: message_start\n", "{\"type\":"]],
    "http_request_head": [dict_line(x) for x in [
        "\r\n", "\r\n\r\n", "\n", " HTTP/1.1\r\n", "HTTP/1.0", "GET ", "POST ", "DELETE ",
        "OPTIONS ", "HEAD ", "/v1/chat/completions", "/v1/messages", "/v1/responses",
        "/key/generate", "/health/liveliness", "?key=", "%2B", "Host: ", "Content-Length: ",
        "Content-Length: 0\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: ",
        "chunked", "Connection: close\r\n", "Connection: keep-alive\r\n",
        "Expect: 100-continue\r\n", "Authorization: Bearer sk-", "Content-Type: application/json\r\n",
        "x-api-key: ", "anthropic-version: 2023-06-01", "0\r\n\r\n", ";ext=1", "Trailer: ",
        "\t", " "]],
    "redis_reply": [dict_line(x) for x in [
        "+OK\r\n", "+QUEUED\r\n", "-ERR ", "-NOSCRIPT ", ":", ":0\r\n", ":-1\r\n", "$", "$-1\r\n",
        "$0\r\n\r\n", "*", "*-1\r\n", "*0\r\n", "*3\r\n", "\r\n", "message", "subscribe",
        "pong"]],
    "config_yaml": [dict_line(x) for x in [
        "model_list:\n", "  - model_name: ", "    litellm_params:\n", "      model: ",
        "model_info", "router_settings:\n", "general_settings:\n", "litellm_settings:\n",
        "environment_variables:\n", "credential_list", "litellm_credential_name",
        "credential_values", "include:", "os.environ/", "api_key", "api_base", "api_version",
        "rpm", "tpm", "timeout", "stream_timeout", "routing_strategy", "num_retries",
        "allowed_fails", "cooldown_time", "fallbacks", "context_window_fallbacks",
        "content_policy_fallbacks", "master_key", "database_url", "drop_params", "cache",
        "cache_params", "redis_host", "redis_port", "redis_password", "ttl", "callbacks",
        "mock_response", "tags", "id", "mode", "embedding", "openai/", "azure/", "anthropic/",
        "gemini/", "mock/", "*", "&anchor ", "*anchor", "<<: ", "- ", ": ", "|\n", ">-\n",
        "---\n", "...\n", "!!str ", "~", "null", "yes", "no", "on", "0x", "1_000", ".inf",
        "{", "}", "[", "]", "'", "\"", "#", "\t", "\n"]],
    "admin_key_body": ["# JSON syntax"] + [dict_line(x) for x in JSON_SYNTAX] + quoted([
        "key", "new_key", "keys", "key_alias", "key_aliases", "models", "aliases", "max_budget",
        "soft_budget", "budget_duration", "spend", "rpm_limit", "tpm_limit",
        "max_parallel_requests", "duration", "expires", "metadata", "tags", "blocked", "user_id",
        "team_id", "model_max_budget", "budget_limit", "time_period", "model_rpm_limit",
        "model_tpm_limit", "grace_period", "sk-", "30d", "1mo", "None", "-1",
        "2027-01-01T00:00:00Z"]),
    "durations_urls": [dict_line(x) for x in [
        "s", "m", "h", "d", "w", "mo", "ms", ".", "http://", "https://", "[::1]", ":443", "?",
        "#", "@", "sqlite:///", ":memory:", "postgresql://", "postgres://", "redis://",
        "rediss://", "?ssl_cert_reqs=none", "T", "Z", "+00:00", "-", "00-", "-01", "ff-",
        "00000000000000000000000000000000", "key=", "page", "&", "%", "%2B", "+", "/"]],
}
for _t, _p in (("upstream_openai", OPENAI_KEYS), ("upstream_azure", OPENAI_KEYS + quoted([
        "prompt_filter_results", "content_filter_results", "filtered", "severity",
        "innererror", "content_filter_offsets"])),
        ("upstream_anthropic", ANTHROPIC_KEYS + quoted([
            "overloaded_error", "api_error", "rate_limit_error", "invalid_request_error",
            "authentication_error"])),
        ("upstream_gemini", quoted([
            "candidates", "content", "parts", "text", "role", "model", "functionCall", "args",
            "name", "finishReason", "STOP", "MAX_TOKENS", "SAFETY", "index", "usageMetadata",
            "promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount",
            "cachedContentTokenCount", "totalTokenCount", "promptFeedback", "blockReason",
            "thought", "embedding", "embeddings", "values", "error", "code", "message", "status",
            "details", "@type", "type.googleapis.com/google.rpc.RetryInfo", "retryDelay",
            "UNAVAILABLE", "RESOURCE_EXHAUSTED", "INVALID_ARGUMENT", "API_KEY_INVALID"]))):
    DICTS[_t] = (["# JSON syntax"] + [dict_line(x) for x in JSON_SYNTAX] + ["# keys"] + _p
                 + ["# SSE"] + [dict_line(x) for x in SSE_TOKENS])
