// docs/grafana/switchyard.json, the dashboard for GET /metrics (docs/observability.md §
// Dashboard), checked against the binary: every metric name a query of the dashboard reads (panel
// targets, rows nested or not, and the variables' label_values queries) must be a sample name of
// a real scrape taken after traffic that makes every family appear; every label a query filters
// on, groups by or names in a legend must be a label of those samples (or a scrape label:
// job, instance). A dashboard panel on a made-up metric or label fails here instead of drawing
// nothing in production. The dashboard's shape is checked too: panels, each on the Prometheus
// data source variable, and every panel query parses (promtool check rules).
//
// SWITCHYARD_GRAFANA_DASHBOARD (environment) points the test at another dashboard file.

#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_openai.hpp"
#include "support/fixed_usage_upstream.hpp"
#include "support/http_client.hpp"
#include "support/key_helpers.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

std::string dashboardPath() {
  if (const char* env = std::getenv("SWITCHYARD_GRAFANA_DASHBOARD"); env && *env) return env;
#ifdef SWITCHYARD_SOURCE_DIR
  return SWITCHYARD_SOURCE_DIR "/docs/grafana/switchyard.json";
#else
  return "/work/main/docs/grafana/switchyard.json";
#endif
}

json loadDashboard() {
  std::ifstream in(dashboardPath());
  if (!in) return nullptr;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// ---- PromQL: the metric names and label names an expression reads ---------------------------

struct Selector {
  std::string metric;
  std::set<std::string> labels;  // label names matched in its {...}
};

struct PromRefs {
  std::vector<Selector> selectors;
  std::set<std::string> grouping;  // by / without / on / ignoring / group_left / group_right
};

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool identChar(char c) { return identStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Words that are PromQL syntax, not metric names, when not followed by '(' (functions are
// recognised by their '(' and need no list).
const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
      "topk", "quantile", "limitk", "limit_ratio", "and", "or", "unless", "bool", "offset", "by",
      "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2", "start", "end"};
  return k;
}

class PromScanner {
 public:
  explicit PromScanner(std::string_view s) : s_(s) {}

  PromRefs scan() {
    PromRefs out;
    bool last_was_metric = false;  // a {...} right after a metric name belongs to it
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
        continue;
      }
      if (c == '"' || c == '\'' || c == '`') {
        skipString();
        last_was_metric = false;
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '$') {  // a Grafana variable: $name, ${name}, ${name:format}
        ++i_;
        if (i_ < s_.size() && s_[i_] == '{') {
          while (i_ < s_.size() && s_[i_] != '}') ++i_;
          ++i_;
        } else {
          while (i_ < s_.size() && identChar(s_[i_])) ++i_;
        }
        last_was_metric = false;
      } else if (c == '{') {
        std::set<std::string> labels;
        std::string name_eq;
        matchers(labels, name_eq);
        if (last_was_metric) {
          out.selectors.back().labels.insert(labels.begin(), labels.end());
        } else {
          // {__name__="x", ...}: the metric is x; a regex on __name__ cannot be checked.
          out.selectors.push_back({name_eq.empty() ? "{__name__ not a literal}" : name_eq, labels});
        }
        last_was_metric = false;
      } else if (c == '[') {  // a range or a subquery: durations and variables only
        while (i_ < s_.size() && s_[i_] != ']') ++i_;
        ++i_;
        last_was_metric = false;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
        last_was_metric = false;
      } else if (identStart(c)) {
        std::size_t b = i_;
        while (i_ < s_.size() && identChar(s_[i_])) ++i_;
        const std::string word(s_.substr(b, i_ - b));
        const std::string kw = lower(word);
        last_was_metric = false;
        if (kw == "by" || kw == "without" || kw == "on" || kw == "ignoring" || kw == "group_left" ||
            kw == "group_right") {
          if (nextNonSpace() == '(') labelList(out.grouping);
        } else if (nextNonSpace() == '(') {
          // a function or an aggregation: not a metric
        } else if (!keywords().count(kw)) {
          out.selectors.push_back({word, {}});
          last_was_metric = true;
        }
      } else {
        ++i_;
        last_was_metric = false;
      }
    }
    return out;
  }

 private:
  char nextNonSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  std::string skipString() {
    const char q = s_[i_++];
    std::string v;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\' && q != '`' && i_ + 1 < s_.size()) ++i_;
      v += s_[i_++];
    }
    ++i_;
    return v;
  }
  // {a="x", b=~"y", c!="z"}: the names; the value of __name__= when there is one.
  void matchers(std::set<std::string>& labels, std::string& name_eq) {
    ++i_;  // '{'
    while (nextNonSpace() != '}' && i_ < s_.size()) {
      if (!identStart(s_[i_])) {
        ++i_;
        continue;
      }
      std::size_t b = i_;
      while (i_ < s_.size() && identChar(s_[i_])) ++i_;
      std::string label(s_.substr(b, i_ - b));
      nextNonSpace();
      std::string op;
      while (i_ < s_.size() && (s_[i_] == '=' || s_[i_] == '!' || s_[i_] == '~')) op += s_[i_++];
      std::string value;
      if (char q = nextNonSpace(); q == '"' || q == '\'' || q == '`') value = skipString();
      if (label == "__name__") {
        if (op == "=") name_eq = value;
      } else {
        labels.insert(label);
      }
    }
    ++i_;  // '}'
  }
  void labelList(std::set<std::string>& into) {
    ++i_;  // '('
    while (nextNonSpace() != ')' && i_ < s_.size()) {
      if (!identStart(s_[i_])) {
        ++i_;
        continue;
      }
      std::size_t b = i_;
      while (i_ < s_.size() && identChar(s_[i_])) ++i_;
      into.insert(std::string(s_.substr(b, i_ - b)));
    }
    ++i_;  // ')'
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

PromRefs promRefs(std::string_view expr) { return PromScanner(expr).scan(); }

// A variable's query: label_values(expr, label) reads expr and its label; query_result(expr)
// reads expr; label_values(label), label_names(), metrics(re) read no series of a named metric.
PromRefs variableRefs(const std::string& q, std::string* label_out) {
  auto inner = [&](const std::string& fn) -> std::optional<std::string> {
    std::size_t at = q.find_first_not_of(" \t\n");
    if (at == std::string::npos || q.compare(at, fn.size() + 1, fn + "(") != 0) return std::nullopt;
    std::size_t open = at + fn.size(), close = q.rfind(')');
    if (close == std::string::npos || close <= open) return std::nullopt;
    return q.substr(open + 1, close - open - 1);
  };
  if (auto args = inner("label_values")) {
    // The last top-level comma splits the series selector from the label.
    int depth = 0;
    std::size_t comma = std::string::npos;
    char quote = 0;
    for (std::size_t i = 0; i < args->size(); ++i) {
      char c = (*args)[i];
      if (quote) {
        if (c == '\\') ++i;
        else if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '(' || c == '{' || c == '[') {
        ++depth;
      } else if (c == ')' || c == '}' || c == ']') {
        --depth;
      } else if (c == ',' && depth == 0) {
        comma = i;
      }
    }
    if (comma == std::string::npos) return {};
    std::string label = args->substr(comma + 1);
    label.erase(0, label.find_first_not_of(" \t"));
    label.erase(label.find_last_not_of(" \t") + 1);
    if (label_out) *label_out = label;
    return promRefs(args->substr(0, comma));
  }
  if (auto expr = inner("query_result")) return promRefs(*expr);
  return {};
}

// ---- the dashboard -----------------------------------------------------------------------

// Every panel, rows' nested panels included (and the old top-level "rows" layout).
void walkPanels(const json& panels, std::vector<const json*>& out) {
  if (!panels.is_array()) return;
  for (const json& p : panels) {
    out.push_back(&p);
    if (p.contains("panels")) walkPanels(p["panels"], out);
  }
}
std::vector<const json*> allPanels(const json& d) {
  std::vector<const json*> out;
  if (d.contains("panels")) walkPanels(d["panels"], out);
  if (d.contains("rows") && d["rows"].is_array())
    for (const json& r : d["rows"]) walkPanels(r.value("panels", json::array()), out);
  return out;
}

// The references a panel or variable datasource may hold: the dashboard's Prometheus datasource
// variables ($name, ${name}) and its Prometheus import inputs (${DS_...}).
std::set<std::string> prometheusRefs(const json& d) {
  std::set<std::string> refs;
  for (const json& v : d.value("templating", json::object()).value("list", json::array())) {
    if (v.value("type", "") == "datasource" && v.value("query", "") == "prometheus") {
      refs.insert("$" + v.value("name", ""));
      refs.insert("${" + v.value("name", "") + "}");
    }
  }
  for (const json& in : d.value("__inputs", json::array()))
    if (in.value("type", "") == "datasource" && in.value("pluginId", "") == "prometheus")
      refs.insert("${" + in.value("name", "") + "}");
  return refs;
}

// "" when `ds` (a panel's, a target's or a variable's datasource) is the Prometheus variable.
std::string datasourceProblem(const json& ds, const std::set<std::string>& refs) {
  if (ds.is_string()) return refs.count(ds.get<std::string>()) ? "" : "datasource " + ds.dump();
  if (!ds.is_object()) return "no datasource";
  if (ds.value("type", "") != "prometheus") return "datasource type is not prometheus: " + ds.dump();
  if (!refs.count(ds.value("uid", ""))) return "datasource uid is not the Prometheus variable: " + ds.dump();
  return "";
}

// One query of the dashboard: where it is, its text, the label its legend names.
struct Query {
  std::string where;
  std::string expr;
  PromRefs refs;
  std::set<std::string> legend_labels;
  std::string variable_label;  // label_values(..., label)
};

std::vector<Query> dashboardQueries(const json& d) {
  std::vector<Query> out;
  for (const json* p : allPanels(d)) {
    for (const json& t : p->value("targets", json::array())) {
      if (!t.contains("expr") || !t["expr"].is_string()) continue;
      Query q;
      q.where = "panel \"" + p->value("title", "?") + "\" target " + t.value("refId", "?");
      q.expr = t["expr"].get<std::string>();
      q.refs = promRefs(q.expr);
      std::string legend = t.value("legendFormat", "");
      for (std::size_t a = legend.find("{{"); a != std::string::npos; a = legend.find("{{", a + 2)) {
        std::size_t b = legend.find("}}", a);
        if (b == std::string::npos) break;
        std::string l = legend.substr(a + 2, b - a - 2);
        l.erase(0, l.find_first_not_of(' '));
        l.erase(l.find_last_not_of(' ') + 1);
        q.legend_labels.insert(l);
      }
      out.push_back(std::move(q));
    }
  }
  for (const json& v : d.value("templating", json::object()).value("list", json::array())) {
    if (v.value("type", "") != "query") continue;
    const json& query = v.contains("query") ? v["query"] : json();
    std::string text = query.is_string() ? query.get<std::string>()
                       : query.is_object() ? query.value("query", "")
                                           : "";
    Query q;
    q.where = "variable $" + v.value("name", "?");
    q.expr = text;
    q.refs = variableRefs(text, &q.variable_label);
    out.push_back(std::move(q));
  }
  return out;
}

// ---- the scrape ----------------------------------------------------------------------------

// Sample name -> the label names its samples carry.
std::map<std::string, std::set<std::string>> sampleLabels(const std::string& text) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t end = 0;
    while (end < line.size() && identChar(line[end])) ++end;
    std::set<std::string>& labels = out[line.substr(0, end)];
    if (end >= line.size() || line[end] != '{') continue;
    std::size_t i = end + 1;
    while (i < line.size() && line[i] != '}') {
      std::size_t b = i;
      while (i < line.size() && line[i] != '=') ++i;
      labels.insert(line.substr(b, i - b));
      i += 2;  // ="
      while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
      ++i;  // closing quote
      if (i < line.size() && line[i] == ',') ++i;
    }
  }
  return out;
}

// Labels Prometheus adds when it scrapes a target.
const std::set<std::string> kTargetLabels = {"job", "instance"};

// ---- tests ---------------------------------------------------------------------------------

TEST(GrafanaDashboardTest, TheQueryScannerFindsMetricNamesAndSkipsPromQLSyntax) {
  PromRefs r = promRefs(
      R"(histogram_quantile(0.95, sum by (le, requested_model) (rate(litellm_request_total_latency_metric_bucket{job=~"$job", requested_model=~"${model_group}"}[$__rate_interval]))))"
      R"( / ignoring (x) group_left (y) SUM BY (z) (made_up_metric_total offset 5m) * 3600 > bool 1e-3)"
      R"( or on() vector(0) unless count(process_open_fds) and {__name__="by_name_metric", a="b"})");
  std::vector<std::string> names;
  for (const Selector& s : r.selectors) names.push_back(s.metric);
  EXPECT_EQ(names, (std::vector<std::string>{"litellm_request_total_latency_metric_bucket",
                                             "made_up_metric_total", "process_open_fds",
                                             "by_name_metric"}));
  EXPECT_EQ(r.selectors[0].labels, (std::set<std::string>{"job", "requested_model"}));
  EXPECT_EQ(r.selectors[3].labels, (std::set<std::string>{"a"}));
  EXPECT_EQ(r.grouping, (std::set<std::string>{"le", "requested_model", "x", "y", "z"}));

  std::string label;
  PromRefs v = variableRefs(R"(label_values(litellm_proxy_total_requests_metric_total{job=~"$job"}, api_key_alias))", &label);
  ASSERT_EQ(v.selectors.size(), 1u);
  EXPECT_EQ(v.selectors[0].metric, "litellm_proxy_total_requests_metric_total");
  EXPECT_EQ(label, "api_key_alias");
  EXPECT_TRUE(variableRefs("label_values(job)", nullptr).selectors.empty());
}

TEST(GrafanaDashboardTest, TheDashboardIsAGrafanaDashboardOnThePrometheusVariable) {
  const json d = loadDashboard();
  ASSERT_TRUE(d.is_object()) << "cannot read or parse " << dashboardPath();
  EXPECT_FALSE(d.value("title", "").empty());
  EXPECT_FALSE(d.value("uid", "").empty());
  EXPECT_GE(d.value("schemaVersion", 0), 36);

  const std::set<std::string> refs = prometheusRefs(d);
  ASSERT_FALSE(refs.empty()) << "no Prometheus datasource variable (templating type datasource, "
                                "query prometheus) or DS_ input";
  const std::vector<const json*> panels = allPanels(d);
  ASSERT_FALSE(panels.empty());
  std::set<int> ids;
  int queries = 0, rows = 0;
  for (const json* p : panels) {
    const std::string title = p->value("title", "");
    SCOPED_TRACE("panel \"" + title + "\"");
    EXPECT_FALSE(title.empty());
    EXPECT_TRUE(ids.insert(p->value("id", -1)).second) << "id repeated or missing: " << p->value("id", -1);
    EXPECT_TRUE(p->contains("gridPos"));
    EXPECT_EQ(datasourceProblem(p->value("datasource", json()), refs), "");
    if (p->value("type", "") == "row") {
      ++rows;
      continue;
    }
    const json targets = p->value("targets", json::array());
    EXPECT_FALSE(targets.empty()) << "a panel without a query";
    for (const json& t : targets) {
      EXPECT_FALSE(t.value("expr", "").empty()) << t.dump();
      if (t.contains("datasource")) {
        EXPECT_EQ(datasourceProblem(t["datasource"], refs), "");
      }
      ++queries;
    }
  }
  EXPECT_GE(rows, 1);
  EXPECT_GE(queries, 20);
  for (const json& v : d.value("templating", json::object()).value("list", json::array())) {
    if (v.value("type", "") == "query") {
      EXPECT_EQ(datasourceProblem(v.value("datasource", json()), refs), "") << "$" << v.value("name", "");
    }
  }
}

// Runs `promtool check rules` on every panel query, as a recording rule, with Grafana's
// interval variables replaced by 5m; "" when promtool parses them all.
std::string promtoolProblems(const std::vector<Query>& queries) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    return "promtool is not installed (Debian package prometheus; scripts/install-deps.sh)";
  auto file = std::filesystem::temp_directory_path() /
              ("sy-dashboard-rules-" + std::to_string(::getpid()) + ".yml");
  {
    std::ofstream out(file);
    out << "groups:\n  - name: dashboard\n    rules:\n";
    int n = 0;
    for (const Query& q : queries) {
      if (q.where.starts_with("variable")) continue;
      std::string expr = q.expr;
      for (const char* v : {"$__rate_interval", "$__interval", "$__range"})
        for (std::size_t at; (at = expr.find(v)) != std::string::npos;)
          expr.replace(at, std::string_view(v).size(), "5m");
      // A JSON string is a YAML double-quoted scalar.
      out << "      - record: dashboard:query" << n++ << "\n        expr: " << json(expr).dump() << "\n";
    }
  }
  std::string cmd = "promtool check rules " + file.string() + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  int rc = p ? ::pclose(p) : -1;
  std::filesystem::remove(file);
  return rc == 0 ? "" : "exit " + std::to_string(rc) + ": " + out;
}

TEST(GrafanaDashboardTest, EveryPanelQueryIsValidPromQL) {
  const json d = loadDashboard();
  ASSERT_TRUE(d.is_object()) << "cannot read or parse " << dashboardPath();
  EXPECT_EQ(promtoolProblems(dashboardQueries(d)), "");
}

std::string dashboardConfig(const FakeOpenAI& priced, const FakeOpenAI& broken) {
  ConfigBuilder b;
  b.model("priced", "openai/fixed-usage", priced.baseUrl(), kUpstreamKey, "dep-priced",
          {{"input_cost_per_token", "0.001"}, {"output_cost_per_token", "0.002"}})
      .model("flaky", "openai/broken-model", broken.baseUrl(), kUpstreamKey, "dep-flaky")
      .model("doomed", "openai/broken-model", broken.baseUrl(), kUpstreamKey, "dep-doomed")
      .model("sunk", "openai/broken-model", broken.baseUrl(), kUpstreamKey, "dep-sunk")
      .router("num_retries", "1")
      .router("fallbacks", R"([{"flaky": ["priced"]}, {"doomed": ["sunk"]}])")
      .litellm("cache", "true")
      .litellm("cache_params", "{type: local}")
      .general("master_key", kMasterKey);
  return b.yaml();
}

TEST(GrafanaDashboardTest, EveryMetricAndLabelTheDashboardReadsIsExposedByTheGateway) {
  const json d = loadDashboard();
  ASSERT_TRUE(d.is_object()) << "cannot read or parse " << dashboardPath();
  const std::vector<Query> queries = dashboardQueries(d);
  ASSERT_FALSE(queries.empty());

  auto dialect = std::make_shared<FixedUsageDialect>(FixedUsage{10, 5, 3, 2});
  FakeOpenAI::Options with_usage;
  with_usage.dialect = dialect;
  FakeOpenAI priced{with_usage};
  FakeOpenAI broken;
  broken.setDefaultBehavior(Behavior::error(500, "upstream is down"));
  SY_START_GATEWAY(gw, dashboardConfig(priced, broken));
  HttpClient c(gw->port());
  // Traffic that touches every family: a priced success (tokens, spend, cache miss, overhead,
  // upstream latency), a 400, a retried group answered by its fallback, a group whose fallback
  // fails too, a stream (time to first token), a cache hit.
  ASSERT_EQ(c.post("/v1/chat/completions", chatBody("priced", "one"), masterAuth()).status, 200u);
  ASSERT_EQ(c.post("/v1/chat/completions", json{{"model", "priced"}}, masterAuth()).status, 400u);
  auto fell = c.post("/v1/chat/completions", chatBody("flaky", "three"), masterAuth());
  ASSERT_EQ(fell.status, 200u) << fell.body;
  ASSERT_EQ(fell.header("x-litellm-attempted-fallbacks"), "1");
  auto sunk = c.post("/v1/chat/completions", chatBody("doomed", "four"), masterAuth());
  ASSERT_GE(sunk.status, 500u) << sunk.body;
  auto streamed = c.post("/v1/chat/completions",
                         chatBody("priced", "five",
                                  {{"stream", true}, {"stream_options", {{"include_usage", true}}}}),
                         masterAuth());
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  ASSERT_EQ(c.post("/v1/chat/completions", chatBody("priced", "one"), masterAuth()).header("x-cache"),
            "HIT");

  auto scrape = c.get("/metrics");
  ASSERT_EQ(scrape.status, 200u) << scrape.body;
  const auto exposed = sampleLabels(scrape.body);
  ASSERT_TRUE(exposed.count("litellm_deployment_failed_fallbacks_total"))
      << "the traffic above no longer makes every family appear:\n" << scrape.body;

  std::set<std::string> read;
  for (const Query& q : queries) {
    SCOPED_TRACE(q.where + ": " + q.expr);
    std::set<std::string> available = kTargetLabels;  // the labels of the series this query reads
    for (const Selector& s : q.refs.selectors) {
      read.insert(s.metric);
      auto it = exposed.find(s.metric);
      if (it == exposed.end()) {
        ADD_FAILURE() << "metric \"" << s.metric << "\" is not exposed by GET /metrics";
        continue;
      }
      available.insert(it->second.begin(), it->second.end());
      for (const std::string& l : s.labels)
        EXPECT_TRUE(it->second.count(l) || kTargetLabels.count(l))
            << "label \"" << l << "\" is not a label of " << s.metric;
    }
    if (q.refs.selectors.empty()) continue;
    for (const std::string& l : q.refs.grouping)
      EXPECT_TRUE(available.count(l)) << "grouping label \"" << l << "\" is on none of its series";
    for (const std::string& l : q.legend_labels)
      EXPECT_TRUE(available.count(l)) << "legend label \"" << l << "\" is on none of its series";
    if (!q.variable_label.empty()) {
      EXPECT_TRUE(available.count(q.variable_label)) << "label_values of an absent label";
    }
  }
  // The dashboard covers the gateway's groups (a sanity check on the scanner, too).
  for (const char* m : {"litellm_proxy_total_requests_metric_total", "litellm_spend_metric_total",
                        "litellm_request_total_latency_metric_bucket",
                        "litellm_llm_api_time_to_first_token_metric_bucket",
                        "litellm_deployment_state", "switchyard_store_queue_depth",
                        "process_resident_memory_bytes"})
    EXPECT_TRUE(read.count(m)) << "the dashboard does not read " << m;
}

}  // namespace
}  // namespace switchyard::test
