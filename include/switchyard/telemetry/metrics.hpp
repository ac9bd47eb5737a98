#pragma once
// Prometheus metrics: written per worker with no lock and no shared cache line, merged at scrape
// (docs/observability.md).
//
//   MetricGroup  a label schema and the families that share it: one lookup per request finds the
//                Bundle that holds the cells of every family of the group for those label values.
//   GroupShard   one worker's bundles of one group. Only that worker writes its cells (a relaxed
//                atomic load and store, no read-modify-write); the scraper reads them. The lock
//                of a shard is taken only when a worker meets a label tuple it has never seen,
//                and by the scraper.
//   Family       exposes a projection of its group's labels under its own names; series that
//                project to the same labels are summed at scrape, as are the shards of every
//                worker. A family appears only in the series it was updated in.
//   Registry     the groups, their shards (one per worker), and collectors: code that writes
//                whole families at scrape time (gauges read from live state, process figures).
//
// Cardinality is bounded: a group holds at most `max_series` label tuples across all workers;
// past that, every new tuple is counted into one bundle whose label values are all "other", and
// switchyard_metrics_series_dropped_total{group} counts the updates that went there.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchyard::telemetry {

// Groups hold counters and histograms; gauges come from collectors (read at scrape time).
enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

// A value written by one thread and read by others.
class Cell {
 public:
  void add(double d) noexcept { v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  void set(double d) noexcept { v_.store(d, std::memory_order_relaxed); }
  double get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

struct FamilyDef {
  std::string name;  // as exposed; a counter's ends in _total
  std::string help;
  MetricType type = MetricType::kCounter;
  // Exposed label name, and the index of its value in the group's schema.
  std::vector<std::pair<std::string, int>> labels;
  std::vector<double> buckets;  // histograms: upper bounds, ascending (+Inf is implied)
};

class MetricGroup {
 public:
  // `schema`: the names of the values a bundle is keyed by (documentation and overflow only).
  MetricGroup(std::string name, std::vector<std::string> schema, std::size_t max_series);

  // Adds a family; returns its index for Bundle::inc / observe. Before any shard is made.
  int add(FamilyDef def);

  const std::string& name() const noexcept { return name_; }
  std::size_t width() const noexcept { return schema_.size(); }
  const std::vector<FamilyDef>& families() const noexcept { return families_; }
  std::size_t cellCount() const noexcept { return cells_; }
  std::size_t offset(int family) const noexcept { return offsets_[family]; }

  // Takes a place for a new tuple; false once max_series tuples exist (across all shards).
  bool reserve() noexcept;
  std::atomic<std::uint64_t> dropped{0};  // updates counted into the "other" bundle

 private:
  std::string name_;
  std::vector<std::string> schema_;
  std::vector<FamilyDef> families_;
  std::vector<std::size_t> offsets_;
  std::size_t cells_ = 0;
  const std::size_t max_series_;
  std::atomic<std::size_t> series_{0};
};

// The cells of one label tuple in one shard.
class Bundle {
 public:
  Bundle(const MetricGroup& g, std::vector<std::string> values);
  void inc(int family, double by = 1) noexcept;
  void observe(int family, double v) noexcept;  // histograms

  const std::vector<std::string>& values() const noexcept { return values_; }
  bool touched(int family) const noexcept {
    return (touched_.load(std::memory_order_relaxed) >> family) & 1u;
  }
  const Cell& cell(std::size_t i) const noexcept { return cells_[i]; }

 private:
  void touch(int family) noexcept {
    auto t = touched_.load(std::memory_order_relaxed);
    if (!((t >> family) & 1u)) touched_.store(t | (std::uint64_t{1} << family), std::memory_order_relaxed);
  }
  const MetricGroup& g_;
  std::vector<std::string> values_;
  std::unique_ptr<Cell[]> cells_;
  std::atomic<std::uint64_t> touched_{0};
};

class GroupShard {
 public:
  explicit GroupShard(MetricGroup& g);
  // The bundle of `values` (g.width() of them), made on first use. Owning worker only.
  Bundle& at(std::span<const std::string_view> values);
  // Calls `fn` on every bundle, under the shard's lock. Any thread.
  void forEach(const std::function<void(const Bundle&)>& fn) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  MetricGroup& g_;
  std::unordered_map<std::string, Bundle*, Hash, std::equal_to<>> index_;
  std::string key_;  // scratch: the joined values
  Bundle* other_ = nullptr;
  mutable std::mutex mu_;
  std::deque<Bundle> bundles_;
};

// Builds the text exposition (format 0.0.4). Each family is written whole, once.
class Exposition {
 public:
  void family(std::string_view name, std::string_view help, MetricType type);
  // One sample: `name` in full (with _bucket/_sum/_count where it applies); `labels` as pairs.
  void sample(std::string_view name,
              std::span<const std::pair<std::string_view, std::string_view>> labels, double v);
  void sample(std::string_view name, double v) { sample(name, {}, v); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Registry {
 public:
  explicit Registry(unsigned workers);
  // Groups are added before the workers start; shards are made for every worker.
  MetricGroup& addGroup(std::unique_ptr<MetricGroup> g);
  GroupShard& shard(const MetricGroup& g, unsigned worker);
  GroupShard& shard(std::string_view group, unsigned worker);  // by the group's name
  unsigned workers() const noexcept { return workers_; }

  using Collector = std::function<void(Exposition&)>;
  void addCollector(Collector c);  // before the workers start

  std::string scrape() const;  // any thread

 private:
  unsigned workers_;
  std::vector<std::unique_ptr<MetricGroup>> groups_;
  std::vector<std::vector<std::unique_ptr<GroupShard>>> shards_;  // [group][worker]
  std::vector<Collector> collectors_;
};

// Latency buckets in seconds: 10 µs to 10 minutes (LiteLLM's current set, 5 ms to 600 s, is a
// subset, so its dashboards' `le` values exist here too).
const std::vector<double>& latencyBuckets();

}  // namespace switchyard::telemetry
