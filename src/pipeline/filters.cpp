// The shared filters (filters.hpp) and the Pipeline that owns them (pipeline.hpp).

#include "switchyard/pipeline/filters.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "switchyard/api/find_bytes.hpp"
#include "switchyard/api/ids.hpp"
#include "switchyard/api/trace.hpp"
#include "switchyard/api/usage.hpp"
#include "switchyard/auth/auth.hpp"
#include "switchyard/pipeline/pipeline.hpp"
#include "switchyard/telemetry/log.hpp"

namespace switchyard::pipeline {

namespace {

using api::Clock;

// Into `buf` (32 bytes), no allocation; as printf's "%.3f" (to_chars: without printf's cost).
std::string_view formatMs(char* buf, double ms) {
  auto [p, ec] = std::to_chars(buf, buf + 32, ms < 0 ? 0.0 : ms, std::chars_format::fixed, 3);
  if (ec != std::errc()) return "0.000";  // beyond 32 characters: not a duration
  return std::string_view(buf, static_cast<std::size_t>(p - buf));
}
std::string_view formatInt(char* buf, int v) {
  auto [p, ec] = std::to_chars(buf, buf + 32, v);
  return std::string_view(buf, static_cast<std::size_t>(p - buf));
}

std::string_view header(const api::Exchange& ex, std::string_view name) {
  return ex.headers ? ex.headers->get(name) : std::string_view{};
}

class RequestIdFilter final : public Filter {
 public:
  explicit RequestIdFilter(const config::OtelSettings* tracing) : tracing_(tracing) {}
  std::string_view name() const noexcept override { return "request_id"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    std::string_view rid = header(ex, "x-request-id");
    bool ok = !rid.empty() && rid.size() <= 200 &&
              std::all_of(rid.begin(), rid.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    ex.request_id = ok ? std::string(rid) : api::newUuid();
    ex.call_id = api::newUuid();
    if (tracing_) startTrace(ex);
    api::Reply reply = co_await next(ex);
    reply.addHeader("x-request-id", ex.request_id);
    reply.addHeader("x-litellm-call-id", ex.call_id);
    co_return reply;
  }

 private:
  // OTEL_TRACES_SAMPLER: a client's sampled flag decides when parent-based; else the trace id's
  // low 8 bytes against the ratio (the spec's TraceIdRatioBased), so every service that sees the
  // trace decides alike.
  void startTrace(api::Exchange& ex) const {
    std::optional<api::TraceParent> parent = api::parseTraceParent(header(ex, "traceparent"));
    if (parent && tracing_->parent_based && !parent->sampled()) return;
    api::TraceContext t = api::TraceContext::start(parent, parent ? header(ex, "tracestate") : "");
    if (!(parent && tracing_->parent_based) && !api::sampledByRatio(t.trace_id, tracing_->sample_ratio))
      return;
    ex.trace = std::make_unique<api::TraceContext>(std::move(t));
  }

  const config::OtelSettings* tracing_;  // null: tracing off
};

constexpr std::size_t kLoggedReplyBytes = 64 * 1024;  // log_messages: kept of an answer

void keepForLogs(std::string& kept, std::string_view bytes) {
  if (kept.size() < kLoggedReplyBytes)
    kept.append(bytes.substr(0, kLoggedReplyBytes - kept.size()));
}

// Reports a stream to the request sink when it ends (or is abandoned: the client left).
// `keep`: also keeps the stream's bytes in ex.logged_reply (log_messages).
class StreamEndLogger final : public api::StreamObserver {
 public:
  StreamEndLogger(telemetry::RequestSink& sink, api::Exchange& ex, unsigned status, bool keep)
      : sink_(sink), ex_(ex), status_(status), keep_(keep) {}
  ~StreamEndLogger() override {
    if (!done_) report(499);
  }
  void onChunk(std::string_view bytes) override {
    if (keep_) keepForLogs(ex_.logged_reply, bytes);
  }
  // A stream the upstream broke after its 200 head is a failure (the client got an error
  // event): logged with 502, as a failure, like LiteLLM's failed-stream spend row.
  void onEnd(api::StreamEnd how) override {
    switch (how) {
      case api::StreamEnd::kComplete:
        return report(status_);
      case api::StreamEnd::kBroken:
        return report(502);
      case api::StreamEnd::kClientGone:
        return report(499);
    }
  }

 private:
  void report(unsigned status) {
    if (done_) return;
    done_ = true;
    sink_.record(ex_, status, true);
  }
  telemetry::RequestSink& sink_;
  api::Exchange& ex_;  // the session keeps the exchange alive longer than the reply
  unsigned status_;
  bool keep_;
  bool done_ = false;
};

void markClientGone(api::Exchange& ex) {
  api::Error e{api::ErrorKind::kInvalidRequest, "Client closed the connection.",
               "client disconnected"};
  e.status = 499;
  ex.outcome.error = std::move(e);
}

class AccessLogFilter final : public Filter {
 public:
  AccessLogFilter(telemetry::RequestSink& sink, bool log_messages)
      : sink_(sink), log_messages_(log_messages) {}
  std::string_view name() const noexcept override { return "access_log"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    api::Reply reply;
    bool gone = false;
    std::optional<std::string> fault;  // what a filter or adapter threw: a bug, answered as a 500
    try {
      reply = co_await next(ex);
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted)
        gone = true;  // the client left while the answer was being prepared (status 499, as nginx)
      else
        fault = e.what();
    } catch (const std::exception& e) {
      fault = e.what();
    }
    if (fault) {
      api::Error e{api::ErrorKind::kInternal, "The gateway failed while handling the request.",
                   "exception: " + *fault};
      ex.outcome.error = e;
      reply = api::Reply::fromError(e);
    }
    if (gone) {
      markClientGone(ex);
      sink_.record(ex, 499, ex.stream);
      throw boost::system::system_error(boost::asio::error::operation_aborted);
    }
    if (reply.stream) {
      reply.observers.push_back(
          std::make_unique<StreamEndLogger>(sink_, ex, reply.status, log_messages_));
    } else {
      if (log_messages_) keepForLogs(ex.logged_reply, reply.body);
      sink_.record(ex, reply.status, false);
    }
    co_return reply;
  }

 private:
  telemetry::RequestSink& sink_;
  bool log_messages_;
};

class AuthFilter final : public Filter {
 public:
  explicit AuthFilter(const auth::Authenticator& auth) : auth_(auth) {}
  std::string_view name() const noexcept override { return "auth"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    if (ex.auth_token.empty() && ex.headers) {
      ex.auth_token = std::string(
          auth::pickToken(ex.headers->get("authorization"), ex.headers->get("x-api-key"),
                          ex.headers->get("api-key"), ex.headers->get("x-litellm-api-key")));
    }
    api::Result<api::Principal> principal = auth_.authenticate(ex.auth_token);
    if (!principal && principal.error().code == auth::kKeyNotLoaded) {
      // A virtual key not in memory yet: asked of the store once, then answered from memory.
      if (auto fetched = co_await auth_.fetch(ex.auth_token); !fetched) {
        co_return fail(ex, fetched.error());
      }
      principal = auth_.authenticate(ex.auth_token);
      if (!principal && principal.error().code == auth::kKeyNotLoaded) {
        principal = api::Error{api::ErrorKind::kUnauthorized,
                               "Authentication Error: invalid API key.",
                               "key still not loaded after a lookup"};
      }
    }
    if (!principal) co_return fail(ex, principal.error());
    ex.principal = std::move(*principal);
    co_return co_await next(ex);
  }

 private:
  const auth::Authenticator& auth_;
};

class ProxyHeadersFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "proxy_headers"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    api::Reply reply = co_await next(ex);
    const api::Outcome& o = ex.outcome;
    if (!o.deployment_id.empty()) reply.addHeader("x-litellm-model-id", o.deployment_id);
    if (!o.model_group.empty()) reply.addHeader("x-litellm-model-group", o.model_group);
    if (!o.api_base.empty()) reply.addHeader("x-litellm-model-api-base", o.api_base);
    double total = std::chrono::duration<double, std::milli>(Clock::now() - ex.started).count();
    double upstream = std::chrono::duration<double, std::milli>(o.upstream_time).count();
    char buf[32];
    reply.addHeader("x-litellm-response-duration-ms", formatMs(buf, total));
    reply.addHeader("x-litellm-overhead-duration-ms", formatMs(buf, total - upstream));
    ex.outcome.overhead = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(total - upstream));
    reply.addHeader("x-litellm-attempted-retries", formatInt(buf, o.attempted_retries));
    reply.addHeader("x-litellm-attempted-fallbacks", formatInt(buf, o.attempted_fallbacks));
    co_return reply;
  }
};

// Reads usage from a stream's chunks as the session sends them; sets ex.usage once seen.
// The usage the client does not see (a usage-only chunk the adapter asked for and kept back, a
// translated stream without include_usage) the adapter's source has already written to ex.usage
// (exchange.hpp): what the chunks carry is merged into it, field by field.
class UsageTap final : public api::StreamObserver {
 public:
  explicit UsageTap(api::Exchange& ex) : ex_(ex) {}
  void onChunk(std::string_view bytes) override {
    if (api::findBytes(bytes, "\"usage\"") == std::string_view::npos) return;
    std::optional<api::Usage> u = api::scanUsage(bytes);
    if (!u) return;
    // Counts only grow: Anthropic streams report input tokens (and cache reads and writes) at
    // message_start and output tokens at message_delta; a chunk repeating the usage the adapter
    // wrote changes nothing.
    api::mergeUsage(ex_.usage ? *ex_.usage : ex_.usage.emplace(), *u);
  }

 private:
  api::Exchange& ex_;
};

class UsageFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "usage"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next next) override {
    api::Reply reply = co_await next(ex);
    if (reply.status < 200 || reply.status >= 300) co_return reply;
    if (reply.stream) {
      reply.observers.push_back(std::make_unique<UsageTap>(ex));
    } else {
      ex.usage = reply.usage ? reply.usage : api::scanUsage(reply.body);
    }
    co_return reply;
  }
};

class ReplyFilter final : public Filter {
 public:
  ReplyFilter(std::string_view name, ReplyFn answer) : name_(name), answer_(std::move(answer)) {}
  std::string_view name() const noexcept override { return name_; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    api::Reply r = answer_(ex);
    co_return r;
  }

 private:
  std::string name_;
  ReplyFn answer_;
};

class AsyncReplyFilter final : public Filter {
 public:
  AsyncReplyFilter(std::string_view name, AsyncReplyFn answer)
      : name_(name), answer_(std::move(answer)) {}
  std::string_view name() const noexcept override { return name_; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    co_return co_await answer_(ex);
  }

 private:
  std::string name_;
  AsyncReplyFn answer_;
};

}  // namespace

std::unique_ptr<Filter> makeRequestIdFilter(const config::OtelSettings* tracing) {
  return std::make_unique<RequestIdFilter>(tracing);
}
std::unique_ptr<Filter> makeAccessLogFilter(Services& s) {
  return std::make_unique<AccessLogFilter>(s.requests, s.config.litellm_settings.log_messages);
}
std::unique_ptr<Filter> makeAuthFilter(Services& s) { return std::make_unique<AuthFilter>(s.auth); }
std::unique_ptr<Filter> makeProxyHeadersFilter() { return std::make_unique<ProxyHeadersFilter>(); }
std::unique_ptr<Filter> makeUsageFilter() { return std::make_unique<UsageFilter>(); }
std::unique_ptr<Filter> makeReplyFilter(std::string_view name, ReplyFn answer) {
  return std::make_unique<ReplyFilter>(name, std::move(answer));
}
std::unique_ptr<Filter> makeAsyncReplyFilter(std::string_view name, AsyncReplyFn answer) {
  return std::make_unique<AsyncReplyFilter>(name, std::move(answer));
}

}  // namespace switchyard::pipeline
