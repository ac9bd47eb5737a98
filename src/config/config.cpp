// config.yaml -> Config (docs/design.md §2). The first error wins and stops the load; unknown keys
// only warn. Messages name the key path and the 1-based YAML line, never a value that may be
// secret.

#include "switchyard/config/config.hpp"

#include "scalars.hpp"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

namespace switchyard::config {
namespace {

using api::Error;
using api::ErrorKind;

constexpr std::string_view kEnvPrefix = "os.environ/";
constexpr int kMaxMergeDepth = 16;

constexpr std::string_view kRoutingStrategies[] = {
    "simple-shuffle",     "least-busy",          "latency-based-routing",
    "cost-based-routing", "usage-based-routing", "usage-based-routing-v2",
};

// LiteLLM keys we accept and ignore, without a warning.
constexpr std::string_view kIgnoredLitellmParams[] = {
    "organization",    "region_name", "aws_region_name",     "vertex_project",
    "vertex_location", "drop_params", "use_in_pass_through",
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
constexpr std::string_view kIgnoredModelInfo[] = {
    "description", "access_groups", "tier",  // and every supports_* key
};
constexpr std::string_view kIgnoredLitellmSettings[] = {
    "success_callback",
    "failure_callback",
    "set_verbose",
};
constexpr std::string_view kIgnoredGeneralSettings[] = {
    "alerting",          "proxy_batch_write_at", "database_connection_pool_limit",
    "store_model_in_db", "ui_access_mode",       "allow_requests_on_db_unavailable",
};

// A node of the document with the dotted path that names it in messages.
struct Value {
  YAML::Node node;
  std::string path;
  int line = 0;  // 1-based; 0 when unknown
};

// One key of a mapping.
struct Entry {
  std::string key;
  int key_line = 0;
  Value value;
};

enum class Bound { kAny, kNonNegative, kPositive };

int lineOf(const YAML::Node& node, int fallback) {
  // A null value's mark points past it (at the next token): use the key's line instead.
  if (!node.IsDefined() || node.IsNull()) return fallback;
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string withLine(std::string text, int line) {
  if (line > 0) text += " (line " + std::to_string(line) + ")";
  return text;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

template <std::size_t N>
bool contains(const std::string_view (&names)[N], std::string_view key) {
  return std::find(std::begin(names), std::end(names), key) != std::end(names);
}

bool isNull(const Value& v) { return !v.node.IsDefined() || v.node.IsNull(); }

// FNV-1a 64: a stable id for deployments without model_info.id.
std::string stableId(const Deployment& d) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // field separator
    h *= 1099511628211ull;
  };
  mix(d.model_name);
  mix(d.model);
  mix(d.api_base);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

template <class T>
void assign(std::optional<T>& dst, std::optional<T> v) {
  if (v) dst = std::move(v);
}
template <class T>
void assign(T& dst, std::optional<T> v) {
  if (v) dst = std::move(*v);
}

class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  api::Result<LoadResult> load(const std::string& yaml);

 private:
  // --- error reporting -------------------------------------------------------------------------
  void fail(const Value& v, std::string_view what) { failAt(v.path, what, v.line); }
  void failAt(const std::string& path, std::string_view what, int line) {
    if (error_) return;
    error_ =
        Error{ErrorKind::kInvalidRequest, withLine(path + ": " + std::string(what), line), source_};
  }
  void failFile(std::string_view what, int line) {
    if (error_) return;
    error_ = Error{ErrorKind::kInvalidRequest, withLine(source_ + ": " + std::string(what), line),
                   source_};
  }
  void warnUnknown(const Entry& e) {
    result_.warnings.push_back(withLine("unknown key " + e.value.path, e.key_line));
  }
  bool ok() const { return !error_; }

  // --- generic readers: nullopt when the value is null (absent) or wrong (error recorded) -------
  std::optional<std::vector<Entry>> entries(const Value& v);
  void collect(const Value& v, std::vector<Entry>& out, std::set<std::string>& seen, int depth);
  std::optional<std::string> text(const Value& v, std::string_view expected);
  bool quotedOrEnv(const Value& v) const;
  std::optional<std::string> str(const Value& v);
  template <class T>
  std::optional<T> integer(const Value& v, std::int64_t min,
                           std::int64_t max = static_cast<std::int64_t>(
                               std::min<std::uint64_t>(std::numeric_limits<T>::max(),
                                                       std::numeric_limits<std::int64_t>::max())));
  std::optional<double> number(const Value& v, Bound bound);
  std::optional<double> duration(const Value& v, Bound bound);
  std::optional<bool> boolean(const Value& v);
  std::optional<std::vector<std::string>> stringList(const Value& v);
  // Any YAML value as JSON: plain scalars typed as PyYAML types them (null, booleans, integers,
  // floats), quoted ones strings; os.environ/ values are read.
  std::optional<nlohmann::json> toJson(const Value& v, int depth);
  std::optional<std::map<std::string, std::string>> stringMap(const Value& v);
  std::optional<std::vector<FallbackRule>> fallbacks(const Value& v);
  bool checkBound(const Value& v, double x, Bound bound);

  // --- sections ---------------------------------------------------------------------------------
  void parseEnvironment(const Value& v);
  void parseModelList(const Value& v);
  void parseDeployment(const Value& v, Deployment& d, int& id_line);
  void parseLitellmParams(const Value& v, Deployment& d);
  void parseModelInfo(const Value& v, Deployment& d, int& id_line);
  void parseRouterSettings(const Value& v);
  void parseLitellmSettings(const Value& v);
  void parseCacheParams(const Value& v);
  void parseRoutingStrategyArgs(const Value& v);
  void parseModelGroupAlias(const Value& v);
  void parseGeneralSettings(const Value& v);
  void assignIds();
  std::optional<std::string> envLookup(const std::string& name) const;

  std::string source_;
  LoadResult result_;
  std::optional<Error> error_;
  bool master_key_set_ = false;
  bool database_url_set_ = false;
  std::vector<int> id_lines_;  // per deployment: line of an explicit model_info.id, else 0
};

// --- generic readers
// ------------------------------------------------------------------------------

std::optional<std::vector<Entry>> Loader::entries(const Value& v) {
  std::vector<Entry> out;
  if (isNull(v)) return out;
  if (!v.node.IsMap()) {
    fail(v, "expected a mapping");
    return std::nullopt;
  }
  std::set<std::string> seen;
  collect(v, out, seen, 0);
  if (!ok()) return std::nullopt;
  return out;
}

// Appends v's keys not already in `seen`; YAML merge keys (`<<: *anchor`) add the anchor's keys
// after the explicit ones, so explicit keys win (yaml-cpp 0.7 leaves `<<` to the application).
void Loader::collect(const Value& v, std::vector<Entry>& out, std::set<std::string>& seen,
                     int depth) {
  if (depth > kMaxMergeDepth) return fail(v, "merge keys nest too deeply");
  std::vector<Value> merges;
  for (const auto& kv : v.node) {
    int key_line = lineOf(kv.first, v.line);
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    Value value{kv.second, join(v.path, key), lineOf(kv.second, key_line)};
    if (key == "<<" && kv.first.Tag() != "!") {
      merges.push_back(std::move(value));
      continue;
    }
    if (!seen.insert(key).second) {
      if (depth == 0) {
        result_.warnings.push_back(withLine("duplicate key " + value.path, key_line) +
                                   ": the last one wins");
        // The last one wins: drop the earlier entry.
        for (auto it = out.begin(); it != out.end(); ++it) {
          if (it->key == key) {
            out.erase(it);
            break;
          }
        }
      } else {
        continue;  // already set by the including mapping
      }
    }
    out.push_back(Entry{std::move(key), key_line, std::move(value)});
  }
  for (Value& m : merges) {
    std::vector<Value> sources;
    if (m.node.IsMap()) {
      sources.push_back(m);
    } else if (m.node.IsSequence()) {
      for (std::size_t i = 0; i < m.node.size(); ++i) {
        sources.push_back(Value{m.node[i], m.path, lineOf(m.node[i], m.line)});
      }
    }
    for (Value& src : sources) {
      if (!src.node.IsMap()) return fail(m, "a merge key (<<) expects a mapping or a list of them");
      src.path = v.path;  // merged keys are named as if written here
      collect(src, out, seen, depth + 1);
    }
    if (sources.empty()) return fail(m, "a merge key (<<) expects a mapping or a list of them");
  }
}

std::optional<std::string> Loader::envLookup(const std::string& name) const {
  const auto& vars = result_.config.environment_variables;
  if (auto it = vars.find(name); it != vars.end()) return it->second;
  if (const char* env = std::getenv(name.c_str())) return std::string(env);
  return std::nullopt;
}

// A scalar, with `os.environ/NAME` replaced by the variable's value.
std::optional<std::string> Loader::text(const Value& v, std::string_view expected) {
  if (!v.node.IsScalar()) {
    fail(v, expected);
    return std::nullopt;
  }
  const std::string& s = v.node.Scalar();
  if (!s.starts_with(kEnvPrefix)) return s;
  std::string name(trim(std::string_view(s).substr(kEnvPrefix.size())));
  if (name.empty()) {
    fail(v, "os.environ/ needs a variable name");
    return std::nullopt;
  }
  std::optional<std::string> value = envLookup(name);
  if (!value) fail(v, "environment variable " + name + " is not set");
  return value;
}

// A quoted scalar, or an os.environ/ value: a string that Python's int() / float() converts.
bool Loader::quotedOrEnv(const Value& v) const {
  return v.node.Tag() == "!" || v.node.Scalar().starts_with(kEnvPrefix);
}

std::optional<std::string> Loader::str(const Value& v) {
  if (isNull(v)) return std::nullopt;
  return text(v, "expected a string");
}

bool Loader::checkBound(const Value& v, double x, Bound bound) {
  if (bound == Bound::kNonNegative && x < 0) {
    fail(v, "must be >= 0");
    return false;
  }
  if (bound == Bound::kPositive && x <= 0) {
    fail(v, "must be > 0");
    return false;
  }
  return true;
}

template <class T>
std::optional<T> Loader::integer(const Value& v, std::int64_t min, std::int64_t max) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected an integer");
  if (!s) return std::nullopt;
  std::int64_t x = 0;
  switch (parseYamlInt(trim(*s), quotedOrEnv(v), x)) {
    case IntParse::kOk:
      break;
    case IntParse::kOutOfRange:
      fail(v, "is out of range");
      return std::nullopt;
    case IntParse::kMalformed:
      fail(v, "expected an integer");
      return std::nullopt;
  }
  if (x < min) {
    fail(v, "must be >= " + std::to_string(min));
    return std::nullopt;
  }
  if (x > max) {
    fail(v, "must be <= " + std::to_string(max));
    return std::nullopt;
  }
  return static_cast<T>(x);
}

std::optional<double> Loader::number(const Value& v, Bound bound) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected a number");
  if (!s) return std::nullopt;
  std::optional<double> x = parseYamlNumber(trim(*s), quotedOrEnv(v));
  if (!x) {
    fail(v, "expected a number");
    return std::nullopt;
  }
  if (!checkBound(v, *x, bound)) return std::nullopt;
  return x;
}

std::optional<double> Loader::duration(const Value& v, Bound bound) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected a duration");
  if (!s) return std::nullopt;
  std::optional<double> x = parseYamlNumber(trim(*s), quotedOrEnv(v));  // plain seconds
  if (!x) x = parseDurationSeconds(*s);
  if (!x) {
    // "-5" is a number, just out of range: say so rather than "malformed".
    std::string_view t = trim(*s);
    double neg = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), neg);
    if (!t.empty() && ec == std::errc{} && end == t.data() + t.size() && std::isfinite(neg) &&
        !checkBound(v, neg, bound)) {
      return std::nullopt;
    }
    fail(v, "expected a number of seconds or a duration such as \"30s\", \"5m\", \"1h\"");
    return std::nullopt;
  }
  if (!checkBound(v, *x, bound)) return std::nullopt;
  return x;
}

std::optional<bool> Loader::boolean(const Value& v) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected true or false");
  if (!s) return std::nullopt;
  std::optional<bool> b = parseYamlBool(trim(*s));
  if (!b) fail(v, "expected true or false");
  return b;
}

std::optional<nlohmann::json> Loader::toJson(const Value& v, int depth) {
  if (depth > 32) {
    fail(v, "nests too deeply");
    return std::nullopt;
  }
  if (v.node.IsNull()) return nlohmann::json(nullptr);
  if (v.node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < v.node.size(); ++i) {
      Value item{v.node[i], v.path + "[" + std::to_string(i) + "]", v.node[i].Mark().line + 1};
      std::optional<nlohmann::json> j = toJson(item, depth + 1);
      if (!j) return std::nullopt;
      out.push_back(std::move(*j));
    }
    return out;
  }
  if (v.node.IsMap()) {
    std::optional<std::vector<Entry>> fields = entries(v);
    if (!fields) return std::nullopt;
    nlohmann::json out = nlohmann::json::object();
    for (const Entry& e : *fields) {
      std::optional<nlohmann::json> j = toJson(e.value, depth + 1);
      if (!j) return std::nullopt;
      out[e.key] = std::move(*j);
    }
    return out;
  }
  std::optional<std::string> s = text(v, "expected a value");
  if (!s) return std::nullopt;
  if (quotedOrEnv(v)) return nlohmann::json(*s);
  std::string_view t = trim(*s);
  if (t == "~" || t == "null" || t == "Null" || t == "NULL") return nlohmann::json(nullptr);
  if (std::optional<bool> b = parseYamlBool(t); b && t.size() > 1) return nlohmann::json(*b);
  std::int64_t i = 0;
  if (parseYamlInt(t, false, i) == IntParse::kOk) return nlohmann::json(i);
  if (std::optional<double> d = parseYamlNumber(t, false)) return nlohmann::json(*d);
  return nlohmann::json(*s);
}

// A list of strings; a single string counts as a list of one.
std::optional<std::vector<std::string>> Loader::stringList(const Value& v) {
  if (isNull(v)) return std::nullopt;
  std::vector<std::string> out;
  if (v.node.IsScalar()) {
    std::optional<std::string> s = text(v, "expected a list of strings");
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
    return out;
  }
  if (!v.node.IsSequence()) {
    fail(v, "expected a list of strings");
    return std::nullopt;
  }
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], indexed(v.path, i), lineOf(v.node[i], v.line)};
    std::optional<std::string> s = text(item, "expected a string");
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
  }
  return out;
}

std::optional<std::map<std::string, std::string>> Loader::stringMap(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields || isNull(v)) return std::nullopt;
  std::map<std::string, std::string> out;
  for (Entry& e : *fields) {
    std::optional<std::string> s = text(e.value, "expected a string");
    if (!s) return std::nullopt;
    out[e.key] = std::move(*s);
  }
  return out;
}

// [{"gpt-4o": ["claude", "gemini"]}, {"a": [b], "c": [d]}] -> one rule per key.
std::optional<std::vector<FallbackRule>> Loader::fallbacks(const Value& v) {
  if (isNull(v)) return std::nullopt;
  constexpr std::string_view kShape = R"(expected a list like [{"gpt-4o": ["claude-sonnet"]}])";
  if (!v.node.IsSequence()) {
    fail(v, kShape);
    return std::nullopt;
  }
  std::vector<FallbackRule> out;
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], indexed(v.path, i), lineOf(v.node[i], v.line)};
    if (!item.node.IsMap()) {
      fail(item, R"(expected a mapping like {"gpt-4o": ["claude-sonnet"]})");
      return std::nullopt;
    }
    std::optional<std::vector<Entry>> rules = entries(item);
    if (!rules) return std::nullopt;
    for (Entry& e : *rules) {
      if (e.key.empty()) {
        fail(e.value, "expected a model name as the key");
        return std::nullopt;
      }
      FallbackRule rule{e.key, {}};
      assign(rule.fallbacks, stringList(e.value));
      if (!ok()) return std::nullopt;
      out.push_back(std::move(rule));
    }
  }
  return out;
}

// --- sections
// -------------------------------------------------------------------------------------

void Loader::parseEnvironment(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  for (Entry& e : *fields) {
    // Verbatim: os.environ/ is not resolved here, these are what it resolves against.
    if (!e.value.node.IsScalar()) return fail(e.value, "expected a string");
    result_.config.environment_variables[e.key] = e.value.node.Scalar();
  }
}

void Loader::parseModelList(const Value& v) {
  if (isNull(v)) return;
  if (!v.node.IsSequence()) return fail(v, "expected a list of deployments");
  auto& list = result_.config.model_list;
  list.reserve(v.node.size());
  for (std::size_t i = 0; i < v.node.size() && ok(); ++i) {
    Value item{v.node[i], indexed(v.path, i), lineOf(v.node[i], v.line)};
    if (!item.node.IsMap())
      return fail(item, "expected a mapping with model_name and litellm_params");
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
      assign(d.model_name, str(e.value));
    } else if (e.key == "rpm") {  // LiteLLM's strategies read rpm/tpm on the entry too
      entry_rpm = integer<std::uint64_t>(e.value, 0);
    } else if (e.key == "tpm") {
      entry_tpm = integer<std::uint64_t>(e.value, 0);
    } else if (e.key == "litellm_params") {
      params = &e.value;
    } else if (e.key == "model_info") {
      info = &e.value;
    } else {
      warnUnknown(e);
    }
  }
  if (!ok()) return;
  if (d.model_name.empty()) return failAt(join(v.path, "model_name"), "is required", v.line);
  if (params == nullptr || isNull(*params)) {
    return failAt(join(v.path, "litellm_params.model"), "is required", v.line);
  }
  parseLitellmParams(*params, d);
  if (!d.rpm) d.rpm = entry_rpm;  // litellm_params wins when both are set
  if (!d.tpm) d.tpm = entry_tpm;
  if (info != nullptr && ok()) parseModelInfo(*info, d, id_line);
}

void Loader::parseLitellmParams(const Value& v, Deployment& d) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  std::optional<std::string> custom_provider;
  std::optional<nlohmann::json> defaults;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "model") {
      assign(d.model, str(x));
    } else if (k == "api_key") {
      assign(d.api_key, str(x));
    } else if (k == "api_base") {
      assign(d.api_base, str(x));
    } else if (k == "api_version") {
      assign(d.api_version, str(x));
    } else if (k == "rpm") {
      assign(d.rpm, integer<std::uint64_t>(x, 0));
    } else if (k == "tpm") {
      assign(d.tpm, integer<std::uint64_t>(x, 0));
    } else if (k == "weight") {
      assign(d.weight, number(x, Bound::kNonNegative));
    } else if (k == "order") {
      assign(d.order, integer<int>(x, 0));
    } else if (k == "timeout") {
      assign(d.timeout_s, duration(x, Bound::kPositive));
    } else if (k == "stream_timeout") {
      assign(d.stream_timeout_s, duration(x, Bound::kPositive));
    } else if (k == "max_retries") {
      assign(d.max_retries, integer<int>(x, 0));
    } else if (k == "max_parallel_requests") {
      assign(d.max_parallel_requests, integer<int>(x, 1));
    } else if (k == "input_cost_per_token") {
      assign(d.input_cost_per_token, number(x, Bound::kNonNegative));
    } else if (k == "output_cost_per_token") {
      assign(d.output_cost_per_token, number(x, Bound::kNonNegative));
    } else if (k == "mock_response") {
      assign(d.mock_response, str(x));
    } else if (k == "mock_delay") {
      assign(d.mock_delay_s, duration(x, Bound::kNonNegative));
    } else if (k == "mock_chunk_delay") {
      assign(d.mock_chunk_delay_s, duration(x, Bound::kNonNegative));
    } else if (k == "extra_headers" || k == "headers") {
      if (auto h = stringMap(x)) {
        for (auto& [name, value] : *h) d.headers[name] = std::move(value);
      }
    } else if (k == "custom_llm_provider") {
      custom_provider = str(x);
    } else if (contains(kRequestDefaults, k) || k == "extra_body") {
      std::optional<nlohmann::json> value = toJson(x, 0);
      if (!value) return;
      if (!defaults) defaults = nlohmann::json::object();
      if (k != "extra_body") {
        (*defaults)[k] = std::move(*value);
      } else if (!value->is_object()) {
        return fail(x, "expected a mapping");
      } else {
        for (auto& [field, fv] : value->items()) (*defaults)[field] = fv;
      }
    } else if (!contains(kIgnoredLitellmParams, k)) {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
  if (defaults) d.request_defaults = std::make_shared<const nlohmann::json>(std::move(*defaults));
  std::string model_path = join(v.path, "model");
  if (d.model.empty()) return failAt(model_path, "is required", v.line);
  // custom_llm_provider names the provider outright (LiteLLM: `model: my-model`,
  // `custom_llm_provider: openai`); a matching "provider/" prefix is then dropped.
  if (custom_provider && !custom_provider->empty()) {
    d.provider = lower(*custom_provider);
    std::string prefix = d.provider + "/";
    bool prefixed = lower(d.model.substr(0, std::min(d.model.size(), prefix.size()))) == prefix;
    d.model_id = prefixed ? d.model.substr(prefix.size()) : d.model;
  } else if (std::size_t slash = d.model.find('/'); slash == std::string::npos) {
    d.provider = "openai";  // LiteLLM: a bare model name is an OpenAI model
    d.model_id = d.model;
  } else {
    d.provider = lower(d.model.substr(0, slash));
    d.model_id = d.model.substr(slash + 1);
  }
  if (d.provider.empty() || d.model_id.empty()) {
    int line = v.line;
    for (const Entry& e : *fields) {
      if (e.key == "model") line = e.value.line;
    }
    failAt(model_path, "expected \"provider/model-id\", got \"" + d.model + "\"", line);
  }
}

void Loader::parseModelInfo(const Value& v, Deployment& d, int& id_line) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  std::optional<double> input_cost, output_cost;
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
      assign(d.mode, str(x));
    } else if (k == "input_cost_per_token") {
      assign(input_cost, number(x, Bound::kNonNegative));
    } else if (k == "output_cost_per_token") {
      assign(output_cost, number(x, Bound::kNonNegative));
    } else if (k == "max_input_tokens") {
      assign(d.max_input_tokens, integer<std::uint64_t>(x, 1));
    } else if (k == "max_tokens") {
      assign(d.max_tokens, integer<std::uint64_t>(x, 1));
    } else if (k == "max_output_tokens") {
      assign(max_output_tokens, integer<std::uint64_t>(x, 1));
    } else if (k == "base_model") {
      assign(d.base_model, str(x));
    } else if (!k.starts_with("supports_") && !contains(kIgnoredModelInfo, k)) {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
  // litellm_params' prices win over model_info's.
  if (!d.input_cost_per_token) d.input_cost_per_token = input_cost;
  if (!d.output_cost_per_token) d.output_cost_per_token = output_cost;
  if (!d.max_tokens) d.max_tokens = max_output_tokens;
}

// {alias: "group"} or {alias: {model: "group", hidden: true}}.
void Loader::parseModelGroupAlias(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  for (const Entry& e : *fields) {
    ModelGroupAlias a;
    a.alias = e.key;
    if (e.value.node.IsMap()) {
      std::optional<std::vector<Entry>> inner = entries(e.value);
      if (!inner) return;
      for (const Entry& f : *inner) {
        if (f.key == "model") {
          assign(a.model, str(f.value));
        } else if (f.key == "hidden") {
          assign(a.hidden, boolean(f.value));
        } else {
          warnUnknown(f);
        }
      }
    } else {
      assign(a.model, str(e.value));
    }
    if (!ok()) return;
    if (a.model.empty()) return failAt(e.value.path, "expected a model group name", e.value.line);
    result_.config.router_settings.model_group_alias.push_back(std::move(a));
  }
}

void Loader::parseRouterSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  RouterSettings& r = result_.config.router_settings;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "routing_strategy") {
      std::optional<std::string> s = str(x);
      if (!s) continue;
      bool known = false;
      std::string allowed;
      for (std::string_view name : kRoutingStrategies) {
        known = known || name == *s;
        allowed += (allowed.empty() ? "" : ", ") + std::string(name);
      }
      if (!known) return fail(x, "unknown strategy \"" + *s + "\"; expected one of " + allowed);
      r.routing_strategy = std::move(*s);
    } else if (k == "num_retries") {
      assign(r.num_retries, integer<int>(x, 0));
    } else if (k == "timeout") {
      assign(r.timeout_s, duration(x, Bound::kPositive));
    } else if (k == "stream_timeout") {
      assign(r.stream_timeout_s, duration(x, Bound::kPositive));
    } else if (k == "fallbacks") {
      assign(r.fallbacks, fallbacks(x));
    } else if (k == "context_window_fallbacks") {
      assign(r.context_window_fallbacks, fallbacks(x));
    } else if (k == "content_policy_fallbacks") {
      assign(r.content_policy_fallbacks, fallbacks(x));
    } else if (k == "default_fallbacks") {
      assign(r.default_fallbacks, stringList(x));
    } else if (k == "max_fallbacks") {
      assign(r.max_fallbacks, integer<int>(x, 0));
    } else if (k == "allowed_fails") {
      assign(r.allowed_fails, integer<int>(x, 0));
    } else if (k == "cooldown_time") {
      assign(r.cooldown_time_s, duration(x, Bound::kNonNegative));
    } else if (k == "retry_after") {
      assign(r.retry_after_s, duration(x, Bound::kNonNegative));
    } else if (k == "enable_pre_call_checks") {
      assign(r.enable_pre_call_checks, boolean(x));
    } else if (k == "model_group_alias") {
      parseModelGroupAlias(x);
    } else if (k == "disable_cooldowns") {
      assign(r.disable_cooldowns, boolean(x));
    } else if (k == "routing_strategy_args") {
      parseRoutingStrategyArgs(x);
    } else if (k == "redis_host") {
      assign(r.redis_host, str(x));
    } else if (k == "redis_port") {
      assign(r.redis_port, integer<int>(x, 1, 65535));
    } else if (k == "redis_password") {
      assign(r.redis_password, str(x));
    } else if (k == "redis_url") {
      assign(r.redis_url, str(x));
    } else {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
}

void Loader::parseLitellmSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  LitellmSettings& s = result_.config.litellm_settings;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "cache") {
      assign(s.cache, boolean(x));
    } else if (k == "cache_params") {
      parseCacheParams(x);
    } else if (k == "num_retries") {
      assign(s.num_retries, integer<int>(x, 0));
    } else if (k == "request_timeout") {
      assign(s.request_timeout_s, duration(x, Bound::kPositive));
    } else if (k == "drop_params") {
      assign(s.drop_params, boolean(x));
    } else if (k == "fallbacks") {
      assign(s.fallbacks, fallbacks(x));
    } else if (k == "context_window_fallbacks") {
      assign(s.context_window_fallbacks, fallbacks(x));
    } else if (k == "content_policy_fallbacks") {
      assign(s.content_policy_fallbacks, fallbacks(x));
    } else if (k == "default_fallbacks") {
      assign(s.default_fallbacks, stringList(x));
    } else if (k == "json_logs") {
      assign(s.json_logs, boolean(x));
    } else if (k == "callbacks") {
      assign(s.callbacks, stringList(x));
    } else if (k == "ssl_verify") {
      // A boolean, or the path of a CA bundle (verification stays on).
      if (isNull(x)) continue;
      std::optional<std::string> t = text(x, "expected true, false or the path of a CA bundle");
      if (!t) return;
      std::string b = lower(std::string(trim(*t)));
      if (b == "true" || b == "yes" || b == "on") {
        s.ssl_verify = true;
      } else if (b == "false" || b == "no" || b == "off") {
        s.ssl_verify = false;
      } else if (t->empty()) {
        return fail(x, "expected true, false or the path of a CA bundle");
      } else {
        s.ssl_verify = true;
        s.ssl_ca_file = std::move(*t);
      }
    } else if (k == "ssl_certificate") {
      assign(s.ssl_ca_file, str(x));
    } else if (!contains(kIgnoredLitellmSettings, k)) {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
}

void Loader::parseRoutingStrategyArgs(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  RouterSettings& r = result_.config.router_settings;
  for (const Entry& e : *fields) {
    if (e.key == "lowest_latency_buffer") {
      assign(r.lowest_latency_buffer, number(e.value, Bound::kNonNegative));
    } else if (e.key == "ttl") {
      assign(r.latency_ttl_s, duration(e.value, Bound::kPositive));
    } else {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
}

void Loader::parseCacheParams(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  CacheParams& c = result_.config.litellm_settings.cache_params;
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "type") {
      std::optional<std::string> t = str(x);
      if (!t) continue;
      if (*t != "local" && *t != "redis") {
        return fail(x, "unsupported cache type \"" + *t + "\"; expected local or redis");
      }
      c.type = std::move(*t);
    } else if (k == "host") {
      assign(c.host, str(x));
    } else if (k == "port") {
      assign(c.port, integer<int>(x, 1, 65535));
    } else if (k == "password") {
      assign(c.password, str(x));
    } else if (k == "namespace") {
      assign(c.namespace_, str(x));
    } else if (k == "ttl") {
      assign(c.ttl_s, duration(x, Bound::kPositive));
    } else if (k == "mode") {
      std::optional<std::string> m = str(x);
      if (!m) continue;
      if (!m->empty() && *m != "default_off") {
        return fail(x, "unsupported mode \"" + *m + "\"; expected default_off");
      }
      c.mode = std::move(*m);
    } else if (k == "supported_call_types") {
      assign(c.supported_call_types, stringList(x));
    } else {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
}

void Loader::parseGeneralSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  GeneralSettings& g = result_.config.general_settings;
  constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
  for (const Entry& e : *fields) {
    const std::string& k = e.key;
    const Value& x = e.value;
    if (k == "master_key") {
      if (std::optional<std::string> key = str(x)) {
        g.master_key = std::move(*key);
        master_key_set_ = true;
      }
    } else if (k == "database_url") {
      if (std::optional<std::string> url = str(x)) {
        g.database_url = std::move(*url);
        database_url_set_ = true;
      }
    } else if (k == "max_request_size_mb") {
      assign(g.max_request_size_mb, number(x, Bound::kPositive));
    } else if (k == "disable_spend_logs") {
      assign(g.disable_spend_logs, boolean(x));
    } else if (k == "background_health_checks") {
      assign(g.background_health_checks, boolean(x));
    } else if (k == "health_check_interval") {
      assign(g.health_check_interval_s, duration(x, Bound::kPositive));
    } else if (k == "request_header_timeout") {
      assign(g.request_header_timeout_s, duration(x, Bound::kPositive));
    } else if (k == "request_body_timeout") {
      assign(g.request_body_timeout_s, duration(x, Bound::kPositive));
    } else if (k == "keepalive_timeout") {
      assign(g.keepalive_timeout_s, duration(x, Bound::kPositive));
    } else if (k == "drain_timeout") {
      assign(g.drain_timeout_s, duration(x, Bound::kNonNegative));
    } else if (k == "max_connections") {
      assign(g.max_connections, integer<std::uint32_t>(x, 1, kU32Max));
    } else if (k == "max_header_size_kb") {
      assign(g.max_header_size_kb, integer<std::uint32_t>(x, 1, kU32Max));
    } else if (k == "max_upstream_response_mb") {
      assign(g.max_upstream_response_mb, integer<std::uint64_t>(x, 1));
    } else if (!contains(kIgnoredGeneralSettings, k)) {
      warnUnknown(e);
    }
    if (!ok()) return;
  }
}

// model_info.id when given (duplicates are an error), else a stable hash; hash collisions (two
// identical entries) get "-2", "-3"... in file order, so ids stay stable across loads.
void Loader::assignIds() {
  auto& list = result_.config.model_list;
  std::map<std::string, std::size_t> used;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (id_lines_[i] == 0) continue;
    auto [it, inserted] = used.emplace(list[i].id, i);
    if (!inserted) {
      return failAt(
          indexed("model_list", i) + ".model_info.id",
          "duplicate id \"" + list[i].id + "\" (also " + indexed("model_list", it->second) + ")",
          id_lines_[i]);
    }
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (id_lines_[i] != 0) continue;
    std::string base = stableId(list[i]);
    std::string id = base;
    for (int n = 2; used.contains(id); ++n) id = base + "-" + std::to_string(n);
    used.emplace(id, i);
    list[i].id = std::move(id);
  }
}

api::Result<LoadResult> Loader::load(const std::string& yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    failFile("YAML syntax error: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
    return *error_;
  }
  if (!root.IsDefined() || root.IsNull()) {
    failFile("the file is empty; expected a mapping with model_list, router_settings, ...", 0);
    return *error_;
  }
  if (!root.IsMap()) {
    failFile("expected a mapping at the top level", lineOf(root, 0));
    return *error_;
  }
  Value top{root, "", 1};
  std::optional<std::vector<Entry>> fields = entries(top);
  if (!fields) return *error_;
  // environment_variables first: os.environ/ anywhere else reads them.
  for (const Entry& e : *fields) {
    if (e.key == "environment_variables") parseEnvironment(e.value);
  }
  for (const Entry& e : *fields) {
    if (!ok()) break;
    if (e.key == "model_list") {
      parseModelList(e.value);
    } else if (e.key == "router_settings") {
      parseRouterSettings(e.value);
    } else if (e.key == "litellm_settings") {
      parseLitellmSettings(e.value);
    } else if (e.key == "general_settings") {
      parseGeneralSettings(e.value);
    } else if (e.key != "environment_variables") {
      warnUnknown(e);
    }
  }
  if (ok()) assignIds();
  if (!ok()) return *error_;
  GeneralSettings& g = result_.config.general_settings;
  if (!master_key_set_) assign(g.master_key, envLookup("LITELLM_MASTER_KEY"));
  if (!database_url_set_) assign(g.database_url, envLookup("DATABASE_URL"));
  return std::move(result_);
}

}  // namespace

api::Result<LoadResult> loadConfigText(const std::string& yaml, const std::string& source_name) {
  try {
    return Loader(source_name).load(yaml);
  } catch (const std::exception& e) {
    return Error{ErrorKind::kInternal, source_name + ": cannot load the config", e.what()};
  } catch (...) {
    return Error{ErrorKind::kInternal, source_name + ": cannot load the config"};
  }
}

api::Result<LoadResult> loadConfigFile(const std::string& path) {
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return Error{ErrorKind::kInvalidRequest,
                   "cannot read config file " + path + ": it is a directory", path};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Error{ErrorKind::kInvalidRequest,
                   "cannot read config file " + path + ": " + std::strerror(errno), path};
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
      return Error{ErrorKind::kInvalidRequest, "cannot read config file " + path, path};
    }
    api::Result<LoadResult> result = loadConfigText(text, path);
    if (result) result->config.source_path = path;
    return result;
  } catch (const std::exception& e) {
    return Error{ErrorKind::kInternal, "cannot read config file " + path, e.what()};
  }
}

}  // namespace switchyard::config
