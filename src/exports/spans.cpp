// appendSpans (formats.hpp): a traced request's spans, encoded on its worker thread from the
// exchange itself (no copy of the request for the exporter thread).

#include <utility>

#include "formats.hpp"
#include "otlp_spans.hpp"
#include "switchyard/api/exchange.hpp"
#include "switchyard/api/json_guard.hpp"

namespace switchyard::exports {
namespace {

otlp::UnixNanos toNanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

void appendSpans(const api::Exchange& ex, unsigned status, bool stream, bool log_messages,
                 bool json, std::string& out) {
  const api::TraceContext& trace = *ex.trace;
  const keys::SpendView view = keys::spendViewOf(ex, status, stream);
  const api::Outcome& o = ex.outcome;
  std::string error_text = o.error ? o.error->logText() : std::string();

  // One reading of both clocks converts the steady times of the request to wall time.
  const auto steady_now = api::Clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  auto wall = [&](api::Clock::time_point t) {
    return toNanos(wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  steady_now - t));
  };
  const otlp::UnixNanos end_ns = toNanos(wall_now);
  // Room for the usual number of attempts on the stack; more (retries and fallbacks) on the heap.
  constexpr std::size_t kInline = 8;
  std::pair<otlp::UnixNanos, otlp::UnixNanos> inline_times[kInline];
  std::vector<std::pair<otlp::UnixNanos, otlp::UnixNanos>> more;
  std::span<std::pair<otlp::UnixNanos, otlp::UnixNanos>> times(inline_times, kInline);
  if (trace.attempts.size() > kInline) {
    more.resize(trace.attempts.size());
    times = more;
  }
  times = times.first(trace.attempts.size());
  for (std::size_t i = 0; i < trace.attempts.size(); ++i) {
    const api::TraceContext::Attempt& a = trace.attempts[i];
    // A stream's attempt lasts as long as its relay: it ends with the request.
    const bool ended = !a.open && a.end != api::Clock::time_point{};
    times[i] = {wall(a.start), ended ? wall(a.end) : end_ns};
  }

  std::string messages, response;
  if (log_messages) {
    if (std::optional<api::JsonView> prompt = api::promptOf(ex))
      messages = api::dumpJson(prompt->parse());
    // The answer, when kept, as the GenAI conventions' output messages.
    if (!ex.logged_reply.empty()) response = loggedResponse(ex.logged_reply).dump();
  }
  const otlp::SpanInput in{
      .row = view.row,
      .method = ex.method,
      .path = ex.path,
      .error = error_text,
      .error_code = o.error ? std::string_view(o.error->code) : std::string_view(),
      .start_ns = wall(ex.started),
      .end_ns = end_ns,
      .overhead_ms = o.overhead ? std::optional<double>(std::chrono::duration<double, std::milli>(
                                      *o.overhead).count())
                                : std::nullopt,
      .retries = o.attempted_retries,
      .fallbacks = o.attempted_fallbacks,
      .trace = trace,
      .attempt_ns = times,
      .open_attempt_failed = o.error.has_value() && status >= 500,
      .messages_json = messages,
      .response = response,
  };
  if (json) {
    appendJsonSpans(in, out);
  } else {
    appendProtoSpans(in, out);
  }
}

}  // namespace switchyard::exports
