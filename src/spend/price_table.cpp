// The built-in price table (docs/keys.md) and the lookup rules of spend::builtinPrices.

#include <algorithm>
#include <string>

#include "price_table.hpp"

namespace switchyard::spend {
namespace {

constexpr double kNo = kUnsetPrice;

// USD per token: input, output, cache read, cache write (creation), reasoning output; then the
// model's max_output_tokens (0: LiteLLM gives none). kNo: not set (falls back to input/output).
//
// Source: LiteLLM's model_prices_and_context_window.json as published on BerriAI/litellm main on
// 2026-07-24 (its copy stamped last_updated 2026-07-24T18:23:43Z); the version stored at
// BerriAI/litellm commit 00035b69f416 carries the same values for the rows spot-checked (gpt-4o,
// gpt-4o-mini, claude-sonnet-4-5, claude-opus-4-1). Rows marked "retired" are models LiteLLM
// dropped from its map on 2026-03-11; their prices are the map's of that day (2026-03-11T14:23Z).
// Families are keyed without a date ("claude-3-5-sonnet" for claude-3-5-sonnet-20241022); a dated
// id LiteLLM prices differently from its family has its own row (gpt-4o-2024-05-13).
// Not modelled: tiers above 200k/272k prompt tokens, 1-hour cache writes, batch/priority/flex
// prices, audio and image tokens. gemini text-embedding-004 is free on the Gemini API (LiteLLM has
// no gemini/ row for it). Local hosts (ollama, lm_studio, hosted_vllm, ...) have no rows.
//
// Sorted by provider, then model compared case-insensitively (checked below).
constexpr PriceRow kRows[] = {
    // anthropic
    // retired: from the 2026-03-11 map
    {"anthropic", "claude-3-5-haiku", 8e-7, 4e-6, 8e-8, 1e-6, kNo, 8192},
    // retired: from the 2026-03-11 map
    {"anthropic", "claude-3-5-sonnet", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 8192},
    {"anthropic", "claude-3-7-sonnet", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 64000},
    {"anthropic", "claude-3-haiku", 2.5e-7, 1.25e-6, 3e-8, 3e-7, kNo, 4096},
    {"anthropic", "claude-3-opus", 1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, kNo, 4096},
    {"anthropic", "claude-4-opus", 1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, kNo, 32000},
    {"anthropic", "claude-4-sonnet", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 64000},
    {"anthropic", "claude-haiku-4-5", 1e-6, 5e-6, 1e-7, 1.25e-6, kNo, 64000},
    {"anthropic", "claude-opus-4", 1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, kNo, 32000},
    {"anthropic", "claude-opus-4-1", 1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, kNo, 32000},
    {"anthropic", "claude-opus-4-5", 5e-6, 2.5e-5, 5e-7, 6.25e-6, kNo, 64000},
    {"anthropic", "claude-opus-4-6", 5e-6, 2.5e-5, 5e-7, 6.25e-6, kNo, 128000},
    {"anthropic", "claude-opus-4-7", 5e-6, 2.5e-5, 5e-7, 6.25e-6, kNo, 128000},
    {"anthropic", "claude-sonnet-4", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 64000},
    {"anthropic", "claude-sonnet-4-5", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 64000},
    {"anthropic", "claude-sonnet-4-6", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 64000},
    // azure
    {"azure", "gpt-35-turbo", 5e-7, 1.5e-6, kNo, kNo, kNo, 4096},
    {"azure", "gpt-35-turbo-1106", 1e-6, 2e-6, kNo, kNo, kNo, 4096},
    {"azure", "gpt-35-turbo-16k", 3e-6, 4e-6, kNo, kNo, kNo, 4096},
    {"azure", "gpt-4", 3e-5, 6e-5, kNo, kNo, kNo, 4096},
    {"azure", "gpt-4-turbo", 1e-5, 3e-5, kNo, kNo, kNo, 4096},
    {"azure", "gpt-4.1", 2e-6, 8e-6, 5e-7, kNo, kNo, 32768},
    {"azure", "gpt-4.1-mini", 4e-7, 1.6e-6, 1e-7, kNo, kNo, 32768},
    {"azure", "gpt-4.1-nano", 1e-7, 4e-7, 2.5e-8, kNo, kNo, 32768},
    {"azure", "gpt-4o", 2.5e-6, 1e-5, 1.25e-6, kNo, kNo, 16384},
    {"azure", "gpt-4o-2024-05-13", 5e-6, 1.5e-5, kNo, kNo, kNo, 4096},
    {"azure", "gpt-4o-2024-11-20", 2.75e-6, 1.1e-5, 1.25e-6, kNo, kNo, 16384},
    {"azure", "gpt-4o-mini", 1.65e-7, 6.6e-7, 7.5e-8, kNo, kNo, 16384},
    {"azure", "gpt-5", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 128000},
    {"azure", "gpt-5-chat", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 16384},
    {"azure", "gpt-5-mini", 2.5e-7, 2e-6, 2.5e-8, kNo, kNo, 128000},
    {"azure", "gpt-5-nano", 5e-8, 4e-7, 5e-9, kNo, kNo, 128000},
    {"azure", "gpt-5.1", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 128000},
    {"azure", "gpt-5.2", 1.75e-6, 1.4e-5, 1.75e-7, kNo, kNo, 128000},
    {"azure", "gpt-5.4", 2.5e-6, 1.5e-5, 2.5e-7, kNo, kNo, 128000},
    {"azure", "gpt-5.4-mini", 7.5e-7, 4.5e-6, 7.5e-8, kNo, kNo, 128000},
    {"azure", "gpt-5.4-nano", 2e-7, 1.25e-6, 2e-8, kNo, kNo, 128000},
    {"azure", "gpt-5.5", 5e-6, 3e-5, 5e-7, kNo, kNo, 128000},
    {"azure", "o1", 1.5e-5, 6e-5, 7.5e-6, kNo, kNo, 100000},
    {"azure", "o1-mini", 1.21e-6, 4.84e-6, 6.05e-7, kNo, kNo, 65536},
    {"azure", "o1-mini-2024-09-12", 1.1e-6, 4.4e-6, 5.5e-7, kNo, kNo, 65536},
    {"azure", "o3", 2e-6, 8e-6, 5e-7, kNo, kNo, 100000},
    {"azure", "o3-mini", 1.1e-6, 4.4e-6, 5.5e-7, kNo, kNo, 100000},
    {"azure", "o4-mini", 1.1e-6, 4.4e-6, 2.75e-7, kNo, kNo, 100000},
    {"azure", "text-embedding-3-large", 1.3e-7, 0, kNo, kNo, kNo, 0},
    {"azure", "text-embedding-3-small", 2e-8, 0, kNo, kNo, kNo, 0},
    {"azure", "text-embedding-ada-002", 1e-7, 0, kNo, kNo, kNo, 0},
    // deepseek
    {"deepseek", "deepseek-chat", 2.8e-7, 4.2e-7, 2.8e-8, 0, kNo, 8192},
    {"deepseek", "deepseek-reasoner", 2.8e-7, 4.2e-7, 2.8e-8, kNo, kNo, 65536},
    {"deepseek", "deepseek-v4-flash", 1.4e-7, 2.8e-7, 2.8e-9, 0, kNo, 8192},
    {"deepseek", "deepseek-v4-pro", 4.35e-7, 8.7e-7, 3.625e-9, 0, kNo, 8192},
    // fireworks_ai
    {"fireworks_ai", "accounts/fireworks/models/deepseek-r1", 3e-6, 8e-6, kNo, kNo, kNo, 20480},
    {"fireworks_ai", "accounts/fireworks/models/deepseek-v3", 9e-7, 9e-7, kNo, kNo, kNo, 8192},
    {"fireworks_ai", "accounts/fireworks/models/deepseek-v3p1", 5.6e-7, 1.68e-6, kNo, kNo, kNo,
     8192},
    {"fireworks_ai", "accounts/fireworks/models/gpt-oss-120b", 1.5e-7, 6e-7, 1.5e-8, kNo, kNo,
     32768},
    {"fireworks_ai", "accounts/fireworks/models/kimi-k2-instruct", 6e-7, 2.5e-6, kNo, kNo, kNo,
     16384},
    {"fireworks_ai", "accounts/fireworks/models/llama-v3p1-405b-instruct", 3e-6, 3e-6, kNo, kNo,
     kNo, 16384},
    {"fireworks_ai", "accounts/fireworks/models/llama-v3p1-8b-instruct", 1e-7, 1e-7, kNo, kNo, kNo,
     16384},
    {"fireworks_ai", "accounts/fireworks/models/llama-v3p3-70b-instruct", 9e-7, 9e-7, kNo, kNo, kNo,
     131072},
    {"fireworks_ai", "accounts/fireworks/models/llama4-maverick-instruct-basic", 2.2e-7, 8.8e-7,
     kNo, kNo, kNo, 131072},
    {"fireworks_ai", "accounts/fireworks/models/qwen3-235b-a22b", 2.2e-7, 8.8e-7, kNo, kNo, kNo,
     131072},
    // gemini
    // retired: from the 2026-03-11 map
    {"gemini", "gemini-1.5-flash", 7.5e-8, 3e-7, kNo, kNo, kNo, 8192},
    // retired: from the 2026-03-11 map
    {"gemini", "gemini-1.5-pro", 3.5e-6, 1.05e-5, kNo, kNo, kNo, 8192},
    {"gemini", "gemini-2.0-flash", 1e-7, 4e-7, 2.5e-8, kNo, kNo, 8192},
    {"gemini", "gemini-2.0-flash-lite", 7.5e-8, 3e-7, 1.875e-8, kNo, kNo, 8192},
    {"gemini", "gemini-2.5-flash", 3e-7, 2.5e-6, 3e-8, kNo, 2.5e-6, 65535},
    {"gemini", "gemini-2.5-flash-lite", 1e-7, 4e-7, 1e-8, kNo, 4e-7, 65535},
    {"gemini", "gemini-2.5-pro", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 65535},
    {"gemini", "gemini-3-flash-preview", 5e-7, 3e-6, 5e-8, kNo, 3e-6, 65535},
    {"gemini", "gemini-3-pro-preview", 2e-6, 1.2e-5, 2e-7, kNo, kNo, 65535},
    {"gemini", "gemini-embedding-001", 1.5e-7, 0, kNo, kNo, kNo, 0},
    {"gemini", "text-embedding-004", 0, 0, kNo, kNo, kNo, 0},
    // groq
    {"groq", "llama-3.1-8b-instant", 5e-8, 8e-8, kNo, kNo, kNo, 8192},
    {"groq", "llama-3.3-70b-versatile", 5.9e-7, 7.9e-7, kNo, kNo, kNo, 32768},
    {"groq", "meta-llama/llama-4-maverick-17b-128e-instruct", 2e-7, 6e-7, kNo, kNo, kNo, 8192},
    {"groq", "meta-llama/llama-4-scout-17b-16e-instruct", 1.1e-7, 3.4e-7, kNo, kNo, kNo, 8192},
    {"groq", "moonshotai/kimi-k2-instruct-0905", 1e-6, 3e-6, 5e-7, kNo, kNo, 16384},
    {"groq", "openai/gpt-oss-120b", 1.5e-7, 6e-7, 7.5e-8, kNo, kNo, 32766},
    {"groq", "openai/gpt-oss-20b", 7.5e-8, 3e-7, 3.75e-8, kNo, kNo, 32768},
    {"groq", "qwen/qwen3-32b", 2.9e-7, 5.9e-7, kNo, kNo, kNo, 131000},
    // mistral
    {"mistral", "codestral-2508", 3e-7, 9e-7, kNo, kNo, kNo, 256000},
    {"mistral", "codestral-latest", 1e-6, 3e-6, kNo, kNo, kNo, 8191},
    {"mistral", "devstral-medium-latest", 4e-7, 2e-6, kNo, kNo, kNo, 256000},
    {"mistral", "magistral-medium-latest", 2e-6, 5e-6, kNo, kNo, kNo, 40000},
    {"mistral", "ministral-8b-latest", 1.5e-7, 1.5e-7, kNo, kNo, kNo, 262144},
    {"mistral", "mistral-embed", 1e-7, 0, kNo, kNo, kNo, 0},
    {"mistral", "mistral-large-2411", 2e-6, 6e-6, kNo, kNo, kNo, 128000},
    {"mistral", "mistral-large-latest", 5e-7, 1.5e-6, kNo, kNo, kNo, 262144},
    {"mistral", "mistral-medium-2508", 4e-7, 2e-6, kNo, kNo, kNo, 131072},
    {"mistral", "mistral-medium-latest", 1.5e-6, 7.5e-6, kNo, kNo, kNo, 262144},
    {"mistral", "mistral-small-latest", 6e-8, 1.8e-7, kNo, kNo, kNo, 131072},
    {"mistral", "open-mistral-nemo", 3e-7, 3e-7, kNo, kNo, kNo, 128000},
    {"mistral", "pixtral-large-latest", 2e-6, 6e-6, kNo, kNo, kNo, 128000},
    // openai
    {"openai", "chatgpt-4o-latest", 5e-6, 1.5e-5, kNo, kNo, kNo, 4096},
    {"openai", "gpt-3.5-turbo", 5e-7, 1.5e-6, kNo, kNo, kNo, 4096},
    {"openai", "gpt-3.5-turbo-1106", 1e-6, 2e-6, kNo, kNo, kNo, 4096},
    {"openai", "gpt-3.5-turbo-16k", 3e-6, 4e-6, kNo, kNo, kNo, 4096},
    {"openai", "gpt-3.5-turbo-instruct", 1.5e-6, 2e-6, kNo, kNo, kNo, 4096},
    {"openai", "gpt-4", 3e-5, 6e-5, kNo, kNo, kNo, 4096},
    {"openai", "gpt-4-turbo", 1e-5, 3e-5, kNo, kNo, kNo, 4096},
    {"openai", "gpt-4-turbo-preview", 1e-5, 3e-5, kNo, kNo, kNo, 4096},
    {"openai", "gpt-4.1", 2e-6, 8e-6, 5e-7, kNo, kNo, 32768},
    {"openai", "gpt-4.1-mini", 4e-7, 1.6e-6, 1e-7, kNo, kNo, 32768},
    {"openai", "gpt-4.1-nano", 1e-7, 4e-7, 2.5e-8, kNo, kNo, 32768},
    {"openai", "gpt-4o", 2.5e-6, 1e-5, 1.25e-6, kNo, kNo, 16384},
    {"openai", "gpt-4o-2024-05-13", 5e-6, 1.5e-5, kNo, kNo, kNo, 4096},
    {"openai", "gpt-4o-mini", 1.5e-7, 6e-7, 7.5e-8, kNo, kNo, 16384},
    {"openai", "gpt-5", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 128000},
    {"openai", "gpt-5-chat", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 16384},
    {"openai", "gpt-5-codex", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 128000},
    {"openai", "gpt-5-mini", 2.5e-7, 2e-6, 2.5e-8, kNo, kNo, 128000},
    {"openai", "gpt-5-nano", 5e-8, 4e-7, 5e-9, kNo, kNo, 128000},
    {"openai", "gpt-5-pro", 1.5e-5, 1.2e-4, kNo, kNo, kNo, 128000},
    {"openai", "gpt-5.1", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 128000},
    {"openai", "gpt-5.2", 1.75e-6, 1.4e-5, 1.75e-7, kNo, kNo, 128000},
    {"openai", "gpt-5.4", 2.5e-6, 1.5e-5, 2.5e-7, kNo, kNo, 128000},
    {"openai", "gpt-5.4-mini", 7.5e-7, 4.5e-6, 7.5e-8, kNo, kNo, 128000},
    {"openai", "gpt-5.4-nano", 2e-7, 1.25e-6, 2e-8, kNo, kNo, 128000},
    {"openai", "gpt-5.5", 5e-6, 3e-5, 5e-7, kNo, kNo, 128000},
    {"openai", "gpt-5.6", 5e-6, 3e-5, 5e-7, 6.25e-6, kNo, 128000},
    {"openai", "o1", 1.5e-5, 6e-5, 7.5e-6, kNo, kNo, 100000},
    // retired: from the 2026-03-11 map
    {"openai", "o1-mini", 1.1e-6, 4.4e-6, 5.5e-7, kNo, kNo, 65536},
    // retired: from the 2026-03-11 map
    {"openai", "o1-mini-2024-09-12", 3e-6, 1.2e-5, 1.5e-6, kNo, kNo, 65536},
    {"openai", "o1-pro", 1.5e-4, 6e-4, kNo, kNo, kNo, 100000},
    {"openai", "o3", 2e-6, 8e-6, 5e-7, kNo, kNo, 100000},
    {"openai", "o3-mini", 1.1e-6, 4.4e-6, 5.5e-7, kNo, kNo, 100000},
    {"openai", "o3-pro", 2e-5, 8e-5, kNo, kNo, kNo, 100000},
    {"openai", "o4-mini", 1.1e-6, 4.4e-6, 2.75e-7, kNo, kNo, 100000},
    {"openai", "text-embedding-3-large", 1.3e-7, 0, kNo, kNo, kNo, 0},
    {"openai", "text-embedding-3-small", 2e-8, 0, kNo, kNo, kNo, 0},
    {"openai", "text-embedding-ada-002", 1e-7, 0, kNo, kNo, kNo, 0},
    // openrouter
    {"openrouter", "anthropic/claude-3.7-sonnet", 3e-6, 1.5e-5, kNo, kNo, kNo, 128000},
    {"openrouter", "anthropic/claude-opus-4.1", 1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, kNo, 32000},
    {"openrouter", "anthropic/claude-sonnet-4", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 64000},
    {"openrouter", "anthropic/claude-sonnet-4.5", 3e-6, 1.5e-5, 3e-7, 3.75e-6, kNo, 1000000},
    {"openrouter", "deepseek/deepseek-chat", 1.4e-7, 2.8e-7, kNo, kNo, kNo, 8192},
    {"openrouter", "deepseek/deepseek-r1", 5.5e-7, 2.19e-6, kNo, kNo, kNo, 8192},
    {"openrouter", "google/gemini-2.5-flash", 3e-7, 2.5e-6, kNo, kNo, kNo, 8192},
    {"openrouter", "google/gemini-2.5-pro", 1.25e-6, 1e-5, kNo, kNo, kNo, 8192},
    {"openrouter", "mistralai/mistral-large", 8e-6, 2.4e-5, kNo, kNo, kNo, 8191},
    {"openrouter", "openai/gpt-4.1", 2e-6, 8e-6, 5e-7, kNo, kNo, 32768},
    {"openrouter", "openai/gpt-4o", 2.5e-6, 1e-5, kNo, kNo, kNo, 4096},
    {"openrouter", "openai/gpt-5", 1.25e-6, 1e-5, 1.25e-7, kNo, kNo, 128000},
    {"openrouter", "openai/gpt-5-mini", 2.5e-7, 2e-6, 2.5e-8, kNo, kNo, 128000},
    {"openrouter", "openai/gpt-oss-120b", 1.8e-7, 8e-7, kNo, kNo, kNo, 32768},
    {"openrouter", "qwen/qwen3-coder", 2.2e-7, 9.5e-7, kNo, kNo, kNo, 262100},
    {"openrouter", "x-ai/grok-4", 3e-6, 1.5e-5, kNo, kNo, kNo, 256000},
    // perplexity
    {"perplexity", "sonar", 1e-6, 1e-6, kNo, kNo, kNo, 0},
    {"perplexity", "sonar-deep-research", 2e-6, 8e-6, kNo, kNo, 3e-6, 0},
    {"perplexity", "sonar-pro", 3e-6, 1.5e-5, kNo, kNo, kNo, 8000},
    {"perplexity", "sonar-reasoning", 1e-6, 5e-6, kNo, kNo, kNo, 0},
    {"perplexity", "sonar-reasoning-pro", 2e-6, 8e-6, kNo, kNo, kNo, 0},
    // together_ai
    {"together_ai", "deepseek-ai/DeepSeek-R1", 3e-6, 7e-6, kNo, kNo, kNo, 20480},
    {"together_ai", "deepseek-ai/DeepSeek-V3", 1.25e-6, 1.25e-6, kNo, kNo, kNo, 8192},
    {"together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", 8.8e-7, 8.8e-7, kNo, kNo, kNo, 0},
    {"together_ai", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", 2.7e-7, 8.5e-7, kNo, kNo,
     kNo, 0},
    {"together_ai", "meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo", 3.5e-6, 3.5e-6, kNo, kNo, kNo,
     0},
    {"together_ai", "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", 1.8e-7, 1.8e-7, kNo, kNo, kNo,
     0},
    {"together_ai", "moonshotai/Kimi-K2-Instruct", 1e-6, 3e-6, kNo, kNo, kNo, 0},
    {"together_ai", "openai/gpt-oss-120b", 1.5e-7, 6e-7, kNo, kNo, kNo, 131072},
    {"together_ai", "Qwen/Qwen3-235B-A22B-Instruct-2507-tput", 2e-7, 6e-6, kNo, kNo, kNo, 0},
    // xai
    {"xai", "grok-2", 2e-6, 1e-5, kNo, kNo, kNo, 131072},
    {"xai", "grok-3", 3e-6, 1.5e-5, 7.5e-7, kNo, kNo, 131072},
    {"xai", "grok-3-mini", 3e-7, 5e-7, 7.5e-8, kNo, kNo, 131072},
    {"xai", "grok-4", 3e-6, 1.5e-5, kNo, kNo, kNo, 256000},
    {"xai", "grok-4-1-fast-non-reasoning", 2e-7, 5e-7, 5e-8, kNo, kNo, 2000000},
    {"xai", "grok-4-1-fast-reasoning", 2e-7, 5e-7, 5e-8, kNo, kNo, 2000000},
    {"xai", "grok-4-fast-non-reasoning", 2e-7, 5e-7, 5e-8, kNo, kNo, 2000000},
    {"xai", "grok-4-fast-reasoning", 2e-7, 5e-7, 5e-8, kNo, kNo, 2000000},
    {"xai", "grok-code-fast-1", 2e-7, 1.5e-6, 2e-8, kNo, kNo, 256000},
};

constexpr char lowerAscii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// <0, 0, >0 as a is before, equal to, after b, ASCII case-insensitively.
constexpr int compareNoCase(std::string_view a, std::string_view b) noexcept {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    char x = lowerAscii(a[i]), y = lowerAscii(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

constexpr int compareKey(const PriceRow& row, std::string_view provider,
                         std::string_view model) noexcept {
  if (int c = row.provider.compare(provider); c != 0) return c;
  return compareNoCase(row.model, model);
}

constexpr bool sortedAndUnique() noexcept {
  for (std::size_t i = 1; i < std::size(kRows); ++i)
    if (compareKey(kRows[i - 1], kRows[i].provider, kRows[i].model) >= 0) return false;
  return true;
}
static_assert(sortedAndUnique(), "kRows: sort by provider, then model (case-insensitive)");

// Provider names a model id may carry as a prefix ("openai/gpt-4o"); they are dropped to look it
// up. A provider's own ids that contain one (openrouter's "openai/gpt-4o") match exactly first.
constexpr std::string_view kProviderPrefixes[] = {
    "anthropic",
    "azure",
    "azure_ai",
    "deepseek",
    "fireworks_ai",
    "gemini",
    "groq",
    "mistral",
    "openai",
    "openrouter",
    "perplexity",
    "together_ai",
    "text-completion-openai",
    "xai",
};

bool isProviderPrefix(std::string_view s) noexcept {
  return std::find(std::begin(kProviderPrefixes), std::end(kProviderPrefixes), s) !=
         std::end(kProviderPrefixes);
}

// The table's name for a provider that prices as another one.
std::string_view tableProvider(std::string_view provider) noexcept {
  if (provider == "text-completion-openai") return "openai";
  if (provider == "azure_ai") return "azure";  // Azure AI Foundry: Azure's prices
  return provider;
}

bool allDigits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `model`, then `model` without its version suffixes, one at a time.
const PriceRow* findStripping(std::string_view provider, std::string_view model) noexcept {
  for (;;) {
    if (const PriceRow* row = findPriceRow(provider, model)) return row;
    std::string_view shorter = withoutVersionSuffix(model);
    if (shorter.size() == model.size()) return nullptr;
    model = shorter;
  }
}

// Azure spells gpt-3.5 "gpt-35" in its model ids.
std::string openAiSpelling(std::string_view azure_model) {
  static constexpr std::string_view kAzure = "gpt-35";
  std::string out(azure_model);
  if (compareNoCase(azure_model.substr(0, kAzure.size()), kAzure) == 0)
    out.replace(0, kAzure.size(), "gpt-3.5");
  return out;
}

const PriceRow* findFor(std::string_view provider, std::string_view model) {
  if (const PriceRow* row = findStripping(provider, model)) return row;
  if (provider == "azure") return findStripping("openai", openAiSpelling(model));
  return nullptr;
}

}  // namespace

std::span<const PriceRow> priceRows() noexcept { return kRows; }

const PriceRow* findPriceRow(std::string_view provider, std::string_view model) noexcept {
  const PriceRow* end = std::end(kRows);
  const PriceRow* it = std::lower_bound(std::begin(kRows), end, 0, [&](const PriceRow& row, int) {
    return compareKey(row, provider, model) < 0;
  });
  return it != end && compareKey(*it, provider, model) == 0 ? it : nullptr;
}

std::string_view withoutVersionSuffix(std::string_view model) noexcept {
  // "-YYYY-MM-DD"
  static constexpr std::string_view kDate = "-dddd-dd-dd";
  if (model.size() > kDate.size()) {
    std::string_view tail = model.substr(model.size() - kDate.size());
    bool date = true;
    for (std::size_t i = 0; i < kDate.size() && date; ++i)
      date = kDate[i] == '-' ? tail[i] == '-' : (tail[i] >= '0' && tail[i] <= '9');
    if (date) return model.substr(0, model.size() - kDate.size());
  }
  std::size_t dash = model.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return model;
  std::string_view tail = model.substr(dash + 1);
  bool version = compareNoCase(tail, "latest") == 0 ||
                 (allDigits(tail) && (tail.size() == 3 || tail.size() == 4 || tail.size() == 8));
  return version ? model.substr(0, dash) : model;
}

Prices toPrices(const PriceRow& row) noexcept {
  auto price = [](double v) { return v < 0 ? std::nullopt : std::optional<double>(v); };
  Prices p;
  p.input = row.input;
  p.output = row.output;
  p.cache_read = price(row.cache_read);
  p.cache_write = price(row.cache_write);
  p.reasoning = price(row.reasoning);
  if (row.max_output_tokens > 0) p.max_output_tokens = row.max_output_tokens;
  return p;
}

std::optional<Prices> builtinPrices(std::string_view provider, std::string_view model_id) {
  if (provider == "mock") return Prices{};  // the mock provider is free
  std::string_view table = tableProvider(provider);
  if (const PriceRow* row = findFor(table, model_id)) return toPrices(*row);
  std::size_t slash = model_id.find('/');
  if (slash != std::string_view::npos && isProviderPrefix(model_id.substr(0, slash))) {
    if (const PriceRow* row = findFor(table, model_id.substr(slash + 1))) return toPrices(*row);
  }
  return std::nullopt;
}

}  // namespace switchyard::spend
