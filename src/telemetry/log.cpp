#include "switchyard/telemetry/log.hpp"

#include <pthread.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include <cerrno>
#include <mutex>

#include <atomic>
#include <nlohmann/json.hpp>

namespace switchyard::telemetry {
namespace {

std::atomic<bool> g_json{false};
std::atomic<int> g_base_level{spdlog::level::info};  // the level asked for at start

// Writes formatted lines to a file descriptor in batches: up to 64 KiB are kept and written with
// one write(2) when full or on flush() (spdlog flushes on warnings and every second). spdlog's own
// stdout sink flushes after every line, which costs a syscall per request.
class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedFdSink(int fd) : fd_(fd) { buf_.reserve(kCapacity); }
  ~BufferedFdSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    if (buf_.size() + formatted.size() > kCapacity) flush_();
    buf_.append(formatted.data(), formatted.size());
  }
  void flush_() override {
    const char* p = buf_.data();
    std::size_t left = buf_.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to write: drop rather than block the server
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    buf_.clear();
  }

 private:
  static constexpr std::size_t kCapacity = 64 * 1024;
  int fd_;
  std::string buf_;
};

constexpr const char* kHumanPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

// json_logs: one object per line. A message that is itself a JSON object (the access log) is
// merged into the line; any other message becomes "message".
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    auto secs = std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time);
    nlohmann::json head = {{"time", secs.time_since_epoch().count() / 1000.0},
                           {"level", spdlog::level::to_string_view(msg.level)}};
    std::string line = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.pop_back();  // drop '}'
    if (payload.size() >= 2 && payload.front() == '{' && payload.back() == '}') {
      line += ',';
      line.append(payload.substr(1));
    } else {
      line += ",\"message\":";
      line += nlohmann::json(std::string(payload))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      line += '}';
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

bool initLogging(std::string_view level, bool json) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") return false;
  auto logger = std::make_shared<spdlog::logger>("switchyard",
                                                 std::make_shared<BufferedFdSink>(STDOUT_FILENO));
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
  g_base_level = lvl;
  // Warnings and errors reach the terminal at once; info lines (the access log) are written in
  // batches, at the latest every second, to keep a write(2) per request off the request path.
  spdlog::flush_on(spdlog::level::warn);
  {
    // The flusher thread must never take SIGTERM/SIGINT/SIGHUP: the server handles them on the
    // main thread. A thread inherits the mask of the thread that creates it.
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGHUP);
    sigaddset(&stop_signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    spdlog::flush_every(std::chrono::seconds(1));
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  setJsonLogs(json);
  return true;
}

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
  if (g_json) {
    nlohmann::json j = {{"type", "access"},   {"method", r.method},         {"path", r.path},
                        {"status", r.status}, {"latency_ms", r.latency_ms}, {"stream", r.stream}};
    if (ex) {
      const api::Outcome& o = ex->outcome;
      auto ms = [](api::Clock::duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
      };
      j["request_id"] = ex->request_id;
      j["model"] = o.model_group.empty() ? ex->model : o.model_group;
      j["deployment"] = o.deployment_id;
      j["provider"] = o.provider;
      if (ex->usage) {
        j["prompt_tokens"] = ex->usage->prompt_tokens;
        j["completion_tokens"] = ex->usage->completion_tokens;
      }
      if (o.cost) j["cost"] = *o.cost;
      j["cache_hit"] = o.cache_hit;
      if (o.overhead) j["overhead_ms"] = ms(*o.overhead);
      if (ex->first_chunk) j["ttft_ms"] = ms(*ex->first_chunk - ex->started);
      j["retries"] = o.attempted_retries;
      j["fallbacks"] = o.attempted_fallbacks;
      if (ex->outcome.error)
        j["error"] = ex->outcome.error->detail.empty() ? ex->outcome.error->message
                                                       : ex->outcome.error->detail;
    }
    if (!r.key_alias.empty()) j["key_alias"] = r.key_alias;
    spdlog::info(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  if (ex) {
    const auto& o = ex->outcome;
    char tokens[64] = "";
    if (ex->usage) {
      std::snprintf(tokens, sizeof tokens, " tokens=%llu/%llu",
                    static_cast<unsigned long long>(ex->usage->prompt_tokens),
                    static_cast<unsigned long long>(ex->usage->completion_tokens));
    }
    spdlog::info("access {} {} {} {:.2f}ms request_id={} model={} deployment={} stream={}{}{}{}{}",
                 r.method, r.path, r.status, r.latency_ms, ex->request_id,
                 o.model_group.empty() ? ex->model : o.model_group, o.deployment_id, r.stream,
                 tokens, r.key_alias.empty() ? "" : " key_alias=", r.key_alias,
                 o.error ? " error=\"" +
                               (o.error->detail.empty() ? o.error->message : o.error->detail) + "\""
                         : std::string());
  } else {
    spdlog::info("access {} {} {} {:.2f}ms", r.method, r.path, r.status, r.latency_ms);
  }
}

void AccessLog::record(const api::Exchange& ex, unsigned status, bool stream) {
  double ms = std::chrono::duration<double, std::milli>(api::Clock::now() - ex.started).count();
  logAccess({ex.method, ex.path, status, &ex, ex.principal.key_alias, ms, stream});
}

}  // namespace switchyard::telemetry
