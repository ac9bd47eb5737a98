"""Seeds of ingress_anthropic and ingress_responses: requests and OpenAI replies to translate."""

from .common import data, dump, pretty, seed
from .upstream_openai import oa_completion, oa_delta


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
