#include "reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "scalars.hpp"

namespace switchyard::config {
namespace {

constexpr std::string_view kEnvPrefix = "os.environ/";
constexpr int kMaxMergeDepth = 16;
constexpr int kMaxJsonDepth = 32;
constexpr std::size_t kMaxErrors = 100;  // a file of garbage reports this many, then stops adding

}  // namespace

std::string joinPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string indexedPath(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string withLine(std::string text, int line) {
  if (line > 0) text += " (line " + std::to_string(line) + ")";
  return text;
}

std::string lowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool isNull(const Value& v) { return !v.node.IsDefined() || v.node.IsNull(); }

int lineOf(const YAML::Node& node, int fallback) {
  // A null value's mark points past it (at the next token): use the key's line instead.
  if (!node.IsDefined() || node.IsNull()) return fallback;
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

// --- diagnostics -----------------------------------------------------------------------------

void Reader::failAt(const std::string& path, std::string_view what, int line) {
  if (errors_.size() < kMaxErrors)
    errors_.push_back(withLine(path + ": " + std::string(what), line));
}

void Reader::failFile(std::string_view what, int line) {
  if (errors_.size() < kMaxErrors)
    errors_.push_back(withLine(source_ + ": " + std::string(what), line));
}

void Reader::ignore(const Value& v, int line, std::string reason) {
  ignored_.push_back(IgnoredKey{v.path, line, std::move(reason)});
}

void Reader::unknown(const Entry& e) {
  warn(withLine("unknown key " + e.value.path, e.key_line));
  ignore(e, std::string(kUnknownKeyReason));
}

// --- readers ---------------------------------------------------------------------------------

std::optional<std::vector<Entry>> Reader::entries(const Value& v) {
  std::vector<Entry> out;
  if (isNull(v)) return out;
  if (!v.node.IsMap()) {
    fail(v, "expected a mapping");
    return std::nullopt;
  }
  std::set<std::string> seen;
  std::size_t before = errors_.size();
  collect(v, out, seen, 0);
  if (errors_.size() != before) return std::nullopt;
  return out;
}

// Appends v's keys not already in `seen`; YAML merge keys (`<<: *anchor`) add the anchor's keys
// after the explicit ones, so explicit keys win (yaml-cpp 0.7 leaves `<<` to the application).
void Reader::collect(const Value& v, std::vector<Entry>& out, std::set<std::string>& seen,
                     int depth) {
  if (depth > kMaxMergeDepth) return fail(v, "merge keys nest too deeply");
  std::vector<Value> merges;
  for (const auto& kv : v.node) {
    int key_line = lineOf(kv.first, v.line);
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    Value value{kv.second, joinPath(v.path, key), lineOf(kv.second, key_line)};
    if (key == "<<" && kv.first.Tag() != "!") {
      merges.push_back(std::move(value));
      continue;
    }
    if (!seen.insert(key).second) {
      if (depth != 0) continue;  // already set by the including mapping
      warn(withLine("duplicate key " + value.path, key_line) + ": the last one wins");
      auto earlier =
          std::find_if(out.begin(), out.end(), [&](const Entry& e) { return e.key == key; });
      if (earlier != out.end()) out.erase(earlier);
    }
    out.push_back(Entry{std::move(key), key_line, std::move(value)});
  }
  constexpr std::string_view kMergeShape = "a merge key (<<) expects a mapping or a list of them";
  for (Value& m : merges) {
    std::vector<Value> sources;
    if (m.node.IsMap()) {
      sources.push_back(m);
    } else if (m.node.IsSequence()) {
      for (std::size_t i = 0; i < m.node.size(); ++i) {
        sources.push_back(Value{m.node[i], m.path, lineOf(m.node[i], m.line)});
      }
    }
    if (sources.empty()) return fail(m, kMergeShape);
    for (Value& src : sources) {
      if (!src.node.IsMap()) return fail(m, kMergeShape);
      src.path = v.path;  // merged keys are named as if written here
      collect(src, out, seen, depth + 1);
    }
  }
}

std::optional<std::string> Reader::envLookup(const std::string& name) const {
  if (environment_ != nullptr) {
    if (auto it = environment_->find(name); it != environment_->end()) return it->second;
  }
  if (const char* env = std::getenv(name.c_str())) return std::string(env);
  return std::nullopt;
}

std::optional<std::string> Reader::text(const Value& v, std::string_view expected) {
  if (!v.node.IsScalar()) {
    fail(v, expected);
    return std::nullopt;
  }
  const std::string& s = v.node.Scalar();
  if (!s.starts_with(kEnvPrefix)) return s;
  std::string name(trimmed(std::string_view(s).substr(kEnvPrefix.size())));
  if (name.empty()) {
    fail(v, "os.environ/ needs a variable name");
    return std::nullopt;
  }
  std::optional<std::string> value = envLookup(name);
  if (!value) fail(v, "environment variable " + name + " is not set");
  return value;
}

// A quoted scalar, or an os.environ/ value: a string that Python's int() / float() converts.
bool Reader::quotedOrEnv(const Value& v) const {
  return v.node.Tag() == "!" || v.node.Scalar().starts_with(kEnvPrefix);
}

std::optional<std::string> Reader::str(const Value& v) {
  if (isNull(v)) return std::nullopt;
  return text(v, "expected a string");
}

bool Reader::checkBound(const Value& v, double x, Bound bound) {
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

std::optional<std::int64_t> Reader::integer(const Value& v, std::int64_t min, std::int64_t max) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected an integer");
  if (!s) return std::nullopt;
  std::int64_t x = 0;
  switch (parseYamlInt(trimmed(*s), quotedOrEnv(v), x)) {
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
  return x;
}

std::optional<double> Reader::number(const Value& v, Bound bound) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected a number");
  if (!s) return std::nullopt;
  std::optional<double> x = parseYamlNumber(trimmed(*s), quotedOrEnv(v));
  if (!x) {
    fail(v, "expected a number");
    return std::nullopt;
  }
  if (!checkBound(v, *x, bound)) return std::nullopt;
  return x;
}

std::optional<double> Reader::duration(const Value& v, Bound bound) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected a duration");
  if (!s) return std::nullopt;
  std::optional<double> x = parseYamlNumber(trimmed(*s), quotedOrEnv(v));  // plain seconds
  if (!x) x = parseDurationSeconds(*s);
  if (!x) {
    // "-5" is a number, just out of range: say so rather than "malformed".
    std::string_view t = trimmed(*s);
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
  // Durations become milliseconds, microseconds and nanoseconds in 64-bit counts: beyond 1e9 s
  // (31 years) they would not fit (and parseYamlNumber takes ".inf" and 1e300).
  if (!(*x <= 1e9)) {
    fail(v, "must be at most 1e9 seconds");
    return std::nullopt;
  }
  return x;
}

std::optional<bool> Reader::boolean(const Value& v) {
  if (isNull(v)) return std::nullopt;
  std::optional<std::string> s = text(v, "expected true or false");
  if (!s) return std::nullopt;
  std::optional<bool> b = parseYamlBool(trimmed(*s));
  if (!b) fail(v, "expected true or false");
  return b;
}

std::optional<nlohmann::json> Reader::toJson(const Value& v) { return toJsonAt(v, 0); }

std::optional<nlohmann::json> Reader::toJsonAt(const Value& v, int depth) {
  if (depth > kMaxJsonDepth) {
    fail(v, "nests too deeply");
    return std::nullopt;
  }
  if (v.node.IsNull()) return nlohmann::json(nullptr);
  if (v.node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < v.node.size(); ++i) {
      Value item{v.node[i], indexedPath(v.path, i), lineOf(v.node[i], v.line)};
      std::optional<nlohmann::json> j = toJsonAt(item, depth + 1);
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
      std::optional<nlohmann::json> j = toJsonAt(e.value, depth + 1);
      if (!j) return std::nullopt;
      out[e.key] = std::move(*j);
    }
    return out;
  }
  std::optional<std::string> s = text(v, "expected a value");
  if (!s) return std::nullopt;
  if (quotedOrEnv(v)) return nlohmann::json(*s);
  std::string_view t = trimmed(*s);
  if (t == "~" || t == "null" || t == "Null" || t == "NULL") return nlohmann::json(nullptr);
  if (std::optional<bool> b = parseYamlBool(t); b && t.size() > 1) return nlohmann::json(*b);
  std::int64_t i = 0;
  if (parseYamlInt(t, false, i) == IntParse::kOk) return nlohmann::json(i);
  if (std::optional<double> d = parseYamlNumber(t, false)) return nlohmann::json(*d);
  return nlohmann::json(*s);
}

std::optional<std::vector<std::string>> Reader::stringList(const Value& v) {
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
  bool ok = true;
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], indexedPath(v.path, i), lineOf(v.node[i], v.line)};
    std::optional<std::string> s = text(item, "expected a string");
    ok = ok && s.has_value();
    if (s) out.push_back(std::move(*s));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> Reader::stringMap(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields || isNull(v)) return std::nullopt;
  std::map<std::string, std::string> out;
  bool ok = true;
  for (Entry& e : *fields) {
    std::optional<std::string> s = text(e.value, "expected a string");
    ok = ok && s.has_value();
    if (s) out[e.key] = std::move(*s);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<FallbackRule>> Reader::fallbacks(const Value& v) {
  if (isNull(v)) return std::nullopt;
  constexpr std::string_view kShape = R"(expected a list like [{"gpt-4o": ["claude-sonnet"]}])";
  if (!v.node.IsSequence()) {
    fail(v, kShape);
    return std::nullopt;
  }
  std::size_t before = errors_.size();
  std::vector<FallbackRule> out;
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], indexedPath(v.path, i), lineOf(v.node[i], v.line)};
    if (!item.node.IsMap()) {
      fail(item, R"(expected a mapping like {"gpt-4o": ["claude-sonnet"]})");
      continue;
    }
    std::optional<std::vector<Entry>> rules = entries(item);
    if (!rules) continue;
    for (Entry& e : *rules) {
      if (e.key.empty()) {
        fail(e.value, "expected a model name as the key");
        continue;
      }
      FallbackRule rule{e.key, {}};
      if (auto list = stringList(e.value)) rule.fallbacks = std::move(*list);
      out.push_back(std::move(rule));
    }
  }
  if (errors_.size() != before) return std::nullopt;
  return out;
}

}  // namespace switchyard::config
