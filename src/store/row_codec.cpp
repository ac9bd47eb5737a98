// The records' structured fields as text (row_codec.hpp).

#include "row_codec.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace switchyard::store::codec {
namespace {

using nlohmann::json;

// Never throws: invalid UTF-8 is replaced.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// `read` throws json::exception on a shape it does not expect; that is nullopt here.
template <class T, class Read>
std::optional<T> decode(const std::string& text, Read read) {
  try {
    return read(json::parse(text));
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string encodeList(const std::vector<std::string>& v) { return dump(json(v)); }
std::string encodeMap(const ByModel<std::string>& m) { return dump(json(m)); }
std::string encodeCounts(const ByModel<std::int64_t>& m) { return dump(json(m)); }

std::string encodeBudgets(const ByModel<ModelBudget>& m) {
  json j = json::object();
  for (const auto& [model, b] : m) {
    j[model] = {{"budget_limit", b.budget_limit}, {"time_period", b.time_period}};
  }
  return dump(j);
}

std::string encodeModelSpend(const ByModel<ModelSpend>& m) {
  json j = json::object();
  for (const auto& [model, s] : m) {
    j[model] = {{"spend", s.spend}, {"reset_at", s.reset_at ? json(*s.reset_at) : json(nullptr)}};
  }
  return dump(j);
}

std::optional<std::vector<std::string>> decodeList(const std::string& text) {
  return decode<std::vector<std::string>>(
      text, [](const json& j) { return j.get<std::vector<std::string>>(); });
}

std::optional<ByModel<std::string>> decodeMap(const std::string& text) {
  return decode<ByModel<std::string>>(text,
                                      [](const json& j) { return j.get<ByModel<std::string>>(); });
}

std::optional<ByModel<std::int64_t>> decodeCounts(const std::string& text) {
  return decode<ByModel<std::int64_t>>(
      text, [](const json& j) { return j.get<ByModel<std::int64_t>>(); });
}

std::optional<ByModel<ModelBudget>> decodeBudgets(const std::string& text) {
  return decode<ByModel<ModelBudget>>(text, [](const json& j) {
    ByModel<ModelBudget> out;
    for (const auto& [model, v] : j.get_ref<const json::object_t&>()) {
      ModelBudget b;
      if (auto it = v.find("budget_limit"); it != v.end() && it->is_number()) b.budget_limit = *it;
      if (auto it = v.find("time_period"); it != v.end() && it->is_string()) b.time_period = *it;
      out.emplace(model, std::move(b));
    }
    return out;
  });
}

std::optional<ByModel<ModelSpend>> decodeModelSpend(const std::string& text) {
  return decode<ByModel<ModelSpend>>(text, [](const json& j) {
    ByModel<ModelSpend> out;
    for (const auto& [model, v] : j.get_ref<const json::object_t&>()) {
      ModelSpend s;
      if (v.is_number()) {
        s.spend = v;
      } else {
        if (auto it = v.find("spend"); it != v.end() && it->is_number()) s.spend = *it;
        if (auto it = v.find("reset_at"); it != v.end() && it->is_number_integer()) {
          s.reset_at = it->get<UnixMs>();
        }
      }
      out.emplace(model, s);
    }
    return out;
  });
}

namespace {

// "<mark>first, <mark>first+1, ..., <mark>first+n-1"
std::string placeholders(char mark, int n, int first = 1) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    if (i > first) out += ", ";
    out += mark;
    out += std::to_string(i);
  }
  return out;
}

}  // namespace

RowStatements rowStatements(char mark, int rows_per_insert) {
  const std::string cols(kKeyColumns);
  std::string sets;
  int n = 0;
  for (std::size_t at = 0; at < cols.size();) {
    const std::size_t comma = std::min(cols.find(", ", at), cols.size());
    sets += (n > 0 ? ", " : "") + cols.substr(at, comma - at) + " = " + mark + std::to_string(n + 1);
    ++n;
    at = comma + 2;
  }
  RowStatements out;
  out.select_key = "SELECT " + cols + " FROM keys";
  const std::string first = std::string(1, mark) + "1";
  out.find_key = out.select_key + " WHERE token = " + first;
  out.find_key_by_alias = out.select_key + " WHERE key_alias = " + first + " AND key_alias <> ''";
  out.find_key_by_previous =
      out.select_key + " WHERE previous_token = " + first + " AND previous_token <> ''";
  out.insert_key = "INSERT INTO keys (" + cols + ") VALUES (" +
                   placeholders(mark, kKeyColumnCount) + ")";
  out.update_key =
      "UPDATE keys SET " + sets + " WHERE token = " + mark + std::to_string(kKeyColumnCount + 1);
  const std::string insert = "INSERT INTO spend_logs (" + std::string(kSpendColumns) + ") VALUES ";
  out.insert_spend = insert + "(" + placeholders(mark, kSpendColumnCount) + ")";
  out.insert_spends = insert;
  for (int k = 0; k < rows_per_insert; ++k) {
    out.insert_spends += (k > 0 ? ", (" : "(") +
                         placeholders(mark, kSpendColumnCount, k * kSpendColumnCount + 1) + ")";
  }
  return out;
}

api::Error corruptColumn(std::string_view engine, std::string_view column) {
  return {api::ErrorKind::kInternal, "Internal database error.",
          std::string(engine) + ": column " + std::string(column) + " holds malformed JSON"};
}

}  // namespace switchyard::store::codec
