"""Seeds of config_yaml (YAML configs) and admin_key_body (JSON bodies of the /key/* routes)."""

from .common import REPO, dump, pretty, seed


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
