// webhookEvent, loggedResponse (formats.hpp); otlpJson is in otlp_json.cpp.

#include "formats.hpp"


namespace switchyard::exports {
namespace {

using nlohmann::json;

double seconds(store::UnixMs ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace

json webhookEvent(const ExportRecord& r) {
  const store::SpendRow& row = r.row;
  const bool ok = row.status == "success";
  json metadata = {{"user_api_key_hash", row.api_key.empty() ? json() : json(row.api_key)},
                   {"user_api_key_alias", row.key_alias.empty() ? json() : json(row.key_alias)},
                   {"user_api_key_user_id", row.user.empty() ? json() : json(row.user)},
                   {"user_api_key_team_id", row.team_id.empty() ? json() : json(row.team_id)}};
  json e = {
      {"id", row.request_id},
      {"call_type", row.call_type},
      {"stream", row.stream},
      {"status", row.status},
      {"http_status", row.http_status},
      {"response_cost", row.spend},
      {"prompt_tokens", row.prompt_tokens},
      {"completion_tokens", row.completion_tokens},
      {"total_tokens", row.total_tokens},
      {"cached_tokens", row.cached_tokens},
      {"reasoning_tokens", row.reasoning_tokens},
      {"startTime", seconds(row.start_time)},
      {"endTime", seconds(row.end_time)},
      {"response_time", seconds(row.end_time - row.start_time)},
      {"model", row.model},
      {"model_group", row.model_group},
      {"model_id", row.model_id},
      {"api_base", row.api_base},
      {"custom_llm_provider", row.custom_llm_provider},
      {"cache_hit", row.cache_hit},
      {"request_tags", row.request_tags},
      {"end_user", row.end_user},
      {"metadata", std::move(metadata)},
      {"hidden_params",
       {{"litellm_overhead_time_ms", r.overhead_ms ? json(*r.overhead_ms) : json()},
        {"attempted_retries", r.retries},
        {"attempted_fallbacks", r.fallbacks}}},
  };
  e["completionStartTime"] =
      row.ttft_ms ? json(seconds(row.start_time) + *row.ttft_ms / 1000.0) : json(e["endTime"]);
  if (r.trace_id) e["trace_id"] = api::toHex(r.trace_id->data(), r.trace_id->size());
  // Prompts and answers only when asked for (log_messages); LiteLLM's marker otherwise.
  if (!r.messages_json.empty()) {
    e["messages"] = json::parse(r.messages_json, nullptr, false);
    e["response"] = loggedResponse(r.response_json);
  } else {
    e["messages"] = "redacted-by-switchyard";
    e["response"] = "redacted-by-switchyard";
  }
  if (!ok) {
    e["error_str"] = r.error;
    e["error_information"] = {{"error_code", std::to_string(row.http_status)},
                              {"error_class", r.error_code},
                              {"llm_provider", row.custom_llm_provider},
                              {"error_message", r.error}};
  }
  return e;
}

json loggedResponse(const std::string& kept) {
  if (kept.empty()) return nullptr;
  json whole = json::parse(kept, nullptr, false);
  if (!whole.is_discarded()) return whole;
  // A stream: the data events, content assembled.
  std::string content, finish;
  json last;
  std::size_t pos = 0;
  while (pos < kept.size()) {
    std::size_t end = kept.find('\n', pos);
    if (end == std::string::npos) end = kept.size();
    std::string_view line(kept.data() + pos, end - pos);
    pos = end + 1;
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    json ev = json::parse(line, nullptr, false);
    if (ev.is_discarded() || !ev.is_object()) continue;
    last = ev;
    // Anthropic's content_block_delta (a /v1/messages stream).
    if (auto d = ev.find("delta"); d != ev.end() && d->is_object()) {
      if (auto t = d->find("text"); t != d->end() && t->is_string()) content += t->get<std::string>();
    }
    auto choices = ev.find("choices");
    if (choices == ev.end() || !choices->is_array() || choices->empty()) continue;
    const json& c = (*choices)[0];
    if (auto d = c.find("delta"); d != c.end() && d->is_object()) {
      if (auto t = d->find("content"); t != d->end() && t->is_string()) content += t->get<std::string>();
    }

    if (auto t = c.find("text"); t != c.end() && t->is_string()) content += t->get<std::string>();
    if (auto f = c.find("finish_reason"); f != c.end() && f->is_string()) finish = f->get<std::string>();
  }
  json out = {{"object", "chat.completion"},
              {"choices", json::array({{{"index", 0},
                                        {"message", {{"role", "assistant"}, {"content", content}}},
                                        {"finish_reason", finish.empty() ? json() : json(finish)}}})}};
  if (last.is_object()) {
    if (last.contains("id")) out["id"] = last["id"];
    if (last.contains("model")) out["model"] = last["model"];
  }
  return out;
}

}  // namespace switchyard::exports
