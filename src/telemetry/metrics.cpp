// Registry, groups, shards and the text exposition (metrics.hpp).

#include "switchyard/telemetry/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace switchyard::telemetry {
namespace {

constexpr char kSep = '\x1f';  // between label values in a shard's key

void appendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    out.append(buf, end);
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
  }
}

void appendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string_view typeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// A family's merged series: projected label values -> summed cells.
using Merged = std::map<std::vector<std::string>, std::vector<double>>;

void mergeInto(Merged& m, const MetricGroup& g, int f, const Bundle& b) {
  if (!b.touched(f)) return;
  const FamilyDef& def = g.families()[f];
  std::vector<std::string> key;
  key.reserve(def.labels.size());
  for (const auto& [name, index] : def.labels) key.push_back(b.values()[index]);
  const std::size_t n = def.type == MetricType::kHistogram ? def.buckets.size() + 3 : 1;
  std::vector<double>& cells = m[std::move(key)];
  if (cells.empty()) cells.assign(n, 0);
  const std::size_t at = g.offset(f);
  for (std::size_t i = 0; i < n; ++i) cells[i] += b.cell(at + i).get();
}

void writeFamily(Exposition& out, const FamilyDef& def, const Merged& m) {
  out.family(def.name, def.help, def.type);
  std::vector<std::pair<std::string_view, std::string_view>> labels;
  for (const auto& [values, cells] : m) {
    labels.clear();
    for (std::size_t i = 0; i < values.size(); ++i) labels.emplace_back(def.labels[i].first, values[i]);
    if (def.type != MetricType::kHistogram) {
      out.sample(def.name, labels, cells[0]);
      continue;
    }
    // Cells: one per finite bucket, +Inf, sum, count (buckets not cumulative in the cells).
    const std::string bucket = def.name + "_bucket";
    double cumulative = 0;
    std::string le;
    labels.emplace_back("le", "");
    for (std::size_t i = 0; i <= def.buckets.size(); ++i) {
      cumulative += cells[i];
      le.clear();
      if (i < def.buckets.size()) {
        appendValue(le, def.buckets[i]);
      } else {
        le = "+Inf";
      }
      labels.back().second = le;
      out.sample(bucket, labels, cumulative);
    }
    labels.pop_back();
    out.sample(def.name + "_sum", labels, cells[def.buckets.size() + 1]);
    out.sample(def.name + "_count", labels, cells[def.buckets.size() + 2]);
  }
}

}  // namespace

// --- MetricGroup ----------------------------------------------------------------------------

MetricGroup::MetricGroup(std::string name, std::vector<std::string> schema, std::size_t max_series)
    : name_(std::move(name)), schema_(std::move(schema)), max_series_(max_series) {}

int MetricGroup::add(FamilyDef def) {
  if (def.type == MetricType::kGauge) std::abort();  // a gauge is a collector's: not summable
  offsets_.push_back(cells_);
  // A histogram: its buckets, +Inf, sum, count.
  cells_ += def.type == MetricType::kHistogram ? def.buckets.size() + 3 : 1;
  families_.push_back(std::move(def));
  return static_cast<int>(families_.size() - 1);
}

bool MetricGroup::reserve() noexcept {
  std::size_t n = series_.load(std::memory_order_relaxed);
  while (n < max_series_) {
    if (series_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

// --- Bundle ---------------------------------------------------------------------------------

Bundle::Bundle(const MetricGroup& g, std::vector<std::string> values)
    : g_(g), values_(std::move(values)), cells_(std::make_unique<Cell[]>(g.cellCount())) {}

void Bundle::inc(int family, double by) noexcept {
  touch(family);
  cells_[g_.offset(family)].add(by);
}

void Bundle::observe(int family, double v) noexcept {
  touch(family);
  const std::vector<double>& b = g_.families()[family].buckets;
  const std::size_t at = g_.offset(family);
  const std::size_t i = std::lower_bound(b.begin(), b.end(), v) - b.begin();  // le: v <= bound
  cells_[at + i].add(1);
  cells_[at + b.size() + 1].add(v);
  cells_[at + b.size() + 2].add(1);
}

// --- GroupShard -----------------------------------------------------------------------------

GroupShard::GroupShard(MetricGroup& g) : g_(g) {}

Bundle& GroupShard::at(std::span<const std::string_view> values) {
  key_.clear();
  for (std::string_view v : values) {
    key_.append(v);
    key_ += kSep;
  }
  if (auto it = index_.find(std::string_view(key_)); it != index_.end()) return *it->second;
  if (!g_.reserve()) {
    g_.dropped.fetch_add(1, std::memory_order_relaxed);  // rare: past the cap
    if (other_ == nullptr) {
      std::lock_guard lock(mu_);
      other_ = &bundles_.emplace_back(g_, std::vector<std::string>(g_.width(), "other"));
    }
    return *other_;
  }
  std::vector<std::string> owned(values.begin(), values.end());
  Bundle* b;
  {
    std::lock_guard lock(mu_);
    b = &bundles_.emplace_back(g_, std::move(owned));
  }
  index_.emplace(key_, b);
  return *b;
}

void GroupShard::forEach(const std::function<void(const Bundle&)>& fn) const {
  std::lock_guard lock(mu_);
  for (const Bundle& b : bundles_) fn(b);
}

// --- Exposition -----------------------------------------------------------------------------

void Exposition::family(std::string_view name, std::string_view help, MetricType type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += typeName(type);
  out_ += '\n';
}

void Exposition::sample(std::string_view name,
                        std::span<const std::pair<std::string_view, std::string_view>> labels,
                        double v) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, value] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      appendLabelValue(out_, value);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  appendValue(out_, v);
  out_ += '\n';
}

// --- Registry -------------------------------------------------------------------------------

Registry::Registry(unsigned workers) : workers_(std::max(1u, workers)) {}

MetricGroup& Registry::addGroup(std::unique_ptr<MetricGroup> g) {
  groups_.push_back(std::move(g));
  auto& shards = shards_.emplace_back();
  for (unsigned w = 0; w < workers_; ++w) shards.push_back(std::make_unique<GroupShard>(*groups_.back()));
  return *groups_.back();
}

GroupShard& Registry::shard(const MetricGroup& g, unsigned worker) {
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    if (groups_[i].get() == &g) return *shards_[i][worker % workers_];
  }
  std::abort();  // a group of another registry: a programming error
}

GroupShard& Registry::shard(std::string_view group, unsigned worker) {
  for (const auto& g : groups_) {
    if (g->name() == group) return shard(*g, worker);
  }
  std::abort();  // no such group: a programming error
}

void Registry::addCollector(Collector c) { collectors_.push_back(std::move(c)); }

std::string Registry::scrape() const {
  Exposition out;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const MetricGroup& g = *groups_[gi];
    std::vector<Merged> merged(g.families().size());
    for (const auto& shard : shards_[gi]) {
      shard->forEach([&](const Bundle& b) {
        for (std::size_t f = 0; f < merged.size(); ++f) mergeInto(merged[f], g, static_cast<int>(f), b);
      });
    }
    for (std::size_t f = 0; f < merged.size(); ++f) writeFamily(out, g.families()[f], merged[f]);
  }
  out.family("switchyard_metrics_series_dropped_total",
             "Metric updates counted under the label value \"other\" because their group reached "
             "its series cap.",
             MetricType::kCounter);
  for (const auto& g : groups_) {
    std::pair<std::string_view, std::string_view> label{"group", g->name()};
    out.sample("switchyard_metrics_series_dropped_total", {&label, 1},
               static_cast<double>(g->dropped.load(std::memory_order_relaxed)));
  }
  for (const Collector& c : collectors_) c(out);
  return out.take();
}

const std::vector<double>& latencyBuckets() {
  static const std::vector<double> b = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
                                        0.001,   0.0025,   0.005,   0.01,   0.025,   0.05,
                                        0.1,     0.25,     0.5,     1,      2,       5,
                                        10,      30,       60,      120,    300,     420,
                                        600};
  return b;
}

}  // namespace switchyard::telemetry
