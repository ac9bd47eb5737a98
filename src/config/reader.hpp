#pragma once
// Typed reads of YAML values, with every problem recorded rather than thrown (private to the
// config module). A reader returns nullopt when the value is absent (null) or wrong; when wrong it
// has recorded one error naming the key path and line, and the caller goes on with the next key,
// so a file's errors are all reported at once.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/config/config.hpp"

namespace switchyard::config {

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

// A LiteLLM key Switchyard reads and does not act on, with the reason --check-config gives.
struct Ignored {
  std::string_view key;
  std::string_view reason;
};

template <std::size_t N>
const Ignored* findIgnored(const Ignored (&table)[N], std::string_view key) {
  auto it = std::find_if(std::begin(table), std::end(table),
                         [key](const Ignored& i) { return i.key == key; });
  return it == std::end(table) ? nullptr : it;
}

std::string joinPath(const std::string& path, std::string_view key);
std::string indexedPath(const std::string& path, std::size_t i);
std::string withLine(std::string text, int line);
std::string lowerCase(std::string s);
std::string_view trimmed(std::string_view s);
bool isNull(const Value& v);
int lineOf(const YAML::Node& node, int fallback);

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  // --- diagnostics -------------------------------------------------------------------------------
  void fail(const Value& v, std::string_view what) { failAt(v.path, what, v.line); }
  void failAt(const std::string& path, std::string_view what, int line);
  void failFile(std::string_view what, int line);
  void warn(std::string message) { warnings_.push_back(std::move(message)); }
  // A key LiteLLM accepts whose behaviour Switchyard does not have: listed by --check-config and
  // logged once at startup.
  void ignore(const Value& v, int line, std::string reason);
  void ignore(const Entry& e, std::string reason) {
    ignore(e.value, e.key_line, std::move(reason));
  }
  // A key neither LiteLLM nor Switchyard knows (a typo, most often): a warning, and ignored.
  void unknown(const Entry& e);
  std::size_t errorCount() const noexcept { return errors_.size(); }

  // --- readers -----------------------------------------------------------------------------------
  // A mapping's keys (merge keys `<<` expanded; a duplicate key warns and the last wins).
  std::optional<std::vector<Entry>> entries(const Value& v);
  // A scalar, with `os.environ/NAME` replaced by the variable's value.
  std::optional<std::string> text(const Value& v, std::string_view expected);
  std::optional<std::string> str(const Value& v);
  std::optional<std::int64_t> integer(const Value& v, std::int64_t min,
                                      std::int64_t max = std::numeric_limits<std::int64_t>::max());
  template <class T>
  std::optional<T> integerOf(const Value& v, std::int64_t min) {
    constexpr auto kMax = static_cast<std::int64_t>(std::min<std::uint64_t>(
        std::numeric_limits<T>::max(), std::numeric_limits<std::int64_t>::max()));
    std::optional<std::int64_t> x = integer(v, min, kMax);
    return x ? std::optional<T>(static_cast<T>(*x)) : std::nullopt;
  }
  std::optional<double> number(const Value& v, Bound bound);
  std::optional<double> duration(const Value& v, Bound bound);
  std::optional<bool> boolean(const Value& v);
  // A list of strings; a single string counts as a list of one.
  std::optional<std::vector<std::string>> stringList(const Value& v);
  std::optional<std::map<std::string, std::string>> stringMap(const Value& v);
  // Any YAML value as JSON: plain scalars typed as PyYAML types them (null, booleans, integers,
  // floats), quoted ones strings; os.environ/ values are read.
  std::optional<nlohmann::json> toJson(const Value& v);
  // [{"gpt-4o": ["claude", "gemini"]}, {"a": [b], "c": [d]}] -> one rule per key.
  std::optional<std::vector<FallbackRule>> fallbacks(const Value& v);

  std::optional<std::string> envLookup(const std::string& name) const;

 protected:
  const std::string& source() const noexcept { return source_; }
  std::map<std::string, std::string>* environment_ = nullptr;  // environment_variables
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<IgnoredKey> ignored_;

 private:
  void collect(const Value& v, std::vector<Entry>& out, std::set<std::string>& seen, int depth);
  bool quotedOrEnv(const Value& v) const;
  bool checkBound(const Value& v, double x, Bound bound);
  std::optional<nlohmann::json> toJsonAt(const Value& v, int depth);

  std::string source_;
};

}  // namespace switchyard::config
