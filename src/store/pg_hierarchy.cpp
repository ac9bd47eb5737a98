// The hierarchy in PostgreSQL (pg_schema.hpp, "the hierarchy"): HierarchyStore's SqlEngine on
// the store's connection. Strings go as their bytes (the parameters outlive the call); the
// statements are prepared once per connection by Conn.

#include <type_traits>
#include <variant>

#include "hierarchy_store.hpp"
#include "pg_schema.hpp"

namespace switchyard::store::pg {
namespace {

class PgColumns final : public rows::Columns {
 public:
  PgColumns(const Rows& r, int row) : r_(r), row_(row) {}
  bool isNull(int col) const override { return r_.isNull(row_, col); }
  std::string text(int col) const override { return r_.text(row_, col); }
  std::int64_t integer(int col) const override { return r_.integer(row_, col); }
  double real(int col) const override { return r_.real(row_, col); }
  bool boolean(int col) const override { return r_.boolean(row_, col); }

 private:
  const Rows& r_;
  int row_;
};

class PgEngine final : public SqlEngine {
 public:
  explicit PgEngine(Conn& c) : c_(c) {}

  const rows::Dialect& dialect() const noexcept override { return kDialect; }

  api::Result<void> query(
      std::string_view sql, const rows::Values& params, std::string_view what,
      const std::function<api::Result<void>(const rows::Columns&)>& each) override {
    auto rows = exec(sql, params, what);
    if (!rows) return rows.error();
    for (int i = 0; i < rows->size(); ++i) {
      if (auto r = each(PgColumns(*rows, i)); !r) return r;
    }
    return {};
  }

  api::Result<std::int64_t> run(std::string_view sql, const rows::Values& params,
                                std::string_view what) override {
    auto rows = exec(sql, params, what);
    if (!rows) return rows.error();
    return rows->affected();
  }

  api::Result<void> begin() override { return c_.script("BEGIN", "begin transaction"); }
  api::Result<void> commit() override { return c_.script("COMMIT", "commit transaction"); }
  void rollback() noexcept override {
    if (c_.connected() && c_.inTransaction()) (void)c_.script("ROLLBACK", "roll back");
  }
  api::Result<void> deleteResponsesOf(std::string_view owner) override {
    return pg::deleteResponsesOf(c_, owner);
  }

 private:
  static constexpr rows::Dialect kDialect{.engine = "postgresql", .mark = '$', .postgres = true};

  // A unique violation is already "duplicate" (errorOf).
  api::Result<Rows> exec(std::string_view sql, const rows::Values& params, std::string_view what) {
    Params p;
    for (const rows::Value& v : params) {
      std::visit(
          [&p](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) p.null();
            if constexpr (std::is_same_v<T, std::int64_t>) p.integer(x);
            if constexpr (std::is_same_v<T, double>) p.real(x);
            if constexpr (std::is_same_v<T, std::string>) p.text(x);
            if constexpr (std::is_same_v<T, bool>) p.boolean(x);
          },
          v);
    }
    return c_.exec(sql, p, what);
  }

  Conn& c_;
};

}  // namespace

std::unique_ptr<SqlEngine> hierarchyEngine(Conn& c) { return std::make_unique<PgEngine>(c); }

}  // namespace switchyard::store::pg
