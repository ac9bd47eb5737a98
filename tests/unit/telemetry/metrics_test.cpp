// The metrics registry: per-worker shards merged at scrape, label projections summed, histogram
// buckets cumulative, the series cap, label escaping, and writers on other threads.

#include "switchyard/telemetry/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

namespace switchyard::telemetry {
namespace {

using SV = std::string_view;

// The value of the sample line that starts with `prefix` (its name and labels), or -1.
double sampleValue(const std::string& text, const std::string& prefix) {
  std::size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      std::size_t sp = text.find(' ', at + prefix.size());
      if (sp == at + prefix.size()) return std::stod(text.substr(sp + 1, text.find('\n', sp) - sp - 1));
    }
    at += prefix.size();
  }
  return -1;
}

struct Fixture {
  Registry reg{2};
  int hits = -1, lat = -1, by_model = -1;
  explicit Fixture(std::size_t cap = 100) {
    auto g = std::make_unique<MetricGroup>("test", std::vector<std::string>{"model", "key"}, cap);
    hits = g->add({"t_hits_total", "Hits.", MetricType::kCounter, {{"model", 0}, {"key", 1}}, {}});
    by_model = g->add({"t_by_model_total", "Per model.", MetricType::kCounter, {{"model", 0}}, {}});
    lat = g->add({"t_latency", "Latency.", MetricType::kHistogram, {{"model", 0}}, {0.1, 1}});
    reg.addGroup(std::move(g));
  }
  Bundle& at(unsigned worker, SV model, SV key) {
    std::array<SV, 2> v{model, key};
    return reg.shard("test", worker).at(v);
  }
};

TEST(Metrics, CountersOfEveryWorkerAreSummedAtScrape) {
  Fixture f;
  f.at(0, "gpt", "a").inc(f.hits);
  f.at(0, "gpt", "a").inc(f.hits, 2);
  f.at(1, "gpt", "a").inc(f.hits, 4);
  f.at(1, "gpt", "b").inc(f.hits);
  std::string text = f.reg.scrape();
  EXPECT_EQ(sampleValue(text, R"(t_hits_total{model="gpt",key="a"})"), 7);
  EXPECT_EQ(sampleValue(text, R"(t_hits_total{model="gpt",key="b"})"), 1);
  EXPECT_NE(text.find("# TYPE t_hits_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# HELP t_hits_total Hits.\n"), std::string::npos);
}

TEST(Metrics, AProjectionSumsTheTuplesItMerges) {
  Fixture f;
  f.at(0, "gpt", "a").inc(f.by_model);
  f.at(1, "gpt", "b").inc(f.by_model, 2);
  f.at(0, "claude", "a").inc(f.by_model, 5);
  std::string text = f.reg.scrape();
  EXPECT_EQ(sampleValue(text, R"(t_by_model_total{model="gpt"})"), 3);
  EXPECT_EQ(sampleValue(text, R"(t_by_model_total{model="claude"})"), 5);
}

TEST(Metrics, AFamilyAppearsOnlyInTheSeriesItWasUpdatedIn) {
  Fixture f;
  f.at(0, "gpt", "a").inc(f.hits);
  std::string text = f.reg.scrape();
  EXPECT_EQ(text.find("t_by_model_total{"), std::string::npos);
  EXPECT_NE(text.find("# TYPE t_by_model_total counter"), std::string::npos);
  EXPECT_EQ(text.find("t_latency_bucket{"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Fixture f;
  f.at(0, "gpt", "a").observe(f.lat, 0.05);
  f.at(1, "gpt", "b").observe(f.lat, 0.1);  // on the bound: le="0.1"
  f.at(1, "gpt", "b").observe(f.lat, 0.5);
  f.at(0, "gpt", "a").observe(f.lat, 7);
  std::string text = f.reg.scrape();
  EXPECT_EQ(sampleValue(text, R"(t_latency_bucket{model="gpt",le="0.1"})"), 2);
  EXPECT_EQ(sampleValue(text, R"(t_latency_bucket{model="gpt",le="1"})"), 3);
  EXPECT_EQ(sampleValue(text, R"(t_latency_bucket{model="gpt",le="+Inf"})"), 4);
  EXPECT_DOUBLE_EQ(sampleValue(text, R"(t_latency_sum{model="gpt"})"), 7.65);
  EXPECT_EQ(sampleValue(text, R"(t_latency_count{model="gpt"})"), 4);
  EXPECT_NE(text.find("# TYPE t_latency histogram"), std::string::npos);
}

TEST(Metrics, PastTheCapNewTuplesCountAsOtherAndAreCounted) {
  Fixture f(2);
  f.at(0, "m1", "k").inc(f.hits);
  f.at(1, "m2", "k").inc(f.hits);
  f.at(0, "m3", "k").inc(f.hits);
  f.at(1, "m4", "k").inc(f.hits, 2);
  f.at(0, "m1", "k").inc(f.hits);  // known tuples still count on their own
  std::string text = f.reg.scrape();
  EXPECT_EQ(sampleValue(text, R"(t_hits_total{model="m1",key="k"})"), 2);
  EXPECT_EQ(sampleValue(text, R"(t_hits_total{model="other",key="other"})"), 3);
  EXPECT_EQ(text.find("m3"), std::string::npos);
  EXPECT_EQ(sampleValue(text, R"(switchyard_metrics_series_dropped_total{group="test"})"), 2);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Fixture f;
  f.at(0, "a\"b\\c\nd", "k").inc(f.hits);
  std::string text = f.reg.scrape();
  EXPECT_NE(text.find(R"(t_hits_total{model="a\"b\\c\nd",key="k"} 1)"), std::string::npos) << text;
}

TEST(Metrics, CollectorsWriteAfterTheGroups) {
  Fixture f;
  f.reg.addCollector([](Exposition& out) {
    out.family("t_gauge", "A gauge.", MetricType::kGauge);
    out.sample("t_gauge", 2.5);
  });
  std::string text = f.reg.scrape();
  EXPECT_EQ(sampleValue(text, "t_gauge"), 2.5);
}

TEST(Metrics, WorkersWriteWhileAScraperReads) {
  Fixture f(10000);
  constexpr int kPerThread = 20000;
  auto work = [&f](unsigned w) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string model = "m" + std::to_string(i % 50);
      f.at(w, model, "k").inc(f.by_model);
    }
  };
  std::thread a(work, 0), b(work, 1);
  for (int i = 0; i < 20; ++i) f.reg.scrape();
  a.join();
  b.join();
  std::string text = f.reg.scrape();
  double total = 0;
  for (int m = 0; m < 50; ++m)
    total += sampleValue(text, "t_by_model_total{model=\"m" + std::to_string(m) + "\"}");
  EXPECT_EQ(total, 2.0 * kPerThread);
}

TEST(Metrics, LatencyBucketsSpanMicrosecondsToMinutesAndHoldLiteLLMs) {
  const std::vector<double>& b = latencyBuckets();
  EXPECT_LE(b.front(), 0.00001);
  EXPECT_GE(b.back(), 600);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  for (double v : {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0,
                   120.0, 300.0, 420.0, 600.0}) {
    EXPECT_NE(std::find(b.begin(), b.end(), v), b.end()) << v;
  }
}

}  // namespace
}  // namespace switchyard::telemetry
