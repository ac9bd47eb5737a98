#pragma once
// One PostgreSQL connection for the store thread (private to the store): libpq driven without
// blocking, so that every call ends by a deadline whatever the server does (down, unreachable,
// frozen). A call that misses its deadline, or finds the link broken, closes the connection and
// fails with kUnavailable; the next call reconnects (at most one attempt per reconnect_pause, so
// that during an outage calls fail at once instead of each paying a connect timeout).
//
// Statements are prepared on first use and cached per connection (by SQL text); parameters go as
// text, strings as binary text (their bytes, no NUL needed, no copy). Results are text.
// Not thread-safe: one thread uses it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/api/error.hpp"

struct pg_conn;
struct pg_result;

namespace switchyard::store::pg {

using Clock = std::chrono::steady_clock;

struct ConnOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{10000};  // each call's deadline
  std::chrono::milliseconds reconnect_pause{1000};
  std::size_t max_prepared = 256;  // statements cached per connection; beyond: unnamed
};

// The parameters of one statement ($1, $2, ... in the order added).
class Params {
 public:
  Params() { items_.reserve(32); }
  // A string, sent as its bytes (binary text): it must stay unchanged until the call returns.
  void text(std::string_view v);
  void integer(std::int64_t v);
  void real(double v);
  void boolean(bool v);
  void null();
  void integer(const std::optional<std::int64_t>& v) { v ? integer(*v) : null(); }
  void real(const std::optional<double>& v) { v ? real(*v) : null(); }
  int size() const noexcept { return static_cast<int>(items_.size()); }
  void clear() {
    items_.clear();
    arena_.clear();
  }

 private:
  friend class Conn;
  struct Item {
    const char* external = nullptr;  // text(): the caller's bytes
    std::size_t offset = 0;          // else: in arena_ (NUL-terminated)
    int length = 0;
    bool binary = false, is_null = false;
  };
  void owned(std::string_view v);
  std::vector<Item> items_;
  std::string arena_;
};

// A statement's result rows (text). Moves only.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r);
  Rows(Rows&&) noexcept;
  Rows& operator=(Rows&&) noexcept;
  ~Rows();

  int size() const noexcept;
  bool isNull(int row, int col) const noexcept;
  std::string_view view(int row, int col) const noexcept;
  std::string text(int row, int col) const { return std::string(view(row, col)); }
  std::int64_t integer(int row, int col) const noexcept;  // 0 when NULL or not a number
  double real(int row, int col) const noexcept;
  bool boolean(int row, int col) const noexcept;  // 't'
  std::optional<std::int64_t> optInteger(int row, int col) const noexcept;
  std::optional<double> optReal(int row, int col) const noexcept;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const noexcept;

 private:
  pg_result* r_ = nullptr;
};

class Conn {
 public:
  // `url`: a postgresql:// URI or a libpq conninfo string (never logged).
  Conn(std::string url, ConnOptions options);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Connects now (startup): kUnavailable with the server's reason when it cannot.
  api::Result<void> connect();
  bool connected() const noexcept;

  // A statement with parameters, prepared once per connection.
  api::Result<Rows> exec(std::string_view sql, const Params& params, std::string_view what);
  api::Result<Rows> exec(std::string_view sql, std::string_view what) {
    return exec(sql, Params{}, what);
  }
  // Statements without parameters, several allowed (migrations), not prepared.
  api::Result<void> script(std::string_view sql, std::string_view what);

  // The deadline of the calls from now on (migrations allow longer); restored by the caller.
  void setStatementTimeout(std::chrono::milliseconds t) noexcept { opts_.statement_timeout = t; }
  std::chrono::milliseconds statementTimeout() const noexcept { return opts_.statement_timeout; }
  // True while a transaction is open on the server side (BEGIN without COMMIT/ROLLBACK yet).
  bool inTransaction() const noexcept;
  // Closes the connection (the next call reconnects).
  void drop(std::string_view why);

 private:
  api::Result<void> ensure(Clock::time_point deadline);
  api::Result<void> openLink(Clock::time_point deadline);
  // Sends what is queued and waits for the results of one query; the last result is returned.
  api::Result<Rows> await(Clock::time_point deadline, std::string_view what);
  api::Result<void> waitSocket(bool write, Clock::time_point deadline, std::string_view what);
  api::Error failure(std::string_view what, std::string_view reason);
  api::Error fromResult(pg_result* r, std::string_view what);

  std::string url_;
  ConnOptions opts_;
  pg_conn* conn_ = nullptr;
  Clock::time_point next_attempt_{};
  std::string last_error_;
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // SQL -> statement name (looked up by the caller's view: no copy of the SQL per call)
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> prepared_;
  std::uint64_t next_name_ = 0;
};

// kUnavailable for the SQLSTATEs that mean "try again" (connection, shutdown, resources,
// serialization, lock timeout), kInvalidRequest "duplicate" for a unique violation (its detail
// names the constraint), kInternal for the rest. Exposed for tests.
api::Error errorOf(std::string_view sqlstate, std::string_view what, std::string_view message);

}  // namespace switchyard::store::pg
