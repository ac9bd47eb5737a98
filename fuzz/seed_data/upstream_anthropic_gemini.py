"""Seeds of upstream_anthropic and upstream_gemini: their responses, streams, errors."""

from .common import data, dump, event, pretty, upstream


# ------------------------------------------------------------------------------------------------
# Anthropic Messages (tests/unit/providers/anthropic_fixtures.hpp, fake_anthropic.cpp)

ANT_TOOL_STREAM = (
    'event: message_start\n'
    'data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message",'
    '"role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":'
    '{"input_tokens":472,"output_tokens":2,"cache_read_input_tokens":8},"content":[],'
    '"stop_reason":null}}\n\n'
    'event: content_block_start\n'
    'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
    'event: ping\n'
    'data: {"type": "ping"}\n\n'
    'event: content_block_delta\n'
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}\n\n'
    'event: content_block_delta\n'
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", '
    'checking."}}\n\n'
    'event: content_block_stop\n'
    'data: {"type":"content_block_stop","index":0}\n\n'
    'event: content_block_start\n'
    'data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use",'
    '"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}\n\n'
    'event: content_block_delta\n'
    'data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",'
    '"partial_json":""}}\n\n'
    'event: content_block_delta\n'
    'data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",'
    '"partial_json":"{\\"location\\":"}}\n\n'
    'event: content_block_delta\n'
    'data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",'
    '"partial_json":" \\"Paris\\"}"}}\n\n'
    'event: content_block_stop\n'
    'data: {"type":"content_block_stop","index":1}\n\n'
    'event: message_delta\n'
    'data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},'
    '"usage":{"output_tokens":89}}\n\n'
    'event: message_stop\n'
    'data: {"type":"message_stop"}\n\n')


def ant_message_start(usage, mid="msg_01XFDUDYJgAACzvnptvVoYEL"):
    return event("message_start", {"type": "message_start", "message": {
        "id": mid, "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}})


def ant_block_start(index, block):
    return event("content_block_start", {"type": "content_block_start", "index": index,
                                         "content_block": block})


def ant_delta(index, delta):
    return event("content_block_delta", {"type": "content_block_delta", "index": index,
                                         "delta": delta})


def ant_block_stop(index):
    return event("content_block_stop", {"type": "content_block_stop", "index": index})


def ant_message_delta(stop_reason, output_tokens, stop_sequence=None):
    return event("message_delta", {"type": "message_delta",
                                   "delta": {"stop_reason": stop_reason,
                                             "stop_sequence": stop_sequence},
                                   "usage": {"output_tokens": output_tokens}})


ANT_STOP = event("message_stop", {"type": "message_stop"})

ANT_CACHE_STREAM = (
    ant_message_start({"input_tokens": 10, "cache_read_input_tokens": 20,
                       "cache_creation_input_tokens": 30, "output_tokens": 1})
    + ant_block_start(0, {"type": "text", "text": ""})
    + ant_delta(0, {"type": "text_delta", "text": "Hello"})
    + ant_delta(0, {"type": "text_delta", "text": " END"})
    + ant_block_stop(0)
    + ant_message_delta("stop_sequence", 15, "END")
    + ANT_STOP)

ANT_THINKING_STREAM = (
    ant_message_start({"input_tokens": 85, "output_tokens": 1,
                       "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                       "service_tier": "standard"})
    + ant_block_start(0, {"type": "thinking", "thinking": "", "signature": ""})
    + ant_delta(0, {"type": "thinking_delta", "thinking": "Let me solve this step by step:\n\n1."})
    + ant_delta(0, {"type": "thinking_delta", "thinking": " 27 * 453 = 12231"})
    + ant_delta(0, {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"})
    + ant_block_stop(0)
    + ant_block_start(1, {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT"})
    + ant_block_stop(1)
    + ant_block_start(2, {"type": "text", "text": ""})
    + ant_delta(2, {"type": "text_delta", "text": "27 * 453 = 12,231"})
    + ant_delta(2, {"type": "citations_delta", "citation": {"type": "char_location",
                                                             "cited_text": "x", "document_index": 0,
                                                             "start_char_index": 0,
                                                             "end_char_index": 1}})
    + ant_block_stop(2)
    + ant_message_delta("max_tokens", 210)
    + ANT_STOP)

ANT_OVERLOADED_EVENT = event("error", {"type": "error", "error": {
    "type": "overloaded_error", "message": "Overloaded"}})


def ant_error(etype, message):
    return dump({"type": "error", "error": {"type": etype, "message": message},
                 "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})


ANT_MESSAGE = dump({
    "id": "msg_01", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "Hi there"}],
    "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 3}})


def anthropic_seeds():
    t = "upstream_anthropic"
    upstream(t, "message_text", ANT_MESSAGE)
    upstream(t, "message_tool_use_cache", dump({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9",
                     "name": "get_weather", "input": {"location": "San Francisco, CA"}}],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 100,
                  "cache_read_input_tokens": 1000}}))
    upstream(t, "message_thinking_refusal", dump({
        "id": "msg_02", "type": "message", "role": "assistant",
        "model": "claude-opus-4-1-20250805",
        "content": [{"type": "thinking", "thinking": "The user asks for something unsafe.",
                     "signature": "WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL"},
                    {"type": "text", "text": "I can't help with that."}],
        "stop_reason": "refusal", "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 40,
                  "server_tool_use": {"web_search_requests": 0}, "service_tier": "standard"}}))
    upstream(t, "stream_tool_use", ANT_TOOL_STREAM, stream=True, step=37)
    upstream(t, "stream_cache_usage_stop_sequence", ANT_CACHE_STREAM, stream=True, usage=True,
             step=7)
    upstream(t, "stream_thinking_max_tokens", ANT_THINKING_STREAM, stream=True, usage=True, step=0)
    upstream(t, "stream_error_before_content",
             ant_message_start({"input_tokens": 5, "output_tokens": 1})
             + ant_block_start(0, {"type": "text", "text": ""})
             + event("ping", '{"type": "ping"}')
             + ANT_OVERLOADED_EVENT, stream=True, step=0)
    upstream(t, "stream_error_after_content",
             ant_message_start({"input_tokens": 5, "output_tokens": 1})
             + ant_block_start(0, {"type": "text", "text": ""})
             + ant_delta(0, {"type": "text_delta", "text": "Okay"})
             + event("error", {"type": "error", "error": {"type": "api_error",
                                                          "message": "boom"}}),
             stream=True, step=16)
    upstream(t, "stream_truncated", ANT_TOOL_STREAM[:ANT_TOOL_STREAM.index('" \\"Paris')],
             stream=True, step=9)
    upstream(t, "error_400_prompt_too_long", ant_error(
        "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"), status=400)
    upstream(t, "error_401_stream", ant_error("authentication_error", "invalid x-api-key"),
             status=401, stream=True, step=10)
    upstream(t, "error_429_rate_limit", ant_error(
        "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
        status=429)
    upstream(t, "error_500_html", "<html><body><h1>502 Bad Gateway</h1></body></html>",
             status=500)
    upstream(t, "error_529_overloaded_stream", ant_error("overloaded_error", "Overloaded"),
             status=529, stream=True, step=3)
    upstream(t, "embeddings_refused", ANT_MESSAGE, embeddings=True)


# ------------------------------------------------------------------------------------------------
# Gemini generateContent / streamGenerateContent?alt=sse (tests/unit/providers/gemini_test.cpp)

GEM_RECORDED_STREAM = (
    'data: {"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],'
    '"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": '
    '"gemini-2.0-flash"}\r\n\r\n'
    'data: {"candidates": [{"content": {"parts": [{"text": " sky is blue"}],"role": "model"},'
    '"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": '
    '"gemini-2.0-flash"}\r\n\r\n'
    'data: {"candidates": [{"content": {"parts": [{"text": "."}],"role": "model"},"finishReason": '
    '"STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 5,'
    '"totalTokenCount": 13},"modelVersion": "gemini-2.0-flash"}\r\n\r\n')

GEM_THOUGHTS_STREAM = (
    'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],'
    '"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":1,"totalTokenCount":11}}'
    '\r\n\r\n'
    'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},'
    '"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,'
    '"candidatesTokenCount":2,"thoughtsTokenCount":5,"cachedContentTokenCount":4,'
    '"totalTokenCount":17}}\r\n\r\n')


def gem_error(code, status, message, details=None):
    e = {"error": {"code": code, "message": message, "status": status}}
    if details is not None:
        e["error"]["details"] = details
    return e


def gemini_seeds():
    t = "upstream_gemini"
    upstream(t, "generate_text_usage", pretty({
        "candidates": [{"content": {"parts": [{"text": "Hello"}, {"text": " there"}],
                                    "role": "model"},
                        "finishReason": "STOP", "index": 0,
                        "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT",
                                           "probability": "NEGLIGIBLE"}]}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 4,
                          "thoughtsTokenCount": 6, "cachedContentTokenCount": 3,
                          "totalTokenCount": 20,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10}]},
        "modelVersion": "gemini-2.5-flash", "responseId": "abc"}))
    upstream(t, "generate_function_calls", dump({"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
        {"functionCall": {"name": "get_time", "args": {}}}]}, "finishReason": "STOP",
        "index": 0}], "modelVersion": "gemini-2.5-flash"}))
    upstream(t, "generate_prompt_blocked", dump({
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH",
             "blocked": True}]},
        "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5}}))
    upstream(t, "generate_max_tokens_thought", dump({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Thinking about it", "thought": True}, {"text": "Once upon"}]},
        "finishReason": "MAX_TOKENS", "index": 0}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2,
                          "totalTokenCount": 5}}))
    upstream(t, "stream_recorded_crlf", GEM_RECORDED_STREAM, stream=True, step=13)
    upstream(t, "stream_thoughts_usage", GEM_THOUGHTS_STREAM, stream=True, usage=True, step=9)
    upstream(t, "stream_function_call",
             'data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":'
             '"f","args":{"a":1}}},{"functionCall":{"name":"g","args":{}}}]},"finishReason":'
             '"STOP","index":0}]}\r\n\r\n', stream=True, step=0)
    upstream(t, "stream_error_event_503",
             data(gem_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")),
             stream=True, step=5)
    upstream(t, "stream_safety_after_content",
             'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}]},"index":0}]}\r\n\r\n'
             'data: {"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":'
             '[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"MEDIUM","blocked":true}]}]}'
             '\r\n\r\n', stream=True, usage=True, step=3)
    upstream(t, "stream_lf_with_done_truncated",
             data({"candidates": [{"content": {"parts": [{"text": "a"}], "role": "model"},
                                   "index": 0}]})
             + "data: [DONE]\n\n"
             + 'data: {"candidates":[{"content":{"parts":[{"text":"cut', stream=True, step=17)
    upstream(t, "error_400_api_key_invalid", pretty(gem_error(
        400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
          "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}])),
        status=400)
    upstream(t, "error_401_unauthenticated", dump(gem_error(
        401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")),
        status=401, stream=True, step=0)
    upstream(t, "error_429_retry_info", dump(gem_error(
        429, "RESOURCE_EXHAUSTED", "Quota exceeded for metric: generate_content_free_tier_requests",
        [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
         {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}])),
        status=429, stream=True, step=11)
    upstream(t, "error_500_list_wrapped",
             "[" + dump(gem_error(500, "INTERNAL", "An internal error has occurred.")) + "]",
             status=500)
    upstream(t, "embed_content", dump({"embedding": {"values": [0.013168523, -0.008711934,
                                                                -0.046782676, 0.00069968984]}}),
             embeddings=True)
