"""Seeds of upstream_openai and upstream_azure: OpenAI/Azure responses, streams, errors."""

from .common import data, dump, upstream


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
