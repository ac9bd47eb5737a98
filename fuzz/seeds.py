#!/usr/bin/env python3
# Writes the fuzz targets' committed seed corpora, fuzz/corpus/<target>/<seed-name>, and their
# libFuzzer dictionaries, fuzz/dict/<target>.dict (docs/reliability.md#fuzzing).
#
# Run by hand after changing it, from anywhere:   python3 fuzz/seeds.py
# and commit what it wrote. Python 3 standard library only. The output is deterministic: running
# it twice changes nothing.
#
# Each seed is the control byte(s) its target reads first (see the header comment of
# fuzz/<target>.cpp) followed by the payload, taken from the real wire formats (the shapes of the
# unit tests' fixtures and fakes: tests/unit/providers, tests/unit/ingress, tests/support/fake_*,
# tests/configs). A file in fuzz/corpus/<target>/ that this script no longer produces is deleted;
# fuzz/regressions/ is never touched beyond creating an empty .gitkeep in each target's folder
# (the replay main runs it as an empty input, which every target accepts).

import json
import pathlib
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
REPO = FUZZ.parent

TARGETS = [
    "request_body", "http_request_head", "sse_cutter", "upstream_openai", "upstream_azure",
    "upstream_anthropic", "upstream_gemini", "ingress_anthropic", "ingress_responses",
    "config_yaml", "admin_key_body", "durations_urls", "redis_reply",
]

SEEDS = {t: {} for t in TARGETS}


def seed(target, name, control, payload):
    """One seed: `control` (bytes) then `payload` (str, UTF-8, or bytes)."""
    assert target in SEEDS, target
    assert name not in SEEDS[target], (target, name)
    assert name and "/" not in name and not name.startswith("."), name
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    SEEDS[target][name] = bytes(control) + payload


def dump(obj):
    """Compact JSON, as OpenAI and Anthropic write it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def pretty(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2)


def data(obj):
    return "data: " + (obj if isinstance(obj, str) else dump(obj)) + "\n\n"


def event(name, obj):
    return "event: " + name + "\ndata: " + (obj if isinstance(obj, str) else dump(obj)) + "\n\n"


# Upstream control bytes (fuzz/upstream_call.hpp): bit 0 stream; bits 1-3 index the statuses
# {200, 200, 200, 400, 401, 429, 500, 529}; bit 4 include_usage; bit 5 embeddings.
STATUS_BITS = {200: 0 << 1, 400: 3 << 1, 401: 4 << 1, 429: 5 << 1, 500: 6 << 1, 529: 7 << 1}


def upstream(target, name, body, status=200, stream=False, usage=False, embeddings=False, step=0):
    flags = STATUS_BITS[status] | (1 if stream else 0) | (0x10 if usage else 0) | (
        0x20 if embeddings else 0)
    seed(target, name, [flags, step], body)


# ------------------------------------------------------------------------------------------------
# OpenAI wire format (chat.completion, chat.completion.chunk, embeddings, errors)

OA_ID = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
OA_MODEL = "gpt-4o-2024-08-06"
OA_FP = "fp_eb9dce56a8"
_MISSING = object()


def oa_chunk(choices, usage=_MISSING, cid=OA_ID, model=OA_MODEL, extra=None):
    c = {"id": cid, "object": "chat.completion.chunk", "created": 1741569952, "model": model,
         "service_tier": "default", "system_fingerprint": OA_FP, "choices": choices}
    if usage is not _MISSING:
        c["usage"] = usage
    if extra:
        c.update(extra)
    return c


def oa_delta(delta, finish=None, index=0):
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}


OA_USAGE = {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 40, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 20, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0}}


def oa_completion(message, finish="stop", usage=None, model=OA_MODEL):
    return {"id": OA_ID, "object": "chat.completion", "created": 1741569952, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": finish}],
            "usage": usage if usage is not None else
            {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
             "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                           "accepted_prediction_tokens": 0,
                                           "rejected_prediction_tokens": 0}},
            "service_tier": "default", "system_fingerprint": OA_FP}


def oa_error(message, etype, param=None, code=None):
    return dump({"error": {"message": message, "type": etype, "param": param, "code": code}})


# A text stream as OpenAI sends it: a keep-alive comment, role chunk, content, finish, [DONE]
# (tests/unit/providers/openai_call_test.cpp kStream, one event CRLF-framed).
OA_TEXT_STREAM = (
    ": keep-alive\n\n"
    + data(oa_chunk([oa_delta({"role": "assistant", "content": "", "refusal": None})]))
    + "data: " + dump(oa_chunk([oa_delta({"content": "Hello"})])) + "\r\n\r\n"
    + data(oa_chunk([oa_delta({"content": "! How can I help?"})]))
    + data(oa_chunk([oa_delta({}, "stop")]))
    + "data: [DONE]\n\n")

# include_usage: "usage":null on every chunk, then the usage-only chunk (stream_usage_test.cpp).
OA_USAGE_STREAM = (
    data(oa_chunk([oa_delta({"role": "assistant", "content": ""})], None))
    + data(oa_chunk([oa_delta({"content": "Hi"})], None))
    + data(oa_chunk([oa_delta({"content": " there"})], None))
    + data(oa_chunk([oa_delta({}, "stop")], None))
    + data(oa_chunk([], dict(OA_USAGE, cache_creation_input_tokens=7)))
    + "data: [DONE]\n\n")

OA_TOOL_STREAM = (
    data(oa_chunk([oa_delta({"role": "assistant", "content": None, "tool_calls": [
        {"index": 0, "id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "type": "function",
         "function": {"name": "get_weather", "arguments": ""}}], "refusal": None})]))
    + data(oa_chunk([oa_delta({"tool_calls": [{"index": 0, "function": {"arguments": "{\""}}]})]))
    + data(oa_chunk([oa_delta({"tool_calls": [{"index": 0, "function": {"arguments": "location"}}]})]))
    + data(oa_chunk([oa_delta({"tool_calls": [{"index": 0, "function": {
        "arguments": "\":\"Paris, France\"}"}}]})]))
    + data(oa_chunk([oa_delta({"tool_calls": [
        {"index": 1, "id": "call_ABCDEF0123456789abcdef01", "type": "function",
         "function": {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"}}]})]))
    + data(oa_chunk([oa_delta({}, "tool_calls")]))
    + "data: [DONE]\n\n")

OA_ERROR_BEFORE_CONTENT = (
    ": ping\n\n"
    + data(oa_chunk([oa_delta({"role": "assistant", "content": ""})]))
    + data({"error": {"message": "Model overloaded", "type": "server_error", "param": None,
                      "code": 503}})
    + data(oa_chunk([oa_delta({"content": "never seen"})])))

OA_ERROR_AFTER_CONTENT = (
    data(oa_chunk([oa_delta({"role": "assistant", "content": ""})], None))
    + data(oa_chunk([oa_delta({"content": "an \"error\" here"})], None))
    + data({"error": {"message": "The server had an error while processing your request.",
                      "type": "server_error", "param": None, "code": None}}))

OA_EMBEDDINGS = dump({"object": "list", "data": [
    {"object": "embedding", "index": 0,
     "embedding": [-0.006929283495992422, -0.005336422007530928, 0.00047350498, -0.024047505110502243,
                   0.0, 1e-05, -1.5e-3, 0.125]}],
    "model": "text-embedding-3-small", "usage": {"prompt_tokens": 5, "total_tokens": 5}})

OA_EMBEDDINGS_BASE64 = dump({"object": "list", "data": [
    {"object": "embedding", "index": 0, "embedding": "AACAPwAAAD8AAIC+"},
    {"object": "embedding", "index": 1, "embedding": "AAAAPwAAgL4="}],
    "model": "text-embedding-3-large", "usage": {"prompt_tokens": 8, "total_tokens": 8}})


def openai_seeds():
    t = "upstream_openai"
    upstream(t, "chat_text", dump(oa_completion(
        {"role": "assistant", "content": "Hello! How can I help?", "refusal": None,
         "annotations": []})))
    upstream(t, "chat_tool_calls", dump(oa_completion(
        {"role": "assistant", "content": None, "refusal": None, "tool_calls": [
            {"id": "call_abc", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
            {"id": "call_def", "type": "function",
             "function": {"name": "noop", "arguments": "not json"}}]},
        "tool_calls", OA_USAGE)))
    upstream(t, "stream_text", OA_TEXT_STREAM, stream=True, step=37)
    upstream(t, "stream_usage_asked", OA_USAGE_STREAM, stream=True, usage=True, step=64)
    upstream(t, "stream_usage_hidden", OA_USAGE_STREAM, stream=True, step=5)
    upstream(t, "stream_tool_calls", OA_TOOL_STREAM, stream=True, usage=True, step=9)
    upstream(t, "stream_error_before_content", OA_ERROR_BEFORE_CONTENT, stream=True, step=5)
    upstream(t, "stream_error_after_content", OA_ERROR_AFTER_CONTENT, stream=True, usage=True,
             step=0)
    upstream(t, "stream_truncated", OA_TEXT_STREAM[:OA_TEXT_STREAM.index("! How")], stream=True,
             step=11)
    upstream(t, "error_400_context_length", oa_error(
        "This model's maximum context length is 128000 tokens. However, your messages resulted "
        "in 130567 tokens. Please reduce the length of the messages.",
        "invalid_request_error", "messages", "context_length_exceeded"), status=400)
    upstream(t, "error_401_stream", oa_error(
        "Incorrect API key provided: fuzz-key. You can find your API key at "
        "https://platform.openai.com/account/api-keys.", "invalid_request_error", None,
        "invalid_api_key"), status=401, stream=True, step=10)
    upstream(t, "error_429_rate_limit", oa_error(
        "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): "
        "Limit 30000, Used 29000, Requested 2000. Please try again in 2.5s.",
        "tokens", "rate_limit_exceeded", "rate_limit_exceeded"), status=429)
    upstream(t, "error_500_html",
             "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
             "</body>\r\n</html>\r\n", status=500)
    upstream(t, "error_529_overloaded", dump(
        {"error": {"message": "The server is overloaded fuzz-key", "type": "server_error"}}),
        status=529, stream=True, step=0)
    upstream(t, "embeddings_float", OA_EMBEDDINGS, embeddings=True)


# ------------------------------------------------------------------------------------------------
# Azure OpenAI: the OpenAI format with Azure's content filter annotations and error bodies.

AZ_SAFE = {"hate": {"filtered": False, "severity": "safe"},
           "self_harm": {"filtered": False, "severity": "safe"},
           "sexual": {"filtered": False, "severity": "safe"},
           "violence": {"filtered": False, "severity": "safe"}}
AZ_ID = "chatcmpl-AUJ2mYm5Kd0sTrR4lXc3zQ1hN7pEb"


def az_chunk(choices, usage=_MISSING):
    c = {"choices": choices, "created": 1731620001, "id": AZ_ID, "model": "gpt-4o-2024-08-06",
         "object": "chat.completion.chunk", "system_fingerprint": "fp_d54531d9eb"}
    if usage is not _MISSING:
        c["usage"] = usage
    return c


def az_delta(delta, finish=None, filters=True):
    ch = {"delta": delta, "finish_reason": finish, "index": 0, "logprobs": None}
    if filters:
        ch["content_filter_results"] = AZ_SAFE if delta.get("content") else {}
    return ch


AZ_PROMPT_FILTER = dump({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                         "prompt_filter_results": [{"prompt_index": 0,
                                                    "content_filter_results": AZ_SAFE}]})

AZ_STREAM = (
    "data: " + AZ_PROMPT_FILTER + "\n\n"
    + data(az_chunk([az_delta({"content": "", "refusal": None, "role": "assistant"})]))
    + data(az_chunk([az_delta({"content": "Hello"})]))
    + data(az_chunk([az_delta({"content": " from Azure."})]))
    + data(az_chunk([az_delta({}, "stop")]))
    + "data: [DONE]\n\n")

AZ_USAGE_STREAM = (
    "data: " + AZ_PROMPT_FILTER + "\n\n"
    + data(az_chunk([az_delta({"content": "", "role": "assistant"})], None))
    + data(az_chunk([az_delta({"content": "Hi"})], None))
    + data(az_chunk([az_delta({}, "stop")], None))
    + data(az_chunk([], {"completion_tokens": 2, "completion_tokens_details": {
        "accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 0,
        "rejected_prediction_tokens": 0}, "prompt_tokens": 12, "prompt_tokens_details": {
        "audio_tokens": 0, "cached_tokens": 0}, "total_tokens": 14}))
    + "data: [DONE]\n\n")

AZ_FILTERED_STREAM = (
    "data: " + AZ_PROMPT_FILTER + "\n\n"
    + data(az_chunk([az_delta({"content": "", "role": "assistant"})]))
    + data(az_chunk([az_delta({"content": "Here is how"})]))
    + data(az_chunk([{"content_filter_results": {
        "violence": {"filtered": True, "severity": "medium"}}, "delta": {},
        "finish_reason": "content_filter", "index": 0, "logprobs": None}]))
    + data(az_chunk([{"content_filter_offsets": {"check_offset": 0, "start_offset": 0,
                                                 "end_offset": 120},
                      "content_filter_results": {"violence": {"filtered": True,
                                                              "severity": "medium"}},
                      "finish_reason": None, "index": 0}]))
    + "data: [DONE]\n\n")


def azure_seeds():
    t = "upstream_azure"
    completion = oa_completion({"role": "assistant", "content": "Hello from Azure.",
                                "refusal": None})
    completion["id"] = AZ_ID
    completion["choices"][0]["content_filter_results"] = AZ_SAFE
    completion["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": AZ_SAFE}]
    upstream(t, "chat_text_filters", dump(completion))
    tools = oa_completion({"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_Xq1", "type": "function",
         "function": {"name": "lookup_order", "arguments": "{\"order_id\": 42}"}}]}, "tool_calls")
    upstream(t, "chat_tool_calls", dump(tools))
    upstream(t, "stream_prompt_filter_first", AZ_STREAM, stream=True, step=23)
    upstream(t, "stream_usage_hidden", AZ_USAGE_STREAM, stream=True, step=1)
    upstream(t, "stream_usage_asked", AZ_USAGE_STREAM, stream=True, usage=True, step=0)
    upstream(t, "stream_content_filter", AZ_FILTERED_STREAM, stream=True, step=50)
    upstream(t, "stream_cut_mid_event", AZ_STREAM[:AZ_STREAM.index(" from Azure")], stream=True,
             step=6)
    upstream(t, "error_400_content_filter", dump({"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content "
                   "management policy. Please modify your prompt and retry.",
        "type": None, "param": "prompt", "code": "content_filter", "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
            "hate": {"filtered": False, "severity": "safe"},
            "jailbreak": {"filtered": True, "detected": True},
            "self_harm": {"filtered": False, "severity": "safe"},
            "sexual": {"filtered": False, "severity": "safe"},
            "violence": {"filtered": False, "severity": "safe"}}}}}), status=400)
    upstream(t, "error_400_deployment_not_found", dump({"error": {
        "code": "DeploymentNotFound",
        "message": "The API deployment for this resource does not exist. If you created the "
                   "deployment within the last 5 minutes, please wait a moment and try again."}}),
        status=400, stream=True, step=0)
    upstream(t, "error_401_access_denied", dump({"error": {
        "code": "401", "message": "Access denied due to invalid subscription key or wrong API "
                                  "endpoint. Make sure to provide a valid key for an active "
                                  "subscription and use a correct regional API endpoint for "
                                  "your resource."}}), status=401)
    upstream(t, "error_429_token_rate", dump({"error": {
        "code": "429", "message": "Requests to the ChatCompletions_Create Operation under Azure "
                                  "OpenAI API version 2024-10-21 have exceeded token rate limit "
                                  "of your current OpenAI S0 pricing tier. Please retry after 86 "
                                  "seconds."}}), status=429, stream=True, step=7)
    upstream(t, "error_500_internal", dump({"error": {
        "code": "InternalServerError",
        "message": "Backend returned unexpected response. Please contact Microsoft for help."}}),
        status=500)
    upstream(t, "embeddings_base64", OA_EMBEDDINGS_BASE64, embeddings=True, step=16)


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


# ------------------------------------------------------------------------------------------------
# request_body: one byte (low 4 bits % 3: 0 chat, 1 completions, 2 embeddings; 0x10 erase
# "stream"; 0x20 set stream_options), then the client's body.

CHAT_FULL = {
    "model": "alias",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
        {"role": "user", "content": [
            {"type": "text", "text": "What is in these pictures?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg",
                                                "detail": "low"}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
            {"id": "call_2", "type": "function",
             "function": {"name": "get_time", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 21}"},
        {"role": "tool", "tool_call_id": "call_2", "content": "noon"},
        {"role": "user", "content": "Thanks"}],
    "tools": [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"], "additionalProperties": False,
                       "$schema": "http://json-schema.org/draft-07/schema#"}}},
        {"type": "function", "function": {"name": "get_time",
                                          "parameters": {"type": "object", "properties": {}}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": False,
    "stream": True,
    "stream_options": {"include_usage": True},
}


def request_body_seeds():
    t = "request_body"
    seed(t, "chat_minimal", [0x00],
         dump({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}))
    seed(t, "chat_tools_stream", [0x30], dump(CHAT_FULL))
    seed(t, "chat_tools_stream_pretty", [0x10], pretty(CHAT_FULL) + "\n")
    seed(t, "chat_sampling_response_format", [0x20], dump({
        "model": "openai/gpt-4o", "messages": [{"role": "user", "content": "Give me a person."}],
        "temperature": 0.3, "top_p": 0.9, "n": 2, "seed": 7, "stop": ["END", "\n\n"],
        "max_tokens": 100, "max_completion_tokens": 120, "presence_penalty": 0.1,
        "frequency_penalty": -0.2, "logit_bias": {"50256": -100}, "logprobs": True,
        "top_logprobs": 3, "user": "u-1", "reasoning_effort": "low",
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "person", "strict": True, "schema": {
                "type": "object", "properties": {"name": {"type": "string"}},
                "required": ["name"], "additionalProperties": False}}}}))
    seed(t, "chat_gateway_controls", [0x00], dump({
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
        "fallbacks": ["claude", {"model": "gemini"}, {"gpt-4o": ["gpt-4o-mini"]}],
        "disable_fallbacks": False, "timeout": 12.5, "num_retries": 2, "tags": ["prod", "team-a"],
        "metadata": {"tags": ["billing"], "trace_id": "t-1"}, "cache": {"no-cache": True},
        "mock_response": "canned", "mock_testing_fallbacks": True,
        "usage": {"include": True}, "stream": None}))
    seed(t, "chat_openrouter_models", [0x00], dump({
        "models": ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "usage": {"include": None}}))
    # Duplicate keys (the last counts), escaped keys, odd numbers and strings.
    seed(t, "chat_duplicates_escapes", [0x31],
         ' \r\n\t{"model":"first","stream":true,"mo\\u0064el":"gpt-4o",'
         '"messages":[{"role":"user","content":"caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t"}],'
         '"stream":false,"n":1E0,"temperature":-0.0,"seed":18446744073709551616,'
         '"logit_bias":{"1":-1e-400,"2":1.5e+300},"user":"\u00fc\u4e2d\U0001F600",'
         '"x":[[[[[[[[[[{"a":[null,true,false,0,-1,""]}]]]]]]]]]],"":""} \n')
    seed(t, "chat_bad_types", [0x00], dump({
        "model": 42, "messages": {"role": "user"}, "stream": "yes", "timeout": -1,
        "num_retries": 11, "tags": "prod", "fallbacks": "claude", "usage": True}))
    seed(t, "chat_trailing_garbage", [0x00],
         '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]} {"extra":1}')
    seed(t, "chat_truncated", [0x20], dump(CHAT_FULL)[:300])
    seed(t, "not_an_object", [0x00], '[{"model":"gpt-4o","messages":[]}]')
    seed(t, "completions_prompt_stream", [0x01], dump({
        "model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test", "max_tokens": 7,
        "temperature": 0, "stream": True, "echo": False, "logprobs": None, "suffix": None,
        "best_of": 1}))
    seed(t, "completions_token_prompts", [0x14], dump({
        "model": "text-completion-openai/babbage-002", "prompt": [[1212, 318, 257], [1332]],
        "stream": False, "stop": "\n"}))
    seed(t, "embeddings_batch", [0x02], dump({
        "model": "text-embedding-3-small",
        "input": ["The food was delicious and the waiter...", "Bonjour"],
        "encoding_format": "float", "dimensions": 256, "user": "user-1234"}))
    seed(t, "embeddings_tokens_base64", [0x25], dump({
        "model": "text-embedding-ada-002", "input": [1212, 318, 257, 1332, 13],
        "encoding_format": "base64"}))


# ------------------------------------------------------------------------------------------------
# http_request_head: one byte (piece size, 0 = whole), then the client's bytes.

def http(method, target, headers, body=b"", version="HTTP/1.1"):
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("utf-8") + b"\r\n" + body


def chunked(parts, trailers=""):
    out = b""
    for p in parts:
        p = p.encode("utf-8")
        out += f"{len(p):x}\r\n".encode() + p + b"\r\n"
    return out + b"0\r\n" + trailers.encode() + b"\r\n"


def http_seeds():
    t = "http_request_head"
    chat = dump({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}],
                 "stream": True})
    seed(t, "chat_post", [0], http("POST", "/v1/chat/completions", [
        ("Host", "localhost:4000"), ("User-Agent", "OpenAI/Python 1.54.4"),
        ("Accept", "application/json"), ("Authorization", "Bearer sk-1234"),
        ("Content-Type", "application/json"), ("X-Stainless-Lang", "python"),
        ("x-litellm-timeout", "30"), ("x-litellm-tags", "a, b,c"),
        ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ("Content-Length", str(len(chat)))], chat))
    key = dump({"models": ["gpt-4o"], "duration": "30d", "max_budget": 10})
    seed(t, "pipelined_three", [7],
         http("GET", "/health/liveliness", [("Host", "gw"), ("Connection", "keep-alive")])
         + http("GET", "/v1/models", [("Host", "gw"), ("Authorization", "Bearer sk-1234")])
         + http("POST", "/key/generate", [("Host", "gw"), ("Authorization", "Bearer sk-1234"),
                                          ("Content-Type", "application/json"),
                                          ("Content-Length", str(len(key)))], key))
    body = dump({"model": "text-embedding-3-small", "input": "hi"})
    seed(t, "chunked_with_trailer", [5], http("POST", "/v1/embeddings", [
        ("Host", "gw"), ("Transfer-Encoding", "chunked"), ("Content-Type", "application/json"),
        ("Trailer", "X-Checksum")], chunked([body[:10], body[10:]], "X-Checksum: abc\r\n")
        + http("GET", "/metrics", [("Host", "gw")])))
    seed(t, "chunk_extensions", [1], http("POST", "/v1/completions", [
        ("Host", "gw"), ("Transfer-Encoding", "gzip, chunked")],
        b'4;name=value\r\n{"a"\r\n3;quoted="x;y"\r\n:1}\r\n0\r\n\r\n'))
    msg = dump({"model": "claude-sonnet-4-5", "max_tokens": 1024,
                "messages": [{"role": "user", "content": "Hello, Claude"}]})
    seed(t, "expect_100_continue", [0], http("POST", "/v1/messages", [
        ("Host", "gw.example.com"), ("x-api-key", "sk-1234"),
        ("anthropic-version", "2023-06-01"), ("anthropic-beta", "prompt-caching-2024-07-31"),
        ("content-type", "application/json"), ("Expect", "100-continue"),
        ("Content-Length", str(len(msg)))], msg))
    seed(t, "http10_close", [3], http("GET", "/metrics", [
        ("Host", "127.0.0.1:4000"), ("Connection", "close")], version="HTTP/1.0"))
    seed(t, "query_and_absolute_target", [2],
         http("GET", "/key/info?key=sk-abc%2B1&page=2", [("Host", "gw"),
                                                        ("Authorization", "Bearer sk-1234")])
         + http("DELETE", "http://gw.example.com:4000/v1/responses/resp_0123?x=1",
                [("Host", "gw.example.com:4000"), ("Content-Length", "0")])
         + http("OPTIONS", "*", [("Host", "gw"), ("Origin", "https://app.example.com"),
                                 ("Access-Control-Request-Method", "POST")]))
    seed(t, "many_headers_folded", [64], http("POST", "/v1/responses", [
        ("Host", "gw"), ("Cookie", "a=b; c=d"), ("X-Forwarded-For", "10.0.0.1, 10.0.0.2"),
        ("X-Long", "v" * 300), ("Authorization", "Bearer sk-1234")]
        + [(f"X-H{i}", str(i)) for i in range(20)]
        + [("Content-Length", "2")], "{}").replace(b"X-H3: 3\r\n", b"X-H3: 3\r\n continued\r\n"))
    # Refused requests: conflicting framing, bad chunk sizes, bare LF, a too large body, a
    # truncated body, a bad version.
    seed(t, "bad_length_and_chunked", [0], http("POST", "/v1/chat/completions", [
        ("Host", "gw"), ("Content-Length", "4"), ("Transfer-Encoding", "chunked")],
        "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: gw\r\n\r\n"))
    seed(t, "bad_duplicate_length", [9], http("POST", "/v1/chat/completions", [
        ("Host", "gw"), ("Content-Length", "5"), ("Content-Length", "6")], "hello!"))
    seed(t, "bad_chunk_size", [4], http("POST", "/v1/chat/completions", [
        ("Host", "gw"), ("Transfer-Encoding", "chunked")], "zz\r\nhello\r\n0\r\n\r\n"))
    seed(t, "bare_lf_lines", [0],
         b"GET /health HTTP/1.1\nHost: gw\nAuthorization: Bearer sk-1234\n\n")
    seed(t, "body_over_limit", [0], http("POST", "/v1/embeddings", [
        ("Host", "gw"), ("Content-Length", "99999999999")], "{\"input\":"))
    seed(t, "truncated_body", [16], http("POST", "/v1/chat/completions", [
        ("Host", "gw"), ("Content-Length", "100")], chat[:40]))
    seed(t, "bad_version_and_method", [0],
         b"G\x01T / HTTP/1.1\r\n\r\nGET / HTTP/9.9\r\nHost: gw\r\n\r\n")


# ------------------------------------------------------------------------------------------------
# sse_cutter: one byte (piece size), then the stream's bytes.

def sse_seeds():
    t = "sse_cutter"
    seed(t, "openai_keepalive_crlf", [7], OA_TEXT_STREAM)
    seed(t, "anthropic_events", [13], ANT_TOOL_STREAM)
    seed(t, "gemini_crlf", [1], GEM_RECORDED_STREAM)
    seed(t, "fields_multiline_data", [3],
         "event: update\nid: 42\nretry: 1000\ndata: first line\ndata:second line\n"
         "data:  two spaces\ndata\n: a comment\nunknown-field: x\nevent\n\n"
         "data: {\"a\":1}\r\ndata: {\"b\":2}\r\n\r\n")
    seed(t, "bom_split", [1], "\ufeffdata: after a byte order mark\n\n\ufeffdata: not at start\n\n")
    seed(t, "bom_prefix_only", [2], b"\xef\xbbdata: x\n\n")
    seed(t, "lone_cr_not_line_end", [2], "data: a\rdata: b\r\n\r\ndata: c\r\r\n\r\n")
    seed(t, "comments_and_blank_lines", [0],
         "\n\r\n\n: ping\n\n: keep-alive\r\n\r\n\n\n\r\n: x\n\n\n")
    seed(t, "unterminated_last_event", [4],
         data(oa_chunk([oa_delta({"content": "x"})])) + "data: [DONE]")
    seed(t, "unterminated_crlf_tail", [5], "data: a\r\n\r\ndata: b\r\nevent: e\r")
    seed(t, "event_over_limit", [200], "data: " + "x" * 5000 + "\n\n" + "data: after\n\n")
    seed(t, "event_at_limit", [255],
         "data: " + "y" * (4096 - 8) + "\n\n" + "data: " + "z" * (4096 - 7) + "\n\n")
    seed(t, "endless_line", [128], "data: " + "w" * 4200)
    responses = (
        event("response.created", {"type": "response.created", "sequence_number": 0,
                                    "response": {"id": "resp_1", "object": "response",
                                                 "status": "in_progress", "output": []}})
        + event("response.output_text.delta", {"type": "response.output_text.delta",
                                               "sequence_number": 1, "item_id": "msg_1",
                                               "output_index": 0, "content_index": 0,
                                               "delta": "Hi"})
        + event("response.completed", {"type": "response.completed", "sequence_number": 2,
                                       "response": {"id": "resp_1", "status": "completed"}}))
    seed(t, "responses_api_events", [0], responses)


# ------------------------------------------------------------------------------------------------
# ingress_anthropic: byte 1 mode (mode & 3: 0 request, 1 chat.completion, 2/3 stream; for
# streams byte 2 the piece size), then the JSON or the OpenAI chunk stream.

ANT_TOOL_CONVERSATION = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "system": [{"type": "text", "text": "You are a weather bot.",
                "cache_control": {"type": "ephemeral"}},
               {"type": "text", "text": "Be terse."}],
    "messages": [
        {"role": "user", "content": "What's the weather like in San Francisco?"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Let me look.", "signature": "sig"},
            {"type": "text", "text": "I'll check the weather."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
             "input": {"location": "San Francisco, CA", "unit": "celsius"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
             "content": "15 degrees"},
            {"type": "text", "text": "And tomorrow?"}]}],
    "tools": [{"name": "get_weather",
               "description": "Get the current weather in a given location",
               "input_schema": {"type": "object",
                                "properties": {"location": {"type": "string"},
                                               "unit": {"type": "string",
                                                        "enum": ["celsius", "fahrenheit"]}},
                                "required": ["location"]}}],
    "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
    "stop_sequences": ["\n\nHuman:"],
    "temperature": 0.5, "top_p": 0.9, "top_k": 40,
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "metadata": {"user_id": "user-42"},
    "stream": True,
}


def chunk_text(choice, extra=None):
    """An OpenAI chunk as the ingress tests write it."""
    c = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt"}
    if extra:
        c.update(extra)
    c["choices"] = [choice]
    return data(c)


USAGE_CHUNK = data({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                    "model": "gpt", "choices": [],
                    "usage": {"prompt_tokens": 25, "completion_tokens": 15, "total_tokens": 40,
                              "prompt_tokens_details": {"cached_tokens": 8},
                              "completion_tokens_details": {"reasoning_tokens": 3}}})
DONE = "data: [DONE]\n\n"

INGRESS_TEXT_STREAM = (
    chunk_text(oa_delta({"role": "assistant", "content": ""}))
    + chunk_text(oa_delta({"content": "Hello"}))
    + chunk_text(oa_delta({"content": " wörld!"}))
    + chunk_text(oa_delta({}, "stop"))
    + USAGE_CHUNK + DONE)

INGRESS_TOOL_STREAM = (
    chunk_text({"index": 0, "delta": {"role": "assistant", "content": "Let me check."},
                "finish_reason": None})
    + chunk_text({"index": 0, "delta": {"tool_calls": [
        {"index": 0, "id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": ""}}]}, "finish_reason": None})
    + chunk_text({"index": 0, "delta": {"tool_calls": [
        {"index": 0, "function": {"arguments": "{\"location\":"}}]}, "finish_reason": None})
    + chunk_text({"index": 0, "delta": {"tool_calls": [
        {"index": 1, "id": "call_2", "type": "function",
         "function": {"name": "get_time", "arguments": "{\"tz\":"}}]}, "finish_reason": None})
    + chunk_text({"index": 0, "delta": {"tool_calls": [
        {"index": 0, "function": {"arguments": "\"Paris\"}"}}]}, "finish_reason": None})
    + chunk_text({"index": 0, "delta": {"tool_calls": [
        {"index": 1, "function": {"arguments": "\"CET\"}"}}]}, "finish_reason": None})
    + chunk_text({"index": 0, "delta": {}, "finish_reason": "tool_calls"})
    + DONE)

INGRESS_REASONING_STREAM = (
    chunk_text(oa_delta({"role": "assistant", "reasoning_content": "Think"}))
    + chunk_text(oa_delta({"reasoning_content": "ing."}))
    + chunk_text(oa_delta({"content": "Done.", "refusal": None}))
    + chunk_text(oa_delta({}, "stop"), {"usage": None})
    + DONE)

INGRESS_ERROR_MID_STREAM = (
    chunk_text({"index": 0, "delta": {"content": "partial"}, "finish_reason": None})
    + data({"error": {"message": "Overloaded", "type": "server_error", "code": 529}}))

INGRESS_CRLF_LENGTH = (
    'data: {"choices":[{"index":0,"delta":{"content":"ab"}}]}\r\n\r\n'
    'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\r\n\r\n')


def ingress_anthropic_seeds():
    t = "ingress_anthropic"
    seed(t, "req_tool_conversation", [0], pretty(ANT_TOOL_CONVERSATION))
    seed(t, "req_minimal", [4], dump({"model": "m", "max_tokens": 5, "messages": [
        {"role": "user", "content": "Hello, Claude"}]}))
    seed(t, "req_images_documents", [0], dump({"model": "claude-sonnet-4-5", "max_tokens": 512,
        "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                         "data": "/9j/4AAQ"}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": "JVBERi0xLjQK"}, "title": "report"},
            {"type": "text", "text": "Describe these images.",
             "cache_control": {"type": "ephemeral", "ttl": "1h"}}]}]}))
    seed(t, "req_tool_results_blocks", [0], dump({"model": "m", "max_tokens": 5, "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "a", "input": {}},
            {"type": "tool_use", "id": "toolu_2", "name": "b", "input": {"x": 1}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": [
                {"type": "text", "text": "line 1"}, {"type": "text", "text": "line 2"}]},
            {"type": "tool_result", "tool_use_id": "toolu_2", "is_error": True}]}],
        "tools": [{"name": "a", "input_schema": {"type": "object"}},
                  {"name": "b", "input_schema": {"type": "object", "properties": {
                      "x": {"type": "integer"}}}}],
        "tool_choice": {"type": "tool", "name": "b"},
        "mock_response": "canned", "fallbacks": ["b"], "service_tier": "auto"}))
    seed(t, "req_count_tokens_no_max", [0], dump({
        "model": "m", "system": "abcd", "messages": [{"role": "user", "content": "abcdefgh"}],
        "tools": [{"type": "web_search_20250305", "name": "web_search"}]}))
    seed(t, "req_invalid_fields", [0], dump({
        "model": "m", "max_tokens": "5", "temperature": 1.5, "stop_sequences": [1],
        "messages": [{"role": "bot", "content": "x"}, {"role": "user"},
                     {"role": "user", "content": [{"type": 7}]}]}))
    seed(t, "completion_text", [1], dump({
        "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1741569952,
        "model": "gpt-4.1", "choices": [{"index": 0, "message": {
            "role": "assistant", "content": "Hello! How can I help?", "refusal": None},
            "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
                  "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0}}}))
    seed(t, "completion_tool_calls", [5], dump({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "call_abc", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
                {"id": "call_def", "type": "function",
                 "function": {"name": "noop", "arguments": "not json"}}]}}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "cache_read_input_tokens": 2,
                  "cache_creation_input_tokens": 1}}))
    seed(t, "completion_stop_sequence", [1], dump({"choices": [
        {"index": 0, "finish_reason": "stop", "stop_reason": "STOP",
         "message": {"role": "assistant", "content": "x", "reasoning_content": "why"}}]}))
    seed(t, "completion_odd_types", [1], dump({"choices": [{"finish_reason": 7, "message": {
        "content": [{"type": 1}, {"type": "text", "text": 2}, {"type": "text", "text": "ok"}],
        "tool_calls": [{"id": 3, "function": {"name": 4, "arguments": 5}}]}}],
        "usage": {"prompt_tokens": "x"}}))
    seed(t, "stream_text_usage", [2, 37], INGRESS_TEXT_STREAM)
    seed(t, "stream_tool_calls", [3, 0], INGRESS_TOOL_STREAM)
    seed(t, "stream_crlf_length", [2, 1], INGRESS_CRLF_LENGTH)
    seed(t, "stream_error_mid", [6, 0], INGRESS_ERROR_MID_STREAM)
    seed(t, "stream_cut_early", [3, 7], chunk_text({"index": 0, "delta": {"content": "x"}})
         + 'data: {"choices":[{"index":0,"delta":{"content":"y')


# ------------------------------------------------------------------------------------------------
# ingress_responses: as ingress_anthropic, with Responses API requests.

RESP_EVERY_ITEM = {
    "model": "gpt-4.1",
    "instructions": "Talk like a pirate.",
    "input": [
        {"role": "system", "content": "You are terse."},
        {"role": "developer", "content": [{"type": "input_text", "text": "Use metric units."},
                                          {"type": "input_text", "text": "No emoji."}]},
        {"role": "user", "content": [
            {"type": "input_text", "text": "Weather here? Also read the file."},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=",
             "detail": "low"},
            {"type": "input_image", "image_url": "https://example.com/sky.jpg"},
            {"type": "input_file", "filename": "report.pdf",
             "file_data": "data:application/pdf;base64,JVBERi0="}]},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text",
                                                         "text": "Need tools."}]},
        {"role": "assistant", "id": "msg_1", "content": [{"type": "output_text",
                                                          "text": "Checking."}]},
        {"type": "function_call", "call_id": "call_a", "name": "weather",
         "arguments": "{\"city\":\"Oslo\"}"},
        {"type": "function_call", "id": "fc_2", "call_id": "call_b", "name": "read",
         "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_a", "output": "12 C"},
        {"type": "function_call_output", "call_id": "call_b",
         "output": [{"type": "input_text", "text": "page 1"},
                    {"type": "input_text", "text": "page 2"}]},
        {"type": "message", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "12 C.", "annotations": []},
                     {"type": "refusal", "refusal": "I won't summarise it."}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text",
                                                         "text": "Thanks"}]}],
}


def ingress_responses_seeds():
    t = "ingress_responses"
    seed(t, "req_string_input", [0], dump({"model": "gpt-4o", "input": "Tell me a joke."}))
    seed(t, "req_every_item", [0], pretty(RESP_EVERY_ITEM))
    seed(t, "req_function_call_pairs", [4], dump({"model": "m", "input": [
        {"role": "user", "content": "go"},
        {"type": "function_call", "call_id": "c1", "name": "a", "arguments": "{}"},
        {"type": "reasoning", "summary": []},
        {"type": "function_call", "call_id": "c2", "name": "b", "arguments": "{\"x\":1}"},
        {"type": "function_call_output", "call_id": "c2", "output": "two"},
        {"type": "function_call_output", "call_id": "c1", "output": "one"},
        {"type": "function_call", "call_id": "c3", "name": "a", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c3", "output": "",
         "status": "incomplete"}]}))
    # Item references resolve against the input itself (the target passes it as the history).
    seed(t, "req_item_references", [0], dump({"model": "m", "previous_response_id": "resp_1",
        "input": [
            {"id": "msg_h", "type": "message", "role": "user", "status": "completed",
             "content": [{"type": "input_text", "text": "from history"}]},
            {"id": "fc_s", "type": "function_call", "status": "completed", "call_id": "c",
             "name": "f", "arguments": "{}"},
            {"type": "item_reference", "id": "msg_h"},
            {"id": "fc_s"},
            {"type": "item_reference", "id": "rs_gone"},
            {"type": "function_call_output", "call_id": "c", "output": "ok"}]}))
    seed(t, "req_tools_text_format", [0], dump({"model": "m", "input": "x",
        "instructions": "Be terse.",
        "tools": [{"type": "function", "name": "get_weather", "description": "Weather by city",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                  "required": ["city"], "additionalProperties": False},
                   "strict": True},
                  {"type": "function", "name": "noop", "parameters": None, "strict": None}],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": False,
        "text": {"format": {"type": "json_schema", "name": "person", "description": "A person",
                            "strict": True, "schema": {"type": "object", "properties": {
                                "name": {"type": "string"}}, "required": ["name"]}},
                 "verbosity": "low"}}))
    seed(t, "req_settings", [0], dump({"model": "o4-mini", "input": "x",
        "reasoning": {"effort": "high", "summary": "auto"}, "max_output_tokens": 2048,
        "temperature": 0.2, "top_p": 0.9, "user": "u-1", "metadata": {"order": "42"},
        "stream": True, "store": False, "truncation": "auto",
        "include": ["reasoning.encrypted_content"], "service_tier": "auto", "top_logprobs": 2,
        "max_tool_calls": 3, "prompt_cache_key": "k", "safety_identifier": "s",
        "stream_options": {"include_obfuscation": False}, "background": False,
        "fallbacks": ["b"], "num_retries": 2, "tags": ["t"], "unknown_field": 1}))
    seed(t, "req_refused", [0], dump({"model": "m", "background": True, "conversation": "conv_1",
        "input": [{"type": "web_search_call", "id": "ws_1", "status": "completed"},
                  {"role": "user", "content": [{"type": "input_file", "file_id": "file-1"}]}],
        "tools": [{"type": "function", "name": "f"}, {"type": "web_search"}],
        "tool_choice": {"type": "allowed_tools", "mode": "auto", "tools": []},
        "temperature": 3}))
    seed(t, "completion_text_usage", [1], dump(oa_completion(
        {"role": "assistant", "content": "Hello there!", "refusal": None}, "stop",
        {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
         "prompt_tokens_details": {"cached_tokens": 1920},
         "completion_tokens_details": {"reasoning_tokens": 256}})))
    seed(t, "completion_tools_reasoning", [5], dump(oa_completion(
        {"role": "assistant", "content": "Checking.", "reasoning_content": "2+2 is 4.",
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}},
                        {"id": "call_2", "type": "function",
                         "function": {"name": "noop", "arguments": ""}}]}, "tool_calls")))
    seed(t, "completion_refusal_length", [1], dump(oa_completion(
        {"role": "assistant", "content": "Once upon", "refusal": "I can't help with that."},
        "length", {"prompt_tokens": 10, "completion_tokens": 5, "cache_read_input_tokens": 4})))
    seed(t, "stream_text_usage", [2, 37], INGRESS_TEXT_STREAM)
    seed(t, "stream_tool_calls", [3, 0], INGRESS_TOOL_STREAM)
    seed(t, "stream_reasoning", [2, 5], INGRESS_REASONING_STREAM)
    seed(t, "stream_error_mid", [2, 0], INGRESS_ERROR_MID_STREAM)
    seed(t, "stream_cut_no_done", [2, 9], chunk_text({"index": 0, "delta": {"content": "x"}})
         + "data: [DONE]")


# ------------------------------------------------------------------------------------------------
# config_yaml: the YAML itself. Whole configs of the repository, and a few made here.

CONFIG_FILES = {
    "quickstart": "config/quickstart.yaml",
    "litellm_production": "tests/configs/litellm/production.yaml",
    "litellm_fallbacks_reliability": "tests/configs/litellm/fallbacks_reliability.yaml",
    "litellm_virtual_keys_budgets": "tests/configs/litellm/virtual_keys_budgets.yaml",
    "litellm_yaml11_scalars_env": "tests/configs/litellm/yaml11_scalars_env.yaml",
    "litellm_include_files": "tests/configs/litellm/include_files.yaml",
    "litellm_providers_embeddings": "tests/configs/litellm/providers_embeddings.yaml",
    "litellm_tag_routing": "tests/configs/litellm/tag_routing.yaml",
    "litellm_azure_credentials": "tests/configs/litellm/azure_credentials_aliases.yaml",
    "litellm_cache_redis_semantic": "tests/configs/litellm/cache_redis_semantic.yaml",
    "litellm_wildcard_disk_cache": "tests/configs/litellm/wildcard_disk_cache.yaml",
}


def config_seeds():
    t = "config_yaml"
    for name, path in CONFIG_FILES.items():
        seed(t, name, [], (REPO / path).read_bytes())
    seed(t, "flow_style_json", [], dump({
        "model_list": [{"model_name": "gpt-4o", "litellm_params": {
            "model": "openai/gpt-4o", "api_key": "os.environ/OPENAI_API_KEY", "rpm": 10}},
            {"model_name": "*", "litellm_params": {"model": "anthropic/*"}}],
        "router_settings": {"routing_strategy": "latency-based-routing",
                            "fallbacks": [{"gpt-4o": ["claude"]}]},
        "general_settings": {"master_key": "sk-1234", "database_url": "sqlite:///x.db"}}) + "\n")
    seed(t, "anchors_tags_multidoc", [],
         "%YAML 1.1\n---\n"
         "x-common: &common {api_key: !!str 12345, timeout: 1e3, rpm: 0x10, tpm: 0o17}\n"
         "model_list:\n"
         "  - model_name: 'single ''quoted'''\n"
         "    litellm_params:\n"
         "      <<: [*common]\n"
         "      model: \"gemini/gemini-2.5-flash\\u0021\"\n"
         "      api_base: >-\n        https://generativelanguage.googleapis.com\n"
         "      mock_response: |\n        line one\n        line two\n"
         "    model_info: {id: ~, mode: chat}\n"
         "  - ? model_name\n    : bare\n    litellm_params: *common\n"
         "router_settings: {num_retries: .inf, cooldown_time: -.5, allowed_fails: null}\n"
         "general_settings: {master_key: os.environ/UNSET_SWITCHYARD_FUZZ_KEY}\n"
         "include: [does/not/exist.yaml, /nonexistent/abs.yaml]\n"
         "...\n---\nmodel_list: []\n")
    seed(t, "wrong_types", [],
         "model_list:\n"
         "  model_name: not-a-list\n"
         "router_settings: [1, 2]\n"
         "litellm_settings:\n  drop_params: maybe\n  request_timeout: -3\n"
         "  cache: true\n  cache_params: {type: redis, port: \"not a port\", ttl: 1mo}\n"
         "general_settings:\n  master_key: 1234\n  database_url: ftp://x\n"
         "environment_variables: [A, B]\n"
         "mcp_servers: {}\n")
    seed(t, "syntax_errors", [],
         "model_list:\n"
         "  - model_name: gpt-4o\n"
         "\tlitellm_params:\n"
         "      model: \"openai/gpt-4o\n"
         "  - [unclosed\n"
         "router_settings: {a: 1\n"
         "*undefined_alias\n")


# ------------------------------------------------------------------------------------------------
# admin_key_body: the JSON body of a /key/* route.

def admin_seeds():
    t = "admin_key_body"
    seed(t, "generate_every_field", [], pretty({
        "key_alias": "team-a", "models": ["gpt-4o", "claude"], "aliases": {"gpt-4": "gpt-4o"},
        "max_budget": 10.5, "soft_budget": 8, "budget_duration": "30d", "spend": 1.25,
        "rpm_limit": 100, "tpm_limit": 20000, "max_parallel_requests": 4, "duration": "7d",
        "metadata": {"app": "billing"}, "tags": ["prod"], "blocked": True, "user_id": "u1",
        "team_id": "t1", "model_max_budget": {"gpt-4o": {"budget_limit": 2, "time_period": "1d"}},
        "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 1000}}))
    seed(t, "generate_custom_key", [], dump({
        "key": "sk-my-custom-key-0001", "models": ["gpt-4o-mini"], "duration": "1mo",
        "budget_duration": "1mo", "max_budget": 0}))
    seed(t, "update_all_null", [], dump({k: None for k in [
        "key_alias", "models", "aliases", "max_budget", "soft_budget", "budget_duration",
        "spend", "rpm_limit", "tpm_limit", "max_parallel_requests", "duration", "metadata",
        "tags", "blocked", "user_id", "team_id", "model_max_budget", "model_rpm_limit",
        "model_tpm_limit", "key"]}))
    seed(t, "update_metadata_limits", [], dump({
        "key": "sk-abc", "max_budget": 20, "models": [], "budget_duration": "24h",
        "metadata": {"tags": ["a", "b"], "model_rpm_limit": {"gpt-4o": 5},
                     "model_tpm_limit": {"gpt-4o": 500}, "nested": {"x": [1, 2.5, None]}}}))
    seed(t, "expires_iso_offset", [], dump({
        "expires": "2027-03-01T12:00:00.123+05:30", "duration": None}))
    seed(t, "lenient_and_never_forms", [], dump({
        "max_budget": "", "rpm_limit": 10.0, "tpm_limit": 0, "duration": "-1",
        "budget_duration": "None", "soft_budget": 5, "grace_period": "0s"}))
    seed(t, "delete_keys_aliases", [], dump({
        "keys": ["sk-abc", "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"],
        "key_aliases": ["team-a", ""]}))
    seed(t, "regenerate_grace", [], dump({
        "key": "sk-old-key", "new_key": "sk-new-key", "grace_period": "24h",
        "max_budget": 5, "duration": "30s"}))
    seed(t, "block_by_hash", [], dump({
        "key": "88DC28D0F030C55ED4AB77ED8FAF098196CB1C05DF778539800C9F1243FE6B4B"}))
    seed(t, "bad_types", [], dump({
        "key": "not-sk", "key_alias": 5, "models": ["a", 1], "max_budget": "10",
        "rpm_limit": 1.5, "tpm_limit": 1e30, "budget_duration": "30x", "duration": "7y",
        "expires": 1700000000, "tags": "prod", "blocked": "yes", "keys": "sk-1",
        "new_key": 3, "grace_period": "soon",
        "model_max_budget": {"m": {"budget_limit": 1, "time_period": "1q"}}}))
    seed(t, "unknown_fields", [], dump({
        "guardrails": ["x"], "key_type": "llm_api", "config": {}, "permissions": {},
        "send_invite_email": True, "allowed_routes": ["/chat/completions"]}))
    seed(t, "not_an_object", [], "[1, 2]")


# ------------------------------------------------------------------------------------------------
# durations_urls: one byte (which % 8 picks the parser; 0x80 gives splitModel a default
# provider), then the text.

def durations_urls_seeds():
    t = "durations_urls"
    s = lambda name, which, text: seed(t, name, [which], text)  # noqa: E731
    s("duration_30d", 0x00, "30d")
    s("duration_forms", 0x08, " 1.5mo ")
    s("url_openai", 0x01, "https://api.openai.com/v1")
    s("url_ipv6_query_fragment", 0x09,
      "HTTP://[2001:db8::42]:8080/openai/deployments/x//?api-version=2024-02-01&a=b#frag")
    s("database_sqlite", 0x02, "sqlite:///var/lib/switchyard/switchyard.db")
    s("database_postgres", 0x0A,
      "postgresql://switchyard:p%40ss@db.internal:5432/switchyard?sslmode=require")
    s("redis_password_db", 0x03, "redis://:pw@127.0.0.1:6379/0")
    s("redis_tls_user", 0x0B, "rediss://default:s3cr%3Aet@redis.example.com:6380/2?ssl_cert_reqs=none")
    s("iso_time_z", 0x04, "2026-12-07T10:00:00Z")
    s("iso_time_offset_ms", 0x0C, "2027-03-01 12:00:00.123456-05:30")
    s("traceparent", 0x05, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    s("query_target", 0x06, "/key/info?key=sk-1&page=2")
    s("query_percent_plus", 0x0E, "/spend/logs?api_key=sk%2Dabc+def&key=a%2Bb%zz%4&page&key=2")
    s("model_provider_slash", 0x07, "openai/gpt-4o")
    s("model_default_provider", 0x87, "gpt-4o-mini")


# ------------------------------------------------------------------------------------------------
# redis_reply: one byte (piece size), then what the server sends (RESP2).

def bulk(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return b"$" + str(len(b)).encode() + b"\r\n" + b + b"\r\n"


def arr(*items):
    return b"*" + str(len(items)).encode() + b"\r\n" + b"".join(items)


def integer(n):
    return b":" + str(n).encode() + b"\r\n"


def redis_seeds():
    t = "redis_reply"
    seed(t, "every_type", [1],
         b"+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*3\r\n:1\r\n$1\r\nx\r\n*-1\r\n")
    entry = dump({"v": 1, "status": 200, "body": dump(oa_completion(
        {"role": "assistant", "content": "cached\r\nanswer"})), "stored": 1741569952})
    seed(t, "cache_get_hit", [7], bulk(entry))
    seed(t, "cache_miss_then_set", [0], b"$-1\r\n+OK\r\n$0\r\n\r\n")
    seed(t, "evalsha_noscript_then_eval", [3],
         b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
         + arr(integer(1), integer(0), bulk("1.25"), bulk("0"), integer(-1)))
    seed(t, "deployment_sync_eval", [9],
         arr(integer(3), integer(1200), integer(5), integer(800), integer(0), integer(0)))
    seed(t, "pubsub_subscribe_message", [5],
         arr(bulk("subscribe"), bulk("switchyard:keys"), integer(1))
         + arr(bulk("message"), bulk("switchyard:keys"),
               bulk(dump({"op": "update", "token": "88dc28d0f030c55e", "blocked": True})))
         + arr(bulk("pong"), bulk("")))
    seed(t, "nested_arrays", [2],
         arr(arr(integer(1), integer(2)), arr(arr()), b"*-1\r\n", arr(b"$-1\r\n", b"+QUEUED\r\n"))
         + b"*0\r\n")
    seed(t, "error_replies", [0],
         b"-ERR unknown command 'HELLO', with args beginning with: '3'\r\n"
         b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
         b"-LOADING Redis is loading the dataset in memory\r\n"
         b"-NOAUTH Authentication required.\r\n"
         b"-MOVED 3999 127.0.0.1:6381\r\n")
    seed(t, "integer_limits", [1],
         b":-9223372036854775808\r\n:0\r\n:9223372036854775807\r\n:+5\r\n:99999999999999999999\r\n")
    seed(t, "garbage_http", [0], b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    seed(t, "truncated_bulk", [4], b"+OK\r\n$10\r\nabc")
    seed(t, "endless_bulk_length", [0], b"$999999999999\r\nabc")
    seed(t, "binary_bulk_crlf", [6], bulk(b"a\r\nb\x00c\xff") + b"$3\r\nabcd\r\n")
    seed(t, "resp3_types", [0], b"%1\r\n+a\r\n:1\r\n_\r\n,3.14\r\n#t\r\n>2\r\n+x\r\n+y\r\n")
    seed(t, "bare_lf", [0], b"+OK\n:1\n")


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


# ------------------------------------------------------------------------------------------------

def write_if_changed(path, content):
    if path.exists() and path.read_bytes() == content:
        return False
    path.write_bytes(content)
    return True


def main():
    openai_seeds()
    azure_seeds()
    anthropic_seeds()
    gemini_seeds()
    request_body_seeds()
    http_seeds()
    sse_seeds()
    ingress_anthropic_seeds()
    ingress_responses_seeds()
    config_seeds()
    admin_seeds()
    durations_urls_seeds()
    redis_seeds()

    corpus = FUZZ / "corpus"
    corpus.mkdir(exist_ok=True)
    written = removed = 0
    for target in TARGETS:
        assert SEEDS[target], f"no seeds for {target}"
        folder = corpus / target
        folder.mkdir(exist_ok=True)
        for name, content in sorted(SEEDS[target].items()):
            written += write_if_changed(folder / name, content)
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.name not in SEEDS[target]:
                f.unlink()
                removed += 1
        regressions = FUZZ / "regressions" / target
        regressions.mkdir(parents=True, exist_ok=True)
        keep = regressions / ".gitkeep"
        if not keep.exists():
            keep.write_bytes(b"")
    # A corpus folder of a target that no longer exists would make scripts/fuzz.sh look for it.
    for folder in sorted(corpus.iterdir()):
        if folder.is_dir() and folder.name not in SEEDS:
            for f in folder.iterdir():
                if f.is_file():
                    f.unlink()
                    removed += 1
            folder.rmdir()

    dicts = FUZZ / "dict"
    dicts.mkdir(exist_ok=True)
    for target, entries in sorted(DICTS.items()):
        assert target in SEEDS, target
        lines, seen = [], set()
        for line in entries:
            if line.startswith("#") or line not in seen:
                lines.append(line)
                seen.add(line)
        text = (f"# libFuzzer dictionary for fuzz_{target}: written by fuzz/seeds.py, do not "
                "edit.\n" + "\n".join(lines) + "\n")
        written += write_if_changed(dicts / f"{target}.dict", text.encode("utf-8"))

    for target in TARGETS:
        print(f"{target:22} {len(SEEDS[target]):3} seeds")
    print(f"{written} files written, {removed} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
