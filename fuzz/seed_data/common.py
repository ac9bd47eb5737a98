"""The targets, the SEEDS registry and the shared helpers: seed, upstream, JSON and SSE framing."""

import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent.parent  # fuzz/
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
