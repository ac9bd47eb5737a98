"""Seeds of request_body, http_request_head and sse_cutter: client bodies, heads, SSE."""

from .common import data, dump, event, pretty, seed
from .upstream_anthropic_gemini import ANT_TOOL_STREAM, GEM_RECORDED_STREAM
from .upstream_openai import OA_TEXT_STREAM, oa_chunk, oa_delta


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
