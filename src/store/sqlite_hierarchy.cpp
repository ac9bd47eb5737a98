// The hierarchy in SQLite (sqlite_schema.hpp, "the hierarchy"): HierarchyStore's SqlEngine on
// the store's connection and statement cache. Strings are bound without a copy (the parameters
// outlive the statement's steps).

#include <sqlite3.h>

#include <type_traits>
#include <variant>

#include "hierarchy_store.hpp"
#include "sqlite_schema.hpp"

namespace switchyard::store::sqlite {
namespace {

class SqliteColumns final : public rows::Columns {
 public:
  explicit SqliteColumns(sqlite3_stmt* s) : s_(s) {}
  bool isNull(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const override { return colText(s_, col); }
  std::int64_t integer(int col) const override { return colInt(s_, col); }
  double real(int col) const override { return colReal(s_, col); }
  bool boolean(int col) const override { return colInt(s_, col) != 0; }

 private:
  sqlite3_stmt* s_;
};

class SqliteEngine final : public SqlEngine {
 public:
  SqliteEngine(sqlite3* db, Prepare prepare) : db_(db), prepare_(std::move(prepare)) {}

  const rows::Dialect& dialect() const noexcept override { return kDialect; }

  api::Result<void> query(
      std::string_view sql, const rows::Values& params, std::string_view what,
      const std::function<api::Result<void>(const rows::Columns&)>& each) override {
    auto s = prepare_(sql);
    if (!s) return s.error();
    bind(*s, params);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) {
      if (auto r = each(SqliteColumns(s->get())); !r) return r;
    }
    if (rc != SQLITE_DONE) return error(rc, what);
    return {};
  }

  api::Result<std::int64_t> run(std::string_view sql, const rows::Values& params,
                                std::string_view what) override {
    auto s = prepare_(sql);
    if (!s) return s.error();
    bind(*s, params);
    if (int rc = s->step(); rc != SQLITE_DONE) return error(rc, what);
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  api::Result<void> begin() override { return exec(db_, "BEGIN IMMEDIATE", "begin transaction"); }
  api::Result<void> commit() override { return exec(db_, "COMMIT", "commit transaction"); }
  void rollback() noexcept override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  api::Result<void> deleteResponsesOf(std::string_view owner) override {
    return sqlite::deleteResponsesOf(db_, prepare_, owner);
  }

 private:
  static constexpr rows::Dialect kDialect{.engine = "sqlite", .mark = '?', .postgres = false};

  static void bind(Stmt& s, const rows::Values& params) {
    int i = 0;
    for (const rows::Value& v : params) {
      ++i;
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) s.null(i);
            if constexpr (std::is_same_v<T, std::int64_t>) s.integer(i, x);
            if constexpr (std::is_same_v<T, double>) s.real(i, x);
            if constexpr (std::is_same_v<T, std::string>) s.textRef(i, x);
            if constexpr (std::is_same_v<T, bool>) s.integer(i, std::int64_t{x ? 1 : 0});
          },
          v);
    }
  }

  // A unique violation is "duplicate" (the caller names the id); the rest as sqliteError says.
  api::Error error(int rc, std::string_view what) {
    api::Error e = sqliteError(db_, rc, what);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
      e.kind = api::ErrorKind::kInvalidRequest;
      e.message = "duplicate";
      e.code = "duplicate";
    }
    return e;
  }

  sqlite3* db_;
  Prepare prepare_;
};

}  // namespace

std::unique_ptr<SqlEngine> hierarchyEngine(sqlite3* db, Prepare prepare) {
  return std::make_unique<SqliteEngine>(db, std::move(prepare));
}

}  // namespace switchyard::store::sqlite
