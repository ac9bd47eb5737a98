// The bodies of LiteLLM's /key/* routes, validated and applied to a store::KeyRow
// (admin/key_request.hpp). LiteLLM's rules, from its key_management_endpoints.py and
// proxy/_types.py: model_rpm_limit, model_tpm_limit and tags live inside `metadata` (a top-level
// value wins over the one in metadata, and a `metadata` given on update replaces the old one
// whole, those three included); duration null or "-1" means never expires; max_budget "" means
// null; a custom key must start with "sk-". Switchyard is stricter where LiteLLM lets a bad value
// through to the database: every number is checked for type and sign.

#include "switchyard/admin/key_request.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <utility>

#include "field_readers.hpp"
#include "switchyard/auth/key_hash.hpp"
#include "switchyard/config/config.hpp"

namespace switchyard::admin {
namespace {

using nlohmann::json;
using namespace std::chrono;
using namespace field;

constexpr std::string_view kKeyPrefix = "sk-";
constexpr std::size_t kHashLength = 64;
constexpr std::size_t kMaxKeyParamLength = 256;

bool isHash(std::string_view s) {
  if (s.size() != kHashLength) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Applies the fields of one body to a row, in the order apply() gives.
class FieldApplier {
 public:
  FieldApplier(const json& body, KeyBodyMode mode, store::UnixMs now_ms, store::KeyRow& row)
      : body_(body), mode_(mode), now_ms_(now_ms), row_(row) {}

  // The value of `name`: nullptr when absent; when null, nullptr after clearing in kUpdate.
  template <class Clear>
  const json* field(std::string_view name, Clear clear) {
    auto it = body_.find(name);
    if (it == body_.end()) return nullptr;
    if (it->is_null()) {
      if (mode_ == KeyBodyMode::kUpdate) clear();
      return nullptr;
    }
    return &*it;
  }

  // Reads `name` with `read` into `slot`; null resets `slot` (kUpdate).
  template <class T, class Read>
  api::Result<void> put(std::string_view name, T& slot, Read read) {
    const json* v = field(name, [&] { slot = T{}; });
    if (v == nullptr) return {};
    auto r = read(*v, std::string(name));
    if (!r) return r.error();
    slot = std::move(*r);
    return {};
  }

  api::Result<void> apply();

 private:
  api::Result<void> applyMetadata();
  api::Result<void> applyExpiry();
  api::Result<void> applyBudgetDuration();

  const json& body_;
  KeyBodyMode mode_;
  store::UnixMs now_ms_;
  store::KeyRow& row_;
};

// metadata replaces the stored object whole; the LiteLLM fields it carries are moved out of it
// into the row (rendered back into it by key_json).
api::Result<void> FieldApplier::applyMetadata() {
  auto clearAll = [&] {
    row_.metadata = "{}";
    row_.tags.clear();
    row_.model_rpm_limit.clear();
    row_.model_tpm_limit.clear();
  };
  const json* v = field("metadata", clearAll);
  if (v == nullptr) return {};
  auto parts = splitMetadata(*v, /*take_tags=*/true);
  if (!parts) return parts.error();
  row_.metadata = std::move(parts->text);
  row_.tags = std::move(parts->tags);
  row_.model_rpm_limit = std::move(parts->model_rpm_limit);
  row_.model_tpm_limit = std::move(parts->model_tpm_limit);
  return {};
}

// `duration` ("30d"; null, "" or "-1": never) and `expires` (ISO-8601 or null) both set the
// expiry; giving both with values is ambiguous and refused.
api::Result<void> FieldApplier::applyExpiry() {
  auto d = body_.find("duration");
  auto e = body_.find("expires");
  bool has_d = d != body_.end(), has_e = e != body_.end();
  if (!has_d && !has_e) return {};
  std::optional<store::UnixMs> from_duration, from_expires;
  bool duration_value = false;  // a duration that sets a time (not "never")
  if (has_d && !d->is_null()) {
    if (!d->is_string()) return bad("duration", "duration must be a string");
    const std::string& s = d->get_ref<const std::string&>();
    if (!isNoneText(s) && s != "-1") {
      from_duration = addDuration(now_ms_, s);
      if (!from_duration) {
        return bad("duration", "duration must be " + std::string(kDurationHelp) + ", or null");
      }
      duration_value = true;
    }
  }
  if (has_e && !e->is_null()) {
    if (!e->is_string()) return bad("expires", "expires must be an ISO-8601 time or null");
    from_expires = parseIsoTime(e->get_ref<const std::string&>());
    if (!from_expires) return bad("expires", "expires must be an ISO-8601 time or null");
  }
  if (duration_value && from_expires) {
    return bad("duration", "give either duration or expires, not both");
  }
  if (from_expires) {
    row_.expires = from_expires;
  } else if (duration_value) {
    row_.expires = from_duration;
  } else {
    row_.expires.reset();  // every one given says never (null, "-1", "")
  }
  return {};
}

api::Result<void> FieldApplier::applyBudgetDuration() {
  auto clear = [&] {
    row_.budget_duration.clear();
    row_.budget_reset_at.reset();
  };
  const json* v = field("budget_duration", clear);
  if (v == nullptr) return {};
  if (!v->is_string()) return bad("budget_duration", "budget_duration must be a string");
  std::string s = v->get<std::string>();
  if (isNoneText(s)) {
    clear();
    return {};
  }
  std::optional<store::UnixMs> reset = nextResetMs(s, now_ms_);
  if (!reset) {
    return bad("budget_duration", "budget_duration must be " + std::string(kDurationHelp));
  }
  row_.budget_duration = std::move(s);
  row_.budget_reset_at = reset;
  return {};
}

api::Result<void> FieldApplier::apply() {
  if (auto r = put("key_alias", row_.key_alias, readString); !r) return r;
  if (auto r = put("models", row_.models, readStringList); !r) return r;
  if (auto r = put("aliases", row_.aliases, readAliases); !r) return r;
  auto max_budget = body_.find("max_budget");
  if (max_budget != body_.end() && max_budget->is_string() &&
      max_budget->get_ref<const std::string&>().empty()) {
    if (mode_ == KeyBodyMode::kUpdate) row_.max_budget.reset();  // LiteLLM: "" means null
  } else if (auto r = put("max_budget", row_.max_budget, readMoney); !r) {
    return r;
  }
  if (auto r = put("soft_budget", row_.soft_budget, readMoney); !r) return r;
  if (auto r = put("spend", row_.spend, readMoney); !r) return r;
  if (auto r = put("rpm_limit", row_.rpm_limit, readCount); !r) return r;
  if (auto r = put("tpm_limit", row_.tpm_limit, readCount); !r) return r;
  if (auto r = put("max_parallel_requests", row_.max_parallel_requests, readCount); !r) return r;
  if (auto r = applyBudgetDuration(); !r) return r;
  if (auto r = applyExpiry(); !r) return r;
  if (auto r = applyMetadata(); !r) return r;
  // Top-level tags and model limits come after metadata: they win over the ones inside it.
  if (auto r = put("tags", row_.tags, readStringList); !r) return r;
  if (auto r = put("model_rpm_limit", row_.model_rpm_limit, readModelLimits); !r) return r;
  if (auto r = put("model_tpm_limit", row_.model_tpm_limit, readModelLimits); !r) return r;
  if (auto r = put("model_max_budget", row_.model_max_budget, readModelMaxBudget); !r) return r;
  if (auto r = put("blocked", row_.blocked, readBool); !r) return r;
  if (auto r = put("user_id", row_.user_id, readString); !r) return r;
  return put("team_id", row_.team_id, readString);
}

api::Result<std::vector<std::string>> readOptionalList(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::vector<std::string>{};
  return readStringList(*it, name);
}

// The `len` decimal digits at `pos`; nullopt when out of range or not digits.
std::optional<int> readNumber(std::string_view s, std::size_t pos, std::size_t len) {
  if (pos + len > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

api::Result<void> applyKeyFields(const nlohmann::json& body, KeyBodyMode mode, store::UnixMs now_ms,
                                 store::KeyRow& row) {
  if (!body.is_object()) return notAnObject();
  // Applied to a copy, so that a failure leaves `row` as it was.
  store::KeyRow next = row;
  try {
    FieldApplier applier(body, mode, now_ms, next);
    if (auto r = applier.apply(); !r) return r;
  } catch (const std::exception&) {  // nlohmann type errors: a value of an unexpected shape
    return bad("", "the request body has a value of the wrong type");
  }
  row = std::move(next);
  return {};
}

api::Result<std::optional<std::string>> customKey(const nlohmann::json& body) {
  if (!body.is_object()) return notAnObject();
  auto it = body.find("key");
  if (it == body.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return bad("key", "key must be a string");
  const std::string& key = it->get_ref<const std::string&>();
  if (!key.starts_with(kKeyPrefix)) {
    // LiteLLM's message, without the masked key it appends.
    return bad("key", "Invalid key format. LiteLLM Virtual Key must start with 'sk-'.");
  }
  return std::optional<std::string>(key);
}

api::Result<DeleteRequest> parseDeleteRequest(const nlohmann::json& body) {
  if (!body.is_object()) return notAnObject();
  DeleteRequest req;
  auto keys = readOptionalList(body, "keys");
  if (!keys) return keys.error();
  auto aliases = readOptionalList(body, "key_aliases");
  if (!aliases) return aliases.error();
  req.keys = std::move(*keys);
  req.key_aliases = std::move(*aliases);
  if (req.keys.empty() && req.key_aliases.empty()) {
    return bad("keys", "At least one of 'keys' or 'key_aliases' must be provided.");
  }
  return req;
}

api::Result<std::string> parseKeyParam(const nlohmann::json& body) {
  if (!body.is_object()) return notAnObject();
  auto it = body.find("key");
  if (it == body.end() || it->is_null()) return bad("key", "key is required");
  if (!it->is_string()) return bad("key", "key must be a string");
  const std::string& key = it->get_ref<const std::string&>();
  // LiteLLM's is_valid_api_key: "sk-" and [A-Za-z0-9_-], or a 64-hex-digit hash.
  bool valid = isHash(key);
  if (!valid && key.starts_with(kKeyPrefix) && key.size() > kKeyPrefix.size() &&
      key.size() <= kMaxKeyParamLength) {
    valid = true;
    for (char c : key.substr(kKeyPrefix.size())) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') valid = false;
    }
  }
  if (!valid) return bad("key", "Invalid key format.");
  return key;
}

api::Result<RegenerateRequest> parseRegenerateRequest(const nlohmann::json& body) {
  RegenerateRequest req;
  if (body.is_null()) return req;  // no body: the path names the key
  if (!body.is_object()) return notAnObject();
  if (auto it = body.find("key"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return bad("key", "key must be a string");
    req.key = it->get<std::string>();
  }
  if (auto it = body.find("new_key"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return bad("new_key", "new_key must be a string");
    std::string new_key = it->get<std::string>();
    if (!new_key.starts_with(kKeyPrefix)) {
      return bad("new_key",
                 "New key must start with 'sk-'. This is to distinguish a key hash (used by "
                 "litellm for logging / internal logic) from the actual key.");
    }
    req.new_key = std::move(new_key);
  }
  if (auto it = body.find("grace_period"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return bad("grace_period", "grace_period must be a string");
    const std::string& s = it->get_ref<const std::string&>();
    if (!isNoneText(s)) {
      std::optional<double> seconds;
      if (hasDurationForm(s)) seconds = config::parseDurationSeconds(s);
      if (!seconds) {
        return bad("grace_period", "grace_period must be " + std::string(kDurationHelp));
      }
      req.grace_period_s = *seconds;
    }
  }
  return req;
}

std::string tokenOf(std::string_view key_or_hash) {
  if (isHash(key_or_hash)) {
    std::string hash(key_or_hash);
    for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hash;
  }
  return auth::hashKey(key_or_hash);
}

std::string isoTime(store::UnixMs ms) {
  sys_time<milliseconds> t{milliseconds(ms)};
  sys_days day = floor<days>(t);
  year_month_day ymd(day);
  hh_mm_ss<milliseconds> hms(t - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<store::UnixMs> parseIsoTime(std::string_view s) {
  auto y = readNumber(s, 0, 4), mo = readNumber(s, 5, 2), d = readNumber(s, 8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)), day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  milliseconds into_day{0};
  std::size_t pos = 10;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    auto h = readNumber(s, pos + 1, 2), mi = readNumber(s, pos + 4, 2),
         sec = readNumber(s, pos + 7, 2);
    if (!h || !mi || !sec || s[pos + 3] != ':' || s[pos + 6] != ':') return std::nullopt;
    if (*h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
    into_day = hours(*h) + minutes(*mi) + seconds(*sec);
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::size_t digits = 0;
      int ms = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) ms = ms * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      for (std::size_t i = digits; i < 3; ++i) ms *= 10;
      into_day += milliseconds(ms);
    }
    if (pos < s.size()) {
      if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
        pos = s.size();
      } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
        auto oh = readNumber(s, pos + 1, 2), om = readNumber(s, pos + 4, 2);
        if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
        minutes offset = hours(*oh) + minutes(*om);
        into_day -= s[pos] == '+' ? offset : -offset;  // local = UTC + offset
        pos = s.size();
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  return duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count() + into_day.count();
}

}  // namespace switchyard::admin
