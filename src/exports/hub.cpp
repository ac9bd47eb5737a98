// ExportHub (hub.hpp): worker queues, the collector thread, the exporter threads.

#include "switchyard/exports/hub.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>
#include <thread>

#include "formats.hpp"
#include "http_post.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/exports/record.hpp"

namespace switchyard::exports {
namespace {

using Clock = std::chrono::steady_clock;

// Spans one worker encoded (appendSpans): the spans of `requests` whole requests.
struct SpanChunk {
  std::string bytes;
  std::size_t requests = 0;
};

// What the collector hands to every exporter: the webhook records and the OTLP span chunks.
struct Batch {
  std::vector<ExportRecord> records;
  std::vector<SpanChunk> spans;
  bool empty() const { return records.empty() && spans.empty(); }
};
using SharedBatch = std::shared_ptr<const Batch>;

constexpr std::size_t kInboxBatches = 16;  // batches an exporter may have waiting
constexpr std::size_t kSpareBuffers = 8;   // span buffers kept for reuse
constexpr std::size_t kSpareBufferMax = 8u << 20;
constexpr auto kWebhookTimeout = std::chrono::seconds(5);
constexpr int kWebhookTries = 3;

// Starts a thread that never takes the process's signals (the server handles them).
// `name`: the thread's name in top -H (15 characters at most).
std::thread quietThread(const char* name, std::function<void()> fn) {
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  std::thread t([name, fn = std::move(fn)] {
    pthread_setname_np(pthread_self(), name);
    fn();
  });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return t;
}

// Health probes and the metrics scrape are not traced: they would drown the requests.
bool isProbe(std::string_view path) {
  if (path.starts_with("/v1/")) path.remove_prefix(3);
  return path.starts_with("/health") || path == "/metrics" || path == "/metrics/";
}

// One destination with a thread of its own and a bounded inbox of batches.
class Exporter {
 public:
  Exporter(std::string name, std::string kind) { stats_.name = std::move(name), stats_.kind = std::move(kind); }
  virtual ~Exporter() = default;

  void start() { thread_ = quietThread(stats_.kind == "otel" ? "sy-otlp" : "sy-webhook", [this] { run(); }); }

  // From the collector: a batch every exporter shares. Dropped (counted) when the inbox is full.
  void offer(const SharedBatch& batch) {
    std::size_t n = relevant(*batch);
    if (n == 0) return;
    {
      std::lock_guard lock(mutex_);
      if (inbox_.size() >= kInboxBatches) {
        dropped_ += n;
        return;
      }
      inbox_.push_back(batch);
    }
    wake_.notify_one();
  }

  // Delivers what is waiting until `deadline`, then drops the rest and ends the thread.
  void stop(Clock::time_point deadline) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      deadline_ = deadline;
    }
    stop_at_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  ExporterStats stats() const {
    ExporterStats s = stats_;
    s.exported = exported_.load(std::memory_order_relaxed);
    s.dropped = dropped_.load(std::memory_order_relaxed);
    s.failures = failures_.load(std::memory_order_relaxed);
    return s;
  }

 protected:
  // How many records of `batch` this exporter sends.
  virtual std::size_t relevant(const Batch& batch) const = 0;
  // Sends the relevant records of `batch`; posts must end by `deadline`.
  virtual void deliver(const Batch& batch, Clock::time_point deadline) = 0;

  // Time left for one post: `want`, or what remains before a stop's deadline.
  std::chrono::milliseconds budget(std::chrono::milliseconds want, Clock::time_point deadline) const {
    if (deadline == Clock::time_point::max()) return want;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(std::chrono::milliseconds(0), std::min(want, left));
  }
  // Waits `d` unless stopping makes the wait pointless.
  bool pause(std::chrono::milliseconds d, Clock::time_point deadline) {
    if (deadline != Clock::time_point::max() && Clock::now() + d >= deadline) return false;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stopping_; });
    return true;
  }

  std::atomic<std::uint64_t> exported_{0}, dropped_{0}, failures_{0};
  // Set by stop(): a post in progress is given up when the clock passes it (steady ns; 0: none).
  std::atomic<std::int64_t> stop_at_{0};

 private:
  void run() {
    for (;;) {
      SharedBatch batch;
      Clock::time_point deadline = Clock::time_point::max();
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !inbox_.empty(); });
        if (inbox_.empty()) return;  // stopping, nothing left
        if (stopping_) {
          deadline = deadline_;
          if (Clock::now() >= deadline) {
            for (const SharedBatch& b : inbox_) dropped_ += relevant(*b);
            inbox_.clear();
            return;
          }
        }
        batch = std::move(inbox_.front());
        inbox_.pop_front();
      }
      deliver(*batch, deadline);
    }
  }

  ExporterStats stats_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SharedBatch> inbox_;
  bool stopping_ = false;
  Clock::time_point deadline_;
};

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// OTLP/HTTP (protobuf, or JSON) to the collector. A 429/502/503/504 or no answer is tried once more after a
// second (OTLP's retryable answers); then the spans are dropped.
class OtlpExporter final : public Exporter {
 public:
  OtlpExporter(const config::OtelSettings& s, providers::Url url)
      : Exporter("otel", "otel"), settings_(s), poster_(std::move(url), s.headers) {}

 protected:
  std::size_t relevant(const Batch& batch) const override {
    std::size_t n = 0;
    for (const SpanChunk& c : batch.spans) n += c.requests;
    return n;
  }
  void deliver(const Batch& batch, Clock::time_point deadline) override {
    for (const SpanChunk& chunk : batch.spans) {
      std::string body = settings_.json ? otlpJsonRequest(chunk.bytes, settings_.service_name)
                                        : otlpProtoRequest(chunk.bytes, settings_.service_name);
      bool sent = false;
      for (int attempt = 0; attempt < 2 && !sent; ++attempt) {
        if (attempt > 0 && !pause(std::chrono::seconds(1), deadline)) break;
        auto timeout = budget(millis(settings_.timeout_s), deadline);
        if (timeout.count() == 0) break;
        HttpPoster::Result r = poster_.post(settings_.json ? "application/json" : "application/x-protobuf", body,
                                                 timeout, &stop_at_);
        sent = r.ok();
        if (!sent) {
          ++failures_;
          warnOnce(r.error);
          if (r.status != 0 && r.status != 429 && r.status != 502 && r.status != 503 && r.status != 504)
            break;  // not worth a retry
        }
      }
      (sent ? exported_ : dropped_) += chunk.requests;
    }
  }

 private:
  // One warning per failing stretch, not per batch.
  void warnOnce(const std::string& error) {
    auto now = Clock::now();
    if (now - last_warning_ < std::chrono::seconds(60)) return;
    last_warning_ = now;
    spdlog::warn("otel: cannot export spans to {}: {} (spans are dropped and counted)",
                 poster_.url().origin(), error);
  }

  const config::OtelSettings settings_;
  HttpPoster poster_;
  Clock::time_point last_warning_{};
};

// A generic_api webhook: the records as LiteLLM's StandardLoggingPayload, as a JSON array, NDJSON
// or one post per record; a failed post is retried twice, 0.5 s then 1 s later.
class WebhookExporter final : public Exporter {
 public:
  WebhookExporter(const config::WebhookSettings& s, providers::Url url)
      : Exporter(s.name, "webhook"), settings_(s), poster_(std::move(url), s.headers) {}

 protected:
  std::size_t relevant(const Batch& batch) const override {
    std::size_t n = 0;
    for (const ExportRecord& r : batch.records) n += wants(r);
    return n;
  }
  void deliver(const Batch& batch, Clock::time_point deadline) override {
    using F = config::WebhookSettings::Format;
    std::vector<const ExportRecord*> mine;
    for (const ExportRecord& r : batch.records)
      if (wants(r)) mine.push_back(&r);
    constexpr std::size_t kPerPost = 500;
    const std::size_t per_post = settings_.format == F::kSingle ? 1 : kPerPost;
    for (std::size_t at = 0; at < mine.size(); at += per_post) {
      std::size_t n = std::min(per_post, mine.size() - at);
      std::string body, type = "application/json";
      if (settings_.format == F::kNdjson) {
        type = "application/x-ndjson";
        for (std::size_t i = at; i < at + n; ++i) {
          body += webhookEvent(*mine[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          body += '\n';
        }
      } else if (settings_.format == F::kSingle) {
        body = webhookEvent(*mine[at]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } else {
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = at; i < at + n; ++i) list.push_back(webhookEvent(*mine[i]));
        body = list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      (post(type, body, deadline) ? exported_ : dropped_) += n;
    }
  }

 private:
  bool wants(const ExportRecord& r) const {
    return r.row.status == "success" ? settings_.on_success : settings_.on_failure;
  }
  bool post(const std::string& type, const std::string& body, Clock::time_point deadline) {
    static constexpr std::chrono::milliseconds kBackoff[] = {std::chrono::milliseconds(500),
                                                             std::chrono::milliseconds(1000)};
    for (int attempt = 0; attempt < kWebhookTries; ++attempt) {
      if (attempt > 0 && !pause(kBackoff[attempt - 1], deadline)) return false;
      auto timeout = budget(kWebhookTimeout, deadline);
      if (timeout.count() == 0) return false;
      HttpPoster::Result r = poster_.post(type, body, timeout, &stop_at_);
      if (r.ok()) return true;
      ++failures_;
      if (Clock::now() - last_warning_ >= std::chrono::seconds(60)) {
        last_warning_ = Clock::now();
        spdlog::warn("webhook {}: post to {} failed: {} (retried {} times, then dropped and counted)",
                     settings_.name, poster_.url().origin(), r.error, kWebhookTries - 1);
      }
      // A request the endpoint refuses (400, 401, 404...) will not pass on a second try.
      if (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429) return false;
    }
    return false;
  }

  const config::WebhookSettings settings_;
  HttpPoster poster_;
  Clock::time_point last_warning_{};
};

// The queue of one worker: only that worker appends, only the collector takes.
struct alignas(64) WorkerQueue {
  std::mutex mutex;
  std::vector<ExportRecord> records;
  std::vector<SpanChunk> full;  // chunks of batch_size requests each
  SpanChunk open;               // the chunk being filled
  std::size_t span_requests = 0;  // in `full` and `open`
};

}  // namespace

struct ExportHub::Impl {
  class Sink;

  Impl(const config::LitellmSettings& s, unsigned workers);

  void collect();          // the collector thread
  void gather(Batch& out);  // every worker queue, emptied into `out`
  // Appends a record to the queue of `worker`, made in its slot by fill(ExportRecord&).
  template <class Fill>
  void push(unsigned worker, Fill fill);
  // Appends the spans of a finished traced request to the queue of `worker`.
  void pushSpans(unsigned worker, const api::Exchange& ex, unsigned status, bool stream);
  // A span chunk's buffer: one posted before (its memory warm, no page faults), else a new one.
  std::string spareBuffer();
  // Called when every exporter is done with `batch`: its span buffers go back for reuse.
  void recycle(Batch& batch);

  bool otel = false, otel_json = false, webhooks = false, log_messages = false;
  std::size_t per_worker_cap = 0, batch_size = 512;
  std::chrono::milliseconds delay{1000};
  // Before the exporters: a batch they still hold returns its buffers here when destroyed.
  std::mutex spare_mutex;
  std::vector<std::string> spare;  // at most kSpareBuffers
  std::vector<std::unique_ptr<WorkerQueue>> queues;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::vector<std::unique_ptr<Exporter>> exporters;
  std::atomic<std::uint64_t> queue_dropped{0};

  std::thread collector;
  std::mutex mutex;
  std::condition_variable wake;
  bool batch_ready = false, stopping = false, started = false;
};

class ExportHub::Impl::Sink final : public telemetry::RequestSink {
 public:
  Sink(Impl& hub, unsigned index) : hub_(hub), index_(index) {}
  void record(const api::Exchange& ex, unsigned status, bool stream) override {
    if (hub_.otel && ex.trace && !isProbe(ex.path)) hub_.pushSpans(index_, ex, status, stream);
    if (hub_.webhooks && !ex.model.empty()) {
      hub_.push(index_, [&](ExportRecord& r) { recordOf(ex, status, stream, hub_.log_messages, r); });
    }
  }

 private:
  Impl& hub_;
  unsigned index_;
};

ExportHub::Impl::Impl(const config::LitellmSettings& s, unsigned workers) {
  log_messages = s.log_messages;
  std::size_t max_queue = 8192;
  if (s.otel) {
    if (auto url = providers::parseUrl(s.otel->endpoint)) {
      exporters.push_back(std::make_unique<OtlpExporter>(*s.otel, *url));
      otel = true;
      otel_json = s.otel->json;
      max_queue = s.otel->max_queue;
      batch_size = s.otel->max_batch;
      delay = millis(s.otel->schedule_delay_s);
    } else {
      spdlog::error("otel: the OTLP endpoint {} is not an http(s) URL; no spans are exported",
                    s.otel->endpoint);
    }
  }
  for (const config::WebhookSettings& w : s.webhooks) {
    auto url = providers::parseUrl(w.endpoint);
    if (!url) {
      spdlog::error("webhook {}: the endpoint is not an http(s) URL; nothing is posted", w.name);
      continue;
    }
    exporters.push_back(std::make_unique<WebhookExporter>(w, *url));
    webhooks = true;
  }
  workers = std::max(workers, 1u);
  per_worker_cap = std::max<std::size_t>(64, max_queue / workers);
  for (unsigned i = 0; i < workers; ++i) {
    queues.push_back(std::make_unique<WorkerQueue>());
    sinks.push_back(std::make_unique<Sink>(*this, i));
  }
}

template <class Fill>
void ExportHub::Impl::push(unsigned worker, Fill fill) {
  WorkerQueue& q = *queues[worker];
  bool full_batch;
  {
    std::lock_guard lock(q.mutex);
    if (q.records.size() >= per_worker_cap) {
      queue_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    fill(q.records.emplace_back());
    full_batch = q.records.size() == batch_size;
  }
  if (full_batch) {
    {
      std::lock_guard lock(mutex);
      batch_ready = true;
    }
    wake.notify_one();
  }
}

void ExportHub::Impl::pushSpans(unsigned worker, const api::Exchange& ex, unsigned status,
                                bool stream) {
  WorkerQueue& q = *queues[worker];
  bool full_batch = false;
  {
    std::lock_guard lock(q.mutex);
    if (q.span_requests >= per_worker_cap) {
      queue_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (q.open.bytes.capacity() == 0) q.open.bytes = spareBuffer();
    appendSpans(ex, status, stream, log_messages, otel_json, q.open.bytes);
    ++q.open.requests;
    ++q.span_requests;
    if (q.open.requests >= batch_size) {
      q.full.push_back(std::move(q.open));
      q.open = SpanChunk();
      full_batch = true;
    }
  }
  if (full_batch) {
    {
      std::lock_guard lock(mutex);
      batch_ready = true;
    }
    wake.notify_one();
  }
}

std::string ExportHub::Impl::spareBuffer() {
  std::lock_guard lock(spare_mutex);
  if (spare.empty()) return std::string();
  std::string s = std::move(spare.back());
  spare.pop_back();
  return s;
}

void ExportHub::Impl::recycle(Batch& batch) {
  std::lock_guard lock(spare_mutex);
  for (SpanChunk& c : batch.spans) {
    // A buffer grown past the usual (prompts logged) is let go; a few are kept.
    if (spare.size() >= kSpareBuffers || c.bytes.capacity() > kSpareBufferMax) continue;
    c.bytes.clear();
    spare.push_back(std::move(c.bytes));
  }
}

void ExportHub::Impl::gather(Batch& out) {
  for (auto& q : queues) {
    std::vector<ExportRecord> records;
    {
      std::lock_guard lock(q->mutex);
      records.swap(q->records);
      for (SpanChunk& c : q->full) out.spans.push_back(std::move(c));
      q->full.clear();
      if (q->open.requests > 0) {
        out.spans.push_back(std::move(q->open));
        q->open = SpanChunk();
      }
      q->span_requests = 0;
    }
    if (out.records.empty()) {
      out.records = std::move(records);
    } else {
      out.records.insert(out.records.end(), std::make_move_iterator(records.begin()),
                         std::make_move_iterator(records.end()));
    }
  }
}

void ExportHub::Impl::collect() {
  for (;;) {
    bool last;
    {
      std::unique_lock lock(mutex);
      wake.wait_for(lock, delay, [this] { return stopping || batch_ready; });
      batch_ready = false;
      last = stopping;
    }
    auto batch = std::make_unique<Batch>();
    gather(*batch);
    if (!batch->empty()) {
      // When the last exporter lets it go, its span buffers return for reuse.
      SharedBatch shared(std::shared_ptr<Batch>(batch.release(), [this](Batch* b) {
        recycle(*b);
        delete b;
      }));
      for (auto& e : exporters) e->offer(shared);
    }
    if (last) return;
  }
}

ExportHub::ExportHub(const config::LitellmSettings& settings, unsigned workers)
    : impl_(std::make_unique<Impl>(settings, workers)) {}

ExportHub::~ExportHub() { stop(); }

bool ExportHub::enabled() const noexcept { return !impl_->exporters.empty(); }

telemetry::RequestSink& ExportHub::sink(unsigned index) { return *impl_->sinks.at(index); }

void ExportHub::start() {
  if (impl_->started || !enabled()) return;
  impl_->started = true;
  for (auto& e : impl_->exporters) e->start();
  impl_->collector = quietThread("sy-exports", [this] { impl_->collect(); });
}

void ExportHub::stop(std::chrono::milliseconds deadline) {
  if (!impl_->started) return;
  impl_->started = false;
  const auto until = Clock::now() + deadline;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  impl_->collector.join();  // it hands out what was queued, then ends
  for (auto& e : impl_->exporters) e->stop(until);
}

std::vector<ExporterStats> ExportHub::stats() const {
  std::vector<ExporterStats> out;
  for (const auto& e : impl_->exporters) out.push_back(e->stats());
  return out;
}

std::uint64_t ExportHub::queueDropped() const noexcept {
  return impl_->queue_dropped.load(std::memory_order_relaxed);
}

std::size_t ExportHub::queued() const {
  std::size_t n = 0;
  for (const auto& q : impl_->queues) {
    std::lock_guard lock(q->mutex);
    n += q->records.size() + q->span_requests;
  }
  return n;
}

}  // namespace switchyard::exports
