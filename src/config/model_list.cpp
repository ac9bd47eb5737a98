// model_list and credential_list (docs/configuration.md, docs/litellm-compatibility.md).

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "loader.hpp"

namespace switchyard::config {
namespace {

// litellm_params LiteLLM reads and Switchyard does not act on.
constexpr Ignored kIgnoredLitellmParams[] = {
    {"aws_region_name", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_access_key_id", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_secret_access_key", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_session_token", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_role_name", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_session_name", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_profile_name", "provider not implemented (Bedrock, SageMaker)"},
    {"aws_bedrock_runtime_endpoint", "provider not implemented (Bedrock)"},
    {"vertex_project", "provider not implemented (Vertex AI)"},
    {"vertex_location", "provider not implemented (Vertex AI)"},
    {"vertex_credentials", "provider not implemented (Vertex AI)"},
    {"watsonx_region_name", "provider not implemented (watsonx)"},
    {"azure_ad_token", "not implemented (Azure AD auth: use api_key)"},
    {"azure_ad_token_provider", "not implemented (Azure AD auth: use api_key)"},
    {"tenant_id", "not implemented (Azure AD auth: use api_key)"},
    {"client_id", "not implemented (Azure AD auth: use api_key)"},
    {"client_secret", "not implemented (Azure AD auth: use api_key)"},
    {"azure_username", "not implemented (Azure AD auth: use api_key)"},
    {"azure_password", "not implemented (Azure AD auth: use api_key)"},
    {"azure_scope", "not implemented (Azure AD auth: use api_key)"},
    {"drop_params", "not implemented per deployment (litellm_settings.drop_params applies)"},
    {"additional_drop_params", "not implemented"},
    {"max_budget", "not implemented yet (budgets)"},
    {"budget_duration", "not implemented yet (budgets)"},
    {"input_cost_per_second", "not implemented (priced per token only)"},
    {"output_cost_per_second", "not implemented (priced per token only)"},
    {"tag_regex", "not implemented (tags only)"},
    {"use_in_pass_through", "not implemented yet (pass-through endpoints)"},
    {"use_litellm_proxy", "not implemented"},
    {"configurable_clientside_auth_params", "not implemented"},
    {"merge_reasoning_content_in_choices", "not implemented"},
    {"max_file_size_mb", "not implemented"},
    {"mock_timeout", "not implemented"},
};

// OpenAI request parameters a deployment may set as defaults (LiteLLM sends them when the client
// did not); extra_body's fields join them at the top level.
constexpr std::string_view kRequestDefaults[] = {
    "temperature",
    "max_tokens",
    "max_completion_tokens",
    "top_p",
    "n",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "logit_bias",
    "response_format",
    "user",
    "reasoning_effort",
    "parallel_tool_calls",
    "logprobs",
    "top_logprobs",
};

bool isRequestDefault(std::string_view key) {
  return std::find(std::begin(kRequestDefaults), std::end(kRequestDefaults), key) !=
         std::end(kRequestDefaults);
}

}  // namespace

std::string_view regionOf(std::string_view region_name) {
  std::string name(region_name);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto has = [&](std::string_view part) { return name.find(part) != std::string::npos; };
  if (name == "eu" || name.starts_with("eu-") || has("europe") || has("sweden") ||
      has("switzerland") || has("france") || has("uk")) {
    return "eu";
  }
  if (name.starts_with("us")) return "us";
  return {};
}

// credential_list: [{credential_name, credential_values: {api_key, api_base, api_version},
// credential_info}]. A deployment naming one with litellm_credential_name takes the values it does
// not set itself (LiteLLM's load_credentials_from_list).
void Loader::parseCredentialList(const Value& v) {
  if (isNull(v)) return;
  if (!v.node.IsSequence()) return fail(v, "expected a list of credentials");
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], indexedPath(v.path, i), lineOf(v.node[i], v.line)};
    std::optional<std::vector<Entry>> fields = entries(item);
    if (!fields) continue;
    if (!item.node.IsMap()) {
      fail(item, "expected a mapping with credential_name and credential_values");
      continue;
    }
    std::string name;
    Credential c;
    for (const Entry& e : *fields) {
      if (e.key == "credential_name") {
        if (auto s = str(e.value)) name = std::move(*s);
      } else if (e.key == "credential_values") {
        std::optional<std::vector<Entry>> values = entries(e.value);
        if (!values) continue;
        for (const Entry& x : *values) {
          if (x.key == "api_key") {
            if (auto s = str(x.value)) c.api_key = std::move(*s);
          } else if (x.key == "api_base") {
            if (auto s = str(x.value)) c.api_base = std::move(*s);
          } else if (x.key == "api_version") {
            if (auto s = str(x.value)) c.api_version = std::move(*s);
          } else {
            ignore(x, "credential value not implemented (api_key, api_base, api_version are)");
          }
        }
      } else if (e.key != "credential_info") {  // credential_info: a description, for people
        unknown(e);
      }
    }
    if (name.empty()) {
      failAt(joinPath(item.path, "credential_name"), "is required", item.line);
      continue;
    }
    if (!credentials_.emplace(name, std::move(c)).second) {
      warn(withLine("duplicate credential " + item.path + " \"" + name + "\"", item.line) +
           ": the first one is used");
    }
  }
}

void Loader::parseModelList(const Value& v) {
  if (isNull(v)) return;
  if (!v.node.IsSequence()) return fail(v, "expected a list of deployments");
  auto& list = result_.config.model_list;
  list.reserve(v.node.size());
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], indexedPath(v.path, i), lineOf(v.node[i], v.line)};
    if (!item.node.IsMap()) {
      fail(item, "expected a mapping with model_name and litellm_params");
      continue;
    }
    list.emplace_back();
    id_lines_.push_back(0);
    parseDeployment(item, list.back(), id_lines_.back());
  }
}

void Loader::parseDeployment(const Value& v, Deployment& d, int& id_line) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  const Value* params = nullptr;
  const Value* info = nullptr;
  std::optional<std::uint64_t> entry_rpm, entry_tpm;
  for (const Entry& e : *fields) {
    if (e.key == "model_name") {
      if (auto s = str(e.value)) d.model_name = std::move(*s);
    } else if (e.key == "rpm") {  // LiteLLM's strategies read rpm/tpm on the entry too
      entry_rpm = integerOf<std::uint64_t>(e.value, 0);
    } else if (e.key == "tpm") {
      entry_tpm = integerOf<std::uint64_t>(e.value, 0);
    } else if (e.key == "litellm_params") {
      params = &e.value;
    } else if (e.key == "model_info") {
      info = &e.value;
    } else {
      unknown(e);
    }
  }
  if (d.model_name.empty()) failAt(joinPath(v.path, "model_name"), "is required", v.line);
  d.wildcard = d.model_name.find('*') != std::string::npos;
  if (params == nullptr || isNull(*params)) {
    return failAt(joinPath(v.path, "litellm_params.model"), "is required", v.line);
  }
  parseLitellmParams(*params, d);
  if (!d.rpm) d.rpm = entry_rpm;  // litellm_params wins when both are set
  if (!d.tpm) d.tpm = entry_tpm;
  if (info != nullptr) parseModelInfo(*info, d, id_line);
}

void Loader::parseLitellmParams(const Value& v, Deployment& d) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  std::optional<std::string> custom_provider, organization;
  std::optional<nlohmann::json> defaults;
  const Value* credential = nullptr;
  int model_line = v.line;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "model") {
      if (auto s = str(x)) d.model = std::move(*s);
      model_line = x.line;
    } else if (k == "api_key") {
      if (auto s = str(x)) d.api_key = std::move(*s);
    } else if (k == "api_base") {
      if (auto s = str(x)) d.api_base = std::move(*s);
    } else if (k == "api_version") {
      if (auto s = str(x)) d.api_version = std::move(*s);
    } else if (k == "litellm_credential_name") {
      credential = &x;
    } else if (k == "rpm") {
      d.rpm = integerOf<std::uint64_t>(x, 0);
    } else if (k == "tpm") {
      d.tpm = integerOf<std::uint64_t>(x, 0);
    } else if (k == "weight") {
      d.weight = number(x, Bound::kNonNegative);
    } else if (k == "order") {
      d.order = integerOf<int>(x, 0);
    } else if (k == "timeout") {
      d.timeout_s = duration(x, Bound::kPositive);
    } else if (k == "stream_timeout") {
      d.stream_timeout_s = duration(x, Bound::kPositive);
    } else if (k == "max_retries") {
      d.max_retries = integerOf<int>(x, 0);
    } else if (k == "max_parallel_requests") {
      d.max_parallel_requests = integerOf<int>(x, 1);
    } else if (k == "input_cost_per_token") {
      d.input_cost_per_token = number(x, Bound::kNonNegative);
    } else if (k == "output_cost_per_token") {
      d.output_cost_per_token = number(x, Bound::kNonNegative);
    } else if (k == "cache_read_input_token_cost") {
      d.cache_read_input_token_cost = number(x, Bound::kNonNegative);
    } else if (k == "cache_creation_input_token_cost") {
      d.cache_creation_input_token_cost = number(x, Bound::kNonNegative);
    } else if (k == "output_cost_per_reasoning_token") {
      d.output_cost_per_reasoning_token = number(x, Bound::kNonNegative);
    } else if (k == "mock_response") {
      d.mock_response = str(x);
    } else if (k == "mock_delay") {
      d.mock_delay_s = duration(x, Bound::kNonNegative);
    } else if (k == "mock_chunk_delay") {
      d.mock_chunk_delay_s = duration(x, Bound::kNonNegative);
    } else if (k == "region_name") {
      if (auto r = str(x)) {
        d.region_name = std::move(*r);
        d.region = regionOf(d.region_name);
      }
    } else if (k == "tags") {
      if (auto t = stringList(x)) d.tags = std::move(*t);
    } else if (k == "organization") {
      organization = str(x);
    } else if (k == "extra_headers" || k == "headers") {
      if (auto h = stringMap(x)) {
        for (auto& [name, value] : *h) d.headers[name] = std::move(value);
      }
    } else if (k == "custom_llm_provider") {
      custom_provider = str(x);
    } else if (isRequestDefault(k) || k == "extra_body") {
      std::optional<nlohmann::json> value = toJson(x);
      if (!value) continue;
      if (!defaults) defaults = nlohmann::json::object();
      if (k != "extra_body") {
        (*defaults)[k] = std::move(*value);
      } else if (!value->is_object()) {
        fail(x, "expected a mapping");
      } else {
        for (auto& [field, fv] : value->items()) (*defaults)[field] = fv;
      }
    } else if (const Ignored* i = findIgnored(kIgnoredLitellmParams, k)) {
      ignore(e, std::string(i->reason));
    } else {
      unknown(e);
    }
  }
  d.model_line = model_line;
  if (defaults) d.request_defaults = std::make_shared<const nlohmann::json>(std::move(*defaults));
  if (credential != nullptr) applyCredential(*credential, d);
  std::string model_path = joinPath(v.path, "model");
  if (d.model.empty()) return failAt(model_path, "is required", v.line);
  ModelRef ref = splitModel(d.model, custom_provider.value_or(""));
  d.provider = std::move(ref.provider);
  d.model_id = std::move(ref.model_id);
  if (d.provider.empty() && d.model.find('/') == std::string::npos) {
    if (d.model.find('*') != std::string::npos) {
      d.infer_provider = true;  // "*": the model a request names says which provider serves it
    } else {
      d.provider = "openai";  // LiteLLM: a bare model name is an OpenAI model
    }
  }
  if (!d.infer_provider && (d.provider.empty() || d.model_id.empty())) {
    failAt(model_path, "expected \"provider/model-id\", got \"" + d.model + "\"", model_line);
  }
  // LiteLLM hands `organization` to the OpenAI client, which sends it as this header.
  if (organization && !organization->empty() && !d.headers.contains("OpenAI-Organization")) {
    d.headers["OpenAI-Organization"] = std::move(*organization);
  }
}

ModelRef splitModel(std::string_view model, std::string_view custom_provider) {
  if (!custom_provider.empty()) {
    // custom_llm_provider names the provider outright (LiteLLM: `model: my-model`,
    // `custom_llm_provider: openai`); a matching "provider/" prefix is then dropped.
    std::string provider = lowerCase(std::string(custom_provider));
    std::string prefix = provider + "/";
    bool prefixed =
        lowerCase(std::string(model.substr(0, std::min(model.size(), prefix.size())))) == prefix;
    return {std::move(provider), std::string(prefixed ? model.substr(prefix.size()) : model)};
  }
  std::size_t slash = model.find('/');
  if (slash == std::string_view::npos) return {"", std::string(model)};
  return {lowerCase(std::string(model.substr(0, slash))), std::string(model.substr(slash + 1))};
}

void Loader::applyCredential(const Value& name_value, Deployment& d) {
  std::optional<std::string> name = str(name_value);
  if (!name || name->empty()) return;
  auto it = credentials_.find(*name);
  if (it == credentials_.end()) {
    // LiteLLM loads it and the calls go out without those values: say so, do not refuse.
    warn(withLine(name_value.path + ": no credential named \"" + *name + "\" in credential_list",
                  name_value.line));
    return;
  }
  const Credential& c = it->second;
  if (d.api_key.empty()) d.api_key = c.api_key;
  if (d.api_base.empty()) d.api_base = c.api_base;
  if (d.api_version.empty()) d.api_version = c.api_version;
}

void Loader::parseModelInfo(const Value& v, Deployment& d, int& id_line) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  std::optional<double> input_cost, output_cost, cache_read_cost, cache_creation_cost,
      reasoning_cost;
  std::optional<std::uint64_t> max_output_tokens;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "id") {
      std::optional<std::string> id = str(x);
      if (id && !id->empty()) {
        d.id = std::move(*id);
        id_line = x.line > 0 ? x.line : 1;
      }
    } else if (k == "mode") {
      if (auto s = str(x)) d.mode = std::move(*s);
    } else if (k == "input_cost_per_token") {
      input_cost = number(x, Bound::kNonNegative);
    } else if (k == "output_cost_per_token") {
      output_cost = number(x, Bound::kNonNegative);
    } else if (k == "cache_read_input_token_cost") {
      cache_read_cost = number(x, Bound::kNonNegative);
    } else if (k == "cache_creation_input_token_cost") {
      cache_creation_cost = number(x, Bound::kNonNegative);
    } else if (k == "output_cost_per_reasoning_token") {
      reasoning_cost = number(x, Bound::kNonNegative);
    } else if (k == "max_input_tokens") {
      d.max_input_tokens = integerOf<std::uint64_t>(x, 1);
    } else if (k == "max_tokens") {
      d.max_tokens = integerOf<std::uint64_t>(x, 1);
    } else if (k == "max_output_tokens") {
      max_output_tokens = integerOf<std::uint64_t>(x, 1);
    } else if (k == "base_model") {
      if (auto s = str(x)) d.base_model = std::move(*s);
    } else if (k == "access_groups") {
      if (auto groups = stringList(x)) d.access_groups = std::move(*groups);
    } else if (k == "supported_endpoints") {
      if (auto endpoints = stringList(x)) {
        d.responses_api = false;
        for (const std::string& ep : *endpoints)
          if (ep == "/v1/responses" || ep == "/responses") d.responses_api = true;
      }
    } else {
      // model_info is free-form in LiteLLM: description, supports_*, access_groups...
      ignore(e, "model metadata Switchyard does not use");
    }
  }
  // litellm_params' prices win over model_info's.
  if (!d.input_cost_per_token) d.input_cost_per_token = input_cost;
  if (!d.output_cost_per_token) d.output_cost_per_token = output_cost;
  if (!d.cache_read_input_token_cost) d.cache_read_input_token_cost = cache_read_cost;
  if (!d.cache_creation_input_token_cost) d.cache_creation_input_token_cost = cache_creation_cost;
  if (!d.output_cost_per_reasoning_token) d.output_cost_per_reasoning_token = reasoning_cost;
  if (!d.max_tokens) d.max_tokens = max_output_tokens;
}

}  // namespace switchyard::config
