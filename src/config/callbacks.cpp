// Callbacks: litellm_settings.callbacks / success_callback / failure_callback, the top-level
// callback_settings, and the OTEL_* and GENERIC_LOGGER_* environment variables they read
// (docs/observability.md#traces, #webhooks).

#include <algorithm>
#include <cstdlib>

#include "loader.hpp"
#include "switchyard/api/query.hpp"
#include "scalars.hpp"

namespace switchyard::config {
namespace {

// "k1=v1,k2=v2" (W3C baggage style, values percent-decoded), as OTEL_EXPORTER_OTLP_HEADERS.
std::map<std::string, std::string> headerList(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(trimmed(item.substr(0, eq)));
    std::string value = api::percentDecode(trimmed(item.substr(eq + 1)));
    // A header value must not break the request head.
    if (name.empty() || value.find_first_of("\r\n") != std::string::npos) continue;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out[name] = value;
  }
  return out;
}

// http(s)://host... (the exporters parse it fully; this catches a missing scheme or host).
bool isUrl(const std::string& s) {
  std::string_view v = s;
  if (v.starts_with("https://")) v.remove_prefix(8);
  else if (v.starts_with("http://")) v.remove_prefix(7);
  else return false;
  return !v.empty() && v.front() != '/' && v.front() != ':' &&
         v.find_first_of(" \r\n\t") == std::string_view::npos;
}

}  // namespace

void Loader::parseCallbackSettings(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  for (const Entry& e : *fields) {
    std::optional<std::vector<Entry>> body = entries(e.value);
    if (!body) continue;
    PendingCallback cb;
    cb.line = e.key_line;
    cb.path = e.value.path;
    for (const Entry& f : *body) {
      const Value& x = f.value;
      if (f.key == "callback_type") {
        if (auto t = str(x)) cb.type = *t;
      } else if (f.key == "endpoint") {
        if (auto t = str(x)) cb.webhook.endpoint = *t;
      } else if (f.key == "headers") {
        if (auto m = stringMap(x)) {
          for (auto& [k, val] : *m) {
            if (val.find_first_of("\r\n") != std::string::npos) {
              fail(x, "header " + k + ": a value may not contain a line break");
              continue;
            }
            cb.webhook.headers[k] = val;
          }
        }
      } else if (f.key == "event_types") {
        if (auto list = stringList(x)) {
          cb.webhook.on_success = cb.webhook.on_failure = false;
          for (const std::string& t : *list) {
            if (t == "llm_api_success") cb.webhook.on_success = true;
            else if (t == "llm_api_failure") cb.webhook.on_failure = true;
            else fail(x, "unknown event type `" + t + "` (llm_api_success, llm_api_failure)");
          }
        }
      } else if (f.key == "log_format") {
        if (auto t = str(x)) {
          using F = WebhookSettings::Format;
          if (*t == "json_array") cb.webhook.format = F::kJsonArray;
          else if (*t == "ndjson") cb.webhook.format = F::kNdjson;
          else if (*t == "single") cb.webhook.format = F::kSingle;
          else fail(x, "expected json_array, ndjson or single");
        }
      } else {
        unknown(f);
      }
    }
    callback_settings_[e.key] = std::move(cb);
  }
}

void Loader::resolveCallbacks() {
  LitellmSettings& s = result_.config.litellm_settings;
  // Each name once, with the events it is for.
  struct Named {
    std::string name;
    const CallbackList* list = nullptr;  // where it was first named
    bool success = false, failure = false;
  };
  std::vector<Named> names;
  auto add = [&](const CallbackList& list, bool success, bool failure) {
    for (const std::string& n : list.names) {
      auto it = std::find_if(names.begin(), names.end(), [&](const Named& x) { return x.name == n; });
      if (it == names.end()) it = names.insert(names.end(), Named{n, &list});
      it->success = it->success || success;
      it->failure = it->failure || failure;
    }
  };
  add(callbacks_, true, true);
  add(callbacks_success_, true, false);
  add(callbacks_failure_, false, true);
  auto ignoredCallback = [&](const Named& n, const std::string& why) {
    IgnoredKey k{n.list->path, n.list->line, "`" + n.name + "`: " + why};
    // In file order, as the keys read before.
    auto at = std::find_if(ignored_.begin(), ignored_.end(),
                           [&](const IgnoredKey& x) { return x.line > k.line; });
    ignored_.insert(at, std::move(k));
  };

  for (const Named& n : names) {
    if (n.name == "prometheus") continue;  // GET /metrics is always served
    if (n.name == "otel") {
      OtelSettings o;
      auto env = [&](const char* name) { return envLookup(name); };
      // OTLP's own variables first, then LiteLLM's (OTEL_ENDPOINT, OTEL_HEADERS).
      if (auto e = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
        o.endpoint = *e;
      } else if (auto b = env("OTEL_EXPORTER_OTLP_ENDPOINT"); b || (b = env("OTEL_ENDPOINT"))) {
        std::string base = *b;
        while (!base.empty() && base.back() == '/') base.pop_back();
        o.endpoint = base.ends_with("/v1/traces") ? base : base + "/v1/traces";
      }
      if (!isUrl(o.endpoint)) {
        failAt("litellm_settings.callbacks", "otel: the OTLP endpoint `" + o.endpoint +
                                                 "` is not an http(s) URL",
               0);
      }
      auto h = env("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
      if (!h) h = env("OTEL_EXPORTER_OTLP_HEADERS");
      if (!h) h = env("OTEL_HEADERS");
      if (h) o.headers = headerList(*h);
      if (auto e = env("OTEL_SERVICE_NAME"); e && !e->empty()) o.service_name = *e;
      auto proto = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
      if (!proto) proto = env("OTEL_EXPORTER_OTLP_PROTOCOL");
      if (proto && *proto == "http/json") {
        o.json = true;
      } else if (proto && *proto == "grpc") {
        warn("otel: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported; spans are sent over "
             "OTLP/HTTP (protobuf) to " + o.endpoint);
      } else if (proto && *proto != "http/protobuf") {
        warn("otel: OTEL_EXPORTER_OTLP_PROTOCOL=" + *proto +
             " is not one of http/protobuf, http/json; spans are sent as http/protobuf");
      }
      if (auto e = env("OTEL_EXPORTER"); e && *e != "otlp_http" && *e != "otlp") {
        warn("otel: OTEL_EXPORTER=" + *e + " is not supported; spans are sent over OTLP/HTTP");
      }
      auto millis = [&](const char* name, double& out) {
        auto e = env(name);
        if (!e) return;
        char* end = nullptr;
        double v = std::strtod(e->c_str(), &end);
        if (end == e->c_str() || *end != '\0' || !(v > 0)) {
          warn(std::string("otel: ") + name + " is not a positive number of milliseconds; ignored");
          return;
        }
        out = v / 1000.0;
      };
      millis("OTEL_EXPORTER_OTLP_TIMEOUT", o.timeout_s);
      millis("OTEL_BSP_SCHEDULE_DELAY", o.schedule_delay_s);
      auto count = [&](const char* name, std::uint32_t& out) {
        auto e = env(name);
        if (!e) return;
        char* end = nullptr;
        unsigned long v = std::strtoul(e->c_str(), &end, 10);
        if (end == e->c_str() || *end != '\0' || v == 0 || v > 1000000) {
          warn(std::string("otel: ") + name + " is not a count in 1..1000000; ignored");
          return;
        }
        out = static_cast<std::uint32_t>(v);
      };
      if (auto sampler = env("OTEL_TRACES_SAMPLER")) {
        std::string v = *sampler;
        double arg = 1;
        if (auto a = env("OTEL_TRACES_SAMPLER_ARG")) {
          char* end = nullptr;
          double x = std::strtod(a->c_str(), &end);
          if (end != a->c_str() && *end == '\0' && x >= 0 && x <= 1) {
            arg = x;
          } else {
            warn("otel: OTEL_TRACES_SAMPLER_ARG is not a ratio in [0, 1]; 1 is used");
          }
        }
        o.parent_based = v.starts_with("parentbased_");
        if (o.parent_based) v = v.substr(12);
        if (v == "always_on") {
          o.sample_ratio = 1;
        } else if (v == "always_off") {
          o.sample_ratio = 0;
        } else if (v == "traceidratio") {
          o.sample_ratio = arg;
        } else {
          warn("otel: OTEL_TRACES_SAMPLER=" + *sampler +
               " is not supported (always_on, always_off, traceidratio, parentbased_*); "
               "parentbased_always_on is used");
          o.parent_based = true;
          o.sample_ratio = 1;
        }
      }
      count("OTEL_BSP_MAX_QUEUE_SIZE", o.max_queue);
      count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", o.max_batch);
      o.max_batch = std::min(o.max_batch, o.max_queue);
      s.otel = std::move(o);
      continue;
    }
    WebhookSettings w;
    auto found = callback_settings_.find(n.name);
    if (found != callback_settings_.end()) {
      if (found->second.type != "generic_api") {
        ignoredCallback(n, "callback_type `" + found->second.type +
                               "` is not implemented (generic_api is)");
        continue;
      }
      w = found->second.webhook;
    } else if (n.name == "generic_api" || n.name == "webhook" || n.name == "generic") {
      auto e = envLookup("GENERIC_LOGGER_ENDPOINT");
      if (!e) {
        failAt("litellm_settings.callbacks",
               n.name + ": needs GENERIC_LOGGER_ENDPOINT or callback_settings." + n.name +
                   ".endpoint",
               0);
        continue;
      }
      w.endpoint = *e;
      if (auto h = envLookup("GENERIC_LOGGER_HEADERS")) w.headers = headerList(*h);
    } else {
      ignoredCallback(n, "not implemented (otel, generic_api webhooks and prometheus are)");
      continue;
    }
    if (!isUrl(w.endpoint)) {
      failAt("callback_settings." + n.name + ".endpoint",
             "`" + w.endpoint + "` is not an http(s) URL", 0);
      continue;
    }
    w.name = n.name;
    // success_callback / failure_callback narrow the events of a name listed only there.
    if (!n.success) w.on_success = false;
    if (!n.failure) w.on_failure = false;
    s.webhooks.push_back(std::move(w));
  }
  // Unused entries of callback_settings: named by no callbacks list.
  for (const auto& entry : callback_settings_) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture one
    bool used = std::any_of(names.begin(), names.end(), [&](const Named& x) { return x.name == name; });
    if (!used) warn("callback_settings." + name + " is not named in litellm_settings.callbacks; unused");
  }
}

}  // namespace switchyard::config
