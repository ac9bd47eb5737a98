#include "switchyard/telemetry/log.hpp"

#include <pthread.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>

#include <cerrno>
#include <mutex>

#include <atomic>
#include <condition_variable>
#include <thread>
#include <nlohmann/json.hpp>

#include "switchyard/api/json_guard.hpp"
#include "switchyard/api/json_writer.hpp"

namespace switchyard::telemetry {
namespace {

std::atomic<bool> g_json{false};
std::atomic<int> g_base_level{spdlog::level::info};  // the level asked for at start

std::atomic<std::uint64_t> g_dropped_lines{0};

// Writes formatted lines to a file descriptor from a thread of its own, so that a slow or
// blocked reader of the logs (a full pipe, a stalled collector) never holds up a request.
// A line is appended to a bounded buffer under a short lock; the writer thread takes the buffer
// 100 ms after its first line (asleep while there is none), or at once when a flush is asked
// for (spdlog flushes on warnings and every second), and writes it with one write(2). A line that does not fit (the reader is too slow
// for 4 MiB) is dropped and counted: droppedLogLines(), and a notice in the stream once it
// drains. The destructor writes what is left.
class AsyncFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit AsyncFdSink(int fd) : fd_(fd), writer_([this] {
    pthread_setname_np(pthread_self(), "sy-log");
    run();
  }) {}
  ~AsyncFdSink() override {
    {
      std::lock_guard lock(wake_mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }

  // A whole line made by the caller (JSON access lines): appended as it is, past spdlog's
  // formatting. Same bound and drop count as every other line.
  void writeLine(std::string_view line) {
    std::lock_guard lock(mutex_);
    if (pending_.size() + line.size() > kCapacity) {
      g_dropped_lines.fetch_add(1, std::memory_order_relaxed);
      ++unreported_drops_;
      return;
    }
    const bool first = pending_.empty();
    pending_.append(line);
    if (first) wakeForLines();
  }


 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    if (pending_.size() + formatted.size() > kCapacity) {
      g_dropped_lines.fetch_add(1, std::memory_order_relaxed);
      ++unreported_drops_;
      return;
    }
    const bool first = pending_.empty();
    pending_.append(formatted.data(), formatted.size());
    if (first) wakeForLines();
  }
 protected:
  // Called with the base_sink's mutex held: only wakes the writer.
  void flush_() override {
    {
      std::lock_guard lock(wake_mutex_);
      flush_asked_ = true;
    }
    wake_.notify_one();
  }

 private:
  static constexpr std::size_t kCapacity = 4u << 20;

  // The first line since the last write (base_sink's mutex held, as in flush_): the writer may be
  // asleep with nothing to write.
  void wakeForLines() {
    {
      std::lock_guard lock(wake_mutex_);
      has_lines_ = true;
    }
    wake_.notify_one();
  }

  void run() {
    std::string out;
    for (;;) {
      bool stopping;
      {
        std::unique_lock lock(wake_mutex_);
        // Nothing to write: sleep until a line comes (an idle gateway does not tick), then
        // gather lines for up to 100 ms.
        wake_.wait(lock, [this] { return stop_ || flush_asked_ || has_lines_; });
        wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_ || flush_asked_; });
        flush_asked_ = false;
        has_lines_ = false;
        stopping = stop_;
      }
      std::uint64_t drops = 0;
      {
        std::lock_guard lock(mutex_);  // base_sink's: the loggers append under it
        out.swap(pending_);
        drops = unreported_drops_;
        unreported_drops_ = 0;
      }
      if (drops > 0) {
        std::string text = std::to_string(drops) +
                           " log lines dropped (the log reader was too slow; see "
                           "switchyard_log_lines_dropped_total)";
        if (g_json) {
          auto now = std::chrono::system_clock::now().time_since_epoch();
          out += "{\"time\":" +
                 std::to_string(std::chrono::duration<double>(now).count()) +
                 ",\"level\":\"warning\",\"message\":\"" + text + "\"}\n";
        } else {
          out += "warning " + text + "\n";
        }
      }
      writeAll(out);
      out.clear();
      if (stopping) return;
    }
  }

  void writeAll(const std::string& buf) {
    const char* p = buf.data();
    std::size_t left = buf.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere to write: the lines are lost, the server goes on
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  int fd_;
  std::string pending_;  // under base_sink's mutex_
  std::uint64_t unreported_drops_ = 0;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool flush_asked_ = false, stop_ = false, has_lines_ = false;  // wake_mutex_
  std::thread writer_;  // last: starts after the members above exist
};

constexpr const char* kHumanPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

// `t` as kHumanPattern's time ("2026-12-07T01:25:00.123Z"); the part up to the second is made
// once a second per thread.
void appendUtcTime(std::string& out, std::chrono::system_clock::time_point t) {
  thread_local std::int64_t second = -1;
  thread_local char head[32];
  thread_local std::size_t head_size = 0;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::int64_t now = ms / 1000;
  if (now != second) {
    const std::time_t tt = static_cast<std::time_t>(now);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    head_size = std::strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
    second = now;
  }
  out.append(head, head_size);
  const auto frac = static_cast<unsigned>(ms % 1000);
  const char tail[] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                       static_cast<char>('0' + frac % 10), 'Z'};
  out.append(tail, sizeof tail);
}

// json_logs: one object per line. A message that is itself a JSON object (the access log) is
// merged into the line; any other message becomes "message".
// The sink of the process logger, for lines written past spdlog (writeLine), and that logger:
// lines go past spdlog only while it is still the default one.
std::shared_ptr<AsyncFdSink> g_sink;
std::atomic<spdlog::logger*> g_logger{nullptr};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time);
    auto level = spdlog::level::to_string_view(msg.level);
    std::string& line = scratch_;
    line.clear();
    {
      api::JsonWriter w(line);
      w.beginObject()
          .key("time").fixed(static_cast<double>(ms.time_since_epoch().count()) / 1000.0, 3)
          .field("level", std::string_view(level.data(), level.size()));
      const bool object = payload.size() >= 2 && payload.front() == '{' && payload.back() == '}';
      if (!object) w.field("message", payload).endObject();
    }
    if (payload.size() >= 2 && payload.front() == '{' && payload.back() == '}') {
      // An object already (the access log): its members join the line's.
      if (payload.size() > 2) line += ',';
      line.append(payload.substr(1));
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  std::string scratch_;  // formatting happens under the sink's lock: one line at a time
};

}  // namespace

bool initLogging(std::string_view level, bool json) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") return false;
  std::shared_ptr<spdlog::logger> logger;
  {
    // The writer thread must never take SIGTERM/SIGINT/SIGHUP/SIGUSR1: the server handles them
    // on the main thread. A thread inherits the mask of the thread that creates it.
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGHUP);
    sigaddset(&stop_signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    auto sink = std::make_shared<AsyncFdSink>(STDOUT_FILENO);
    logger = std::make_shared<spdlog::logger>("switchyard", sink);
    g_sink = sink;
    g_logger = logger.get();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
  g_base_level = lvl;
  // Warnings and errors are written at once; info lines (the access log) within 100 ms.
  spdlog::flush_on(spdlog::level::warn);
  setJsonLogs(json);
  return true;
}

bool setLogLevel(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") return false;
  g_base_level = lvl;
  spdlog::set_level(lvl);
  spdlog::warn("log level now {} (set through the admin route)", spdlog::level::to_string_view(lvl));
  return true;
}

std::string_view logLevel() {
  auto v = spdlog::level::to_string_view(spdlog::get_level());
  return std::string_view(v.data(), v.size());
}

std::uint64_t droppedLogLines() noexcept { return g_dropped_lines.load(std::memory_order_relaxed); }

spdlog::level::level_enum toggleDebugLogging() {
  auto base = static_cast<spdlog::level::level_enum>(g_base_level.load());
  auto now = spdlog::get_level() == spdlog::level::debug && base != spdlog::level::debug
                 ? base
                 : spdlog::level::debug;
  spdlog::set_level(now);
  // A warning, so that the switch is seen whatever the level.
  spdlog::warn("log level now {} (SIGUSR1 switches between debug and {})",
               spdlog::level::to_string_view(now), spdlog::level::to_string_view(base));
  return now;
}

void setJsonLogs(bool json) {
  g_json = json;
  if (json) {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_pattern(kHumanPattern, spdlog::pattern_time_type::utc);
  }
}

void logAccess(const AccessRecord& r) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  const api::Exchange* ex = r.exchange;
  // Lines go straight to the sink, framed as the formatter would frame them: one copy, no spdlog
  // message (unless another logger was put in place, as tests do).
  const bool direct = g_sink && spdlog::default_logger_raw() == g_logger.load();
  thread_local std::string line;  // the worker's line buffer, kept between requests
  line.clear();
  if (g_json) {
    api::JsonWriter w(line);
    w.beginObject();
    if (direct) {
      const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now());
      w.key("time")
          .fixed(static_cast<double>(now.time_since_epoch().count()) / 1000.0, 3)
          .field("level", "info");
    }
    w.field("type", "access")
        .field("method", r.method)
        .field("path", r.path)
        .field("status", r.status)
        .key("latency_ms").fixed(r.latency_ms, 3)
        .field("stream", r.stream);
    if (ex) {
      const api::Outcome& o = ex->outcome;
      auto ms = [](api::Clock::duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
      };
      w.field("request_id", ex->request_id)
          .field("model", o.model_group.empty() ? ex->model : o.model_group)
          .field("deployment", o.deployment_id)
          .field("provider", o.provider);
      if (ex->usage) {
        w.field("prompt_tokens", ex->usage->prompt_tokens)
            .field("completion_tokens", ex->usage->completion_tokens);
      }
      if (o.cost) w.key("cost").fixed(*o.cost, 12);
      w.field("cache_hit", o.cache_hit);
      if (o.overhead) w.key("overhead_ms").fixed(ms(*o.overhead), 3);
      if (ex->first_chunk) w.key("ttft_ms").fixed(ms(*ex->first_chunk - ex->started), 3);
      w.field("retries", o.attempted_retries).field("fallbacks", o.attempted_fallbacks);
      if (o.error) w.field("error", o.error->logText());
      // Only with log_messages (the answer is kept then): the prompt and the answer.
      if (!ex->logged_reply.empty()) {
        if (std::optional<api::JsonView> prompt = api::promptOf(*ex))
          w.key("messages").raw(api::dumpJson(prompt->parse()));  // one line: compact
        w.field("response", ex->logged_reply);
      }
    }
    if (!r.key_alias.empty()) w.field("key_alias", r.key_alias);
    if (ex && !ex->principal.team.empty()) w.field("team", ex->principal.team);
    w.endObject();
    w.finish();
    if (!direct) {
      spdlog::info(std::string_view(line));
      return;
    }
    line += '\n';
    g_sink->writeLine(line);
    return;
  }
  // The human line: as spdlog's pattern would frame it ("<time> info access ...").
  if (direct) {
    appendUtcTime(line, std::chrono::system_clock::now());
    line += " info ";
  }
  char num[48];
  line += "access ";
  line.append(r.method).append(" ", 1).append(r.path).append(" ", 1);
  line.append(num, std::to_chars(num, num + sizeof num, r.status).ptr);
  line += ' ';
  {  // two decimals, as "{:.2f}"
    const auto hundredths = static_cast<std::uint64_t>(std::llround(std::max(r.latency_ms, 0.0) * 100));
    line.append(num, std::to_chars(num, num + sizeof num, hundredths / 100).ptr);
    const char frac[] = {'.', static_cast<char>('0' + hundredths / 10 % 10),
                         static_cast<char>('0' + hundredths % 10), 'm', 's'};
    line.append(frac, sizeof frac);
  }
  if (ex) {
    const auto& o = ex->outcome;
    line.append(" request_id=").append(ex->request_id);
    line.append(" model=").append(o.model_group.empty() ? ex->model : o.model_group);
    line.append(" deployment=").append(o.deployment_id);
    line.append(r.stream ? " stream=true" : " stream=false");
    if (ex->usage) {
      line.append(" tokens=");
      line.append(num, std::to_chars(num, num + sizeof num, ex->usage->prompt_tokens).ptr);
      line += '/';
      line.append(num, std::to_chars(num, num + sizeof num, ex->usage->completion_tokens).ptr);
    }
    if (!r.key_alias.empty()) line.append(" key_alias=").append(r.key_alias);
    if (!ex->principal.team.empty()) line.append(" team=").append(ex->principal.team);
    if (o.error) line.append(" error=\"").append(o.error->logText()).append("\"");
  }
  if (!direct) {
    spdlog::info(std::string_view(line));
    return;
  }
  line += '\n';
  g_sink->writeLine(line);
}

void AccessLog::record(const api::Exchange& ex, unsigned status, bool stream) {
  double ms = std::chrono::duration<double, std::milli>(api::Clock::now() - ex.started).count();
  logAccess({ex.method, ex.path, status, &ex, ex.principal.key_alias, ms, stream});
}

}  // namespace switchyard::telemetry
