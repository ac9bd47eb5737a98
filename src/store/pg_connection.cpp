// One PostgreSQL connection driven without blocking (pg_connection.hpp).

#include "pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace switchyard::store::pg {
namespace {

api::Error unavailable(std::string detail) {
  return {api::ErrorKind::kUnavailable, "The database is unavailable: try again shortly.",
          std::move(detail)};
}

// libpq's messages end with a newline; one line is enough for a log.
std::string oneLine(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

// ---- Params ----

void Params::text(std::string_view v) {
  items_.push_back(Item{.external = v.data() != nullptr ? v.data() : "",
                        .length = static_cast<int>(v.size()),
                        .binary = true});
}

void Params::owned(std::string_view v) {
  items_.push_back(Item{.offset = arena_.size(), .length = static_cast<int>(v.size())});
  arena_.append(v);
  arena_.push_back('\0');
}

void Params::integer(std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  owned(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void Params::real(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  owned(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void Params::boolean(bool v) { owned(v ? "true" : "false"); }

void Params::null() { items_.push_back(Item{.is_null = true}); }

// ---- Rows ----

Rows::Rows(pg_result* r) : r_(r) {}
Rows::Rows(Rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_ != nullptr) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}
Rows::~Rows() {
  if (r_ != nullptr) PQclear(r_);
}

int Rows::size() const noexcept { return r_ != nullptr ? PQntuples(r_) : 0; }

bool Rows::isNull(int row, int col) const noexcept {
  return r_ == nullptr || PQgetisnull(r_, row, col) != 0;
}

std::string_view Rows::view(int row, int col) const noexcept {
  if (r_ == nullptr) return {};
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

std::int64_t Rows::integer(int row, int col) const noexcept {
  std::string_view v = view(row, col);
  std::int64_t out = 0;
  if (std::from_chars(v.data(), v.data() + v.size(), out).ec != std::errc{}) {
    // numeric aggregates (SUM of bigint) may come as "12.0000"
    double d = 0;
    std::from_chars(v.data(), v.data() + v.size(), d);
    out = static_cast<std::int64_t>(d);
  }
  return out;
}

double Rows::real(int row, int col) const noexcept {
  std::string_view v = view(row, col);
  double out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

bool Rows::boolean(int row, int col) const noexcept {
  std::string_view v = view(row, col);
  return !v.empty() && (v[0] == 't' || v[0] == '1');
}

std::optional<std::int64_t> Rows::optInteger(int row, int col) const noexcept {
  if (isNull(row, col)) return std::nullopt;
  return integer(row, col);
}

std::optional<double> Rows::optReal(int row, int col) const noexcept {
  if (isNull(row, col)) return std::nullopt;
  return real(row, col);
}

std::int64_t Rows::affected() const noexcept {
  if (r_ == nullptr) return 0;
  const char* n = PQcmdTuples(r_);
  std::int64_t out = 0;
  std::from_chars(n, n + std::strlen(n), out);
  return out;
}

// ---- errors ----

api::Error errorOf(std::string_view sqlstate, std::string_view what, std::string_view message) {
  std::string detail = "postgresql: " + std::string(what) + ": " + std::string(message) + " (" +
                       std::string(sqlstate) + ")";
  if (sqlstate == "23505") {
    return {.kind = api::ErrorKind::kInvalidRequest,
            .message = "duplicate",
            .detail = std::move(detail),
            .code = "duplicate"};
  }
  const std::string_view cls = sqlstate.substr(0, 2);
  // 08 connection, 53 resources, 57 operator intervention (shutdown, cancel, statement
  // timeout), 40 serialization / deadlock, 55P03 lock not available.
  if (cls == "08" || cls == "53" || cls == "57" || cls == "40" || sqlstate == "55P03") {
    return {api::ErrorKind::kUnavailable, "The database is unavailable: try again shortly.",
            std::move(detail)};
  }
  return {api::ErrorKind::kInternal, "Internal database error.", std::move(detail)};
}

// ---- Conn ----

Conn::Conn(std::string url, ConnOptions options) : url_(std::move(url)), opts_(options) {}

Conn::~Conn() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Conn::connected() const noexcept {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

bool Conn::inTransaction() const noexcept {
  if (conn_ == nullptr) return false;
  PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

void Conn::drop(std::string_view why) {
  if (conn_ == nullptr) return;
  last_error_ = std::string(why);
  PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
}

api::Error Conn::failure(std::string_view what, std::string_view reason) {
  std::string detail = "postgresql: " + std::string(what) + ": " + std::string(reason);
  drop(reason);
  return unavailable(std::move(detail));
}

api::Result<void> Conn::connect() {
  next_attempt_ = {};
  return ensure(Clock::now() + opts_.connect_timeout);
}

api::Result<void> Conn::ensure(Clock::time_point deadline) {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return {};
  drop("connection lost");
  const Clock::time_point now = Clock::now();
  if (now < next_attempt_) {
    return unavailable("postgresql: not connected (" + last_error_ + "); next attempt soon");
  }
  next_attempt_ = now + opts_.reconnect_pause;
  auto opened = openLink(std::min(deadline, now + opts_.connect_timeout));
  if (!opened) last_error_ = opened.error().detail;
  return opened;
}

api::Result<void> Conn::openLink(Clock::time_point deadline) {
  // Defaults first: the url's own settings (after "dbname", expanded) override them.
  const std::string timeout_s = std::to_string(
      std::max<std::int64_t>(1, (opts_.connect_timeout.count() + 999) / 1000));
  const char* keywords[] = {"application_name", "connect_timeout", "keepalives",
                            "keepalives_idle",  "keepalives_interval", "keepalives_count",
                            "dbname",           "client_encoding",     nullptr};
  const char* values[] = {"switchyard", timeout_s.c_str(), "1", "30", "10", "3",
                          url_.c_str(), "UTF8", nullptr};
  conn_ = PQconnectStartParams(keywords, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) return unavailable("postgresql: connect: out of memory");
  if (PQstatus(conn_) == CONNECTION_BAD) {
    return failure("connect", oneLine(PQerrorMessage(conn_)));
  }
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) return failure("connect", oneLine(PQerrorMessage(conn_)));
    if (auto w = waitSocket(st == PGRES_POLLING_WRITING, deadline, "connect"); !w) return w;
    st = PQconnectPoll(conn_);
  }
  if (PQsetnonblocking(conn_, 1) != 0) return failure("connect", oneLine(PQerrorMessage(conn_)));
  return {};
}

api::Result<void> Conn::waitSocket(bool write, Clock::time_point deadline, std::string_view what) {
  for (;;) {
    const int fd = PQsocket(conn_);
    if (fd < 0) return failure(what, "no socket");
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return failure(what, "timed out");
    pollfd p{.fd = fd, .events = static_cast<short>(write ? (POLLOUT | POLLIN) : POLLIN),
             .revents = 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left, 60000)));
    if (n > 0) return {};
    if (n < 0 && errno != EINTR) return failure(what, std::strerror(errno));
  }
}

api::Error Conn::fromResult(pg_result* r, std::string_view what) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = oneLine(primary != nullptr ? primary : PQresultErrorMessage(r));
  if (const char* c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) {
    message += std::string(" [constraint ") + c + "]";
  }
  return errorOf(state != nullptr ? state : "XX000", what, message);
}

api::Result<Rows> Conn::await(Clock::time_point deadline, std::string_view what) {
  for (;;) {  // send what is queued
    int f = PQflush(conn_);
    if (f == 0) break;
    if (f < 0) return failure(what, oneLine(PQerrorMessage(conn_)));
    if (auto w = waitSocket(true, deadline, what); !w) return w.error();
    if (PQconsumeInput(conn_) == 0) return failure(what, oneLine(PQerrorMessage(conn_)));
  }
  Rows last;
  std::optional<api::Error> error;
  for (;;) {
    while (PQisBusy(conn_) == 0) {
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) {
        if (PQstatus(conn_) != CONNECTION_OK) return failure(what, "connection lost");
        if (error) return *error;
        return last;
      }
      ExecStatusType st = PQresultStatus(r);
      if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
        if (!error) error = fromResult(r, what);
        PQclear(r);
      } else {
        last = Rows(r);
      }
    }
    if (auto w = waitSocket(false, deadline, what); !w) return w.error();
    if (PQconsumeInput(conn_) == 0) return failure(what, oneLine(PQerrorMessage(conn_)));
  }
}

api::Result<Rows> Conn::exec(std::string_view sql, const Params& params, std::string_view what) {
  const Clock::time_point deadline = Clock::now() + opts_.statement_timeout;
  if (auto c = ensure(deadline); !c) return c.error();
  const int n = params.size();
  std::vector<const char*> values(static_cast<std::size_t>(n));
  std::vector<int> lengths(static_cast<std::size_t>(n)), formats(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Params::Item& it = params.items_[static_cast<std::size_t>(i)];
    values[i] = it.is_null ? nullptr
                           : it.external != nullptr ? it.external
                                                    : params.arena_.data() + it.offset;
    lengths[i] = it.length;
    formats[i] = it.binary ? 1 : 0;
  }
  auto found = prepared_.find(sql);
  if (found == prepared_.end() && prepared_.size() < opts_.max_prepared) {
    std::string key(sql);
    std::string name = "sy" + std::to_string(++next_name_);
    if (PQsendPrepare(conn_, name.c_str(), key.c_str(), n, nullptr) == 0) {
      return failure(what, oneLine(PQerrorMessage(conn_)));
    }
    auto prepared = await(deadline, what);
    if (!prepared) return prepared.error();
    found = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  const int sent =
      found != prepared_.end()
          ? PQsendQueryPrepared(conn_, found->second.c_str(), n, values.data(), lengths.data(),
                                formats.data(), 0)
          : PQsendQueryParams(conn_, std::string(sql).c_str(), n, nullptr, values.data(),
                              lengths.data(), formats.data(), 0);
  if (sent == 0) return failure(what, oneLine(PQerrorMessage(conn_)));
  return await(deadline, what);
}

api::Result<void> Conn::script(std::string_view sql, std::string_view what) {
  const Clock::time_point deadline = Clock::now() + opts_.statement_timeout;
  if (auto c = ensure(deadline); !c) return c.error();
  if (PQsendQuery(conn_, std::string(sql).c_str()) == 0) {
    return failure(what, oneLine(PQerrorMessage(conn_)));
  }
  auto r = await(deadline, what);
  if (!r) return r.error();
  return {};
}

}  // namespace switchyard::store::pg
