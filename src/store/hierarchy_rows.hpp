#pragma once
// The hierarchy's tables (hierarchy.hpp) as both engines keep them (private to the store): the
// column lists in bind and read order, records <-> column values, and the SQL both engines run,
// written once for a Dialect (SQLite: ?1 parameters; PostgreSQL: $1, the "C" collation for text
// order, row locks). Engine-independent like row_codec.hpp: the engines only bind the values and
// step the statements (hierarchy_store.hpp).
//
// Columns: every Limits field (LiteLLM's names; the model maps as JSON text, row_codec.hpp), the
// spend state (spend, budget_reset_at, model_spend) last, so that the columns an update replaces
// are a prefix of those an insert writes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/store/hierarchy.hpp"

namespace switchyard::store::rows {

// One statement parameter: NULL, an integer, a real, a text or a flag (INTEGER 0/1 in SQLite,
// BOOLEAN in PostgreSQL).
using Value = std::variant<std::monostate, std::int64_t, double, std::string, bool>;
using Values = std::vector<Value>;

// One result row as an engine reads it, by column number.
class Columns {
 public:
  virtual ~Columns() = default;
  virtual bool isNull(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual std::int64_t integer(int col) const = 0;
  virtual double real(int col) const = 0;
  virtual bool boolean(int col) const = 0;
  std::optional<std::int64_t> optInteger(int col) const {
    return isNull(col) ? std::nullopt : std::optional(integer(col));
  }
  std::optional<double> optReal(int col) const {
    return isNull(col) ? std::nullopt : std::optional(real(col));
  }
};

struct Dialect {
  std::string_view engine;  // "sqlite" | "postgresql" (error details)
  char mark;                // parameters: '?' (?1, ?2...) | '$' ($1, $2...)
  bool postgres;

  // `text` written with ?N parameters and "@C" after each text column whose order matters,
  // in this dialect: '?' becomes `mark`, "@C" PostgreSQL's COLLATE "C" (byte order, as SQLite
  // orders) or nothing.
  std::string sql(std::string_view text) const;
};

enum class Table : std::uint8_t { kBudgets, kTeams, kMembers, kUsers, kCustomers };

// Records -> their columns' values, in column order, without the spend state (what an update
// replaces); addSpendState appends it (an insert writes it too).
Values budgetValues(const BudgetRow& b);
Values teamValues(const TeamRow& t);
Values memberValues(const TeamMember& m);
Values userValues(const UserRow& u);
Values customerValues(const CustomerRow& c);
void addSpendState(Values& v, const SpendState& s);
// What a table's `update` binds: the values above, then the row's budget_reset_at.
Values updateValues(Values v, const SpendState& s);

// A row of the table's `select` -> the record (TeamRow::members and UserRow::teams stay empty);
// kInternal, naming the column, when a JSON column does not decode.
api::Result<BudgetRow> readBudget(const Columns& c, std::string_view engine);
api::Result<TeamRow> readTeam(const Columns& c, std::string_view engine);
api::Result<TeamMember> readMember(const Columns& c, std::string_view engine);
api::Result<UserRow> readUser(const Columns& c, std::string_view engine);
api::Result<CustomerRow> readCustomer(const Columns& c, std::string_view engine);

// The statements of one table. The key is the first column (team_members: the first two); its
// values are the first parameters.
struct TableSql {
  std::string select;      // SELECT every column FROM the table
  std::string find;        // select WHERE the key
  std::string insert;      // every column, spend state included
  std::string update;      // every column but the key and the spend state, WHERE the key;
                           // teams, users, customers: then one more value, the new window end
                           // (updateValues), written only where budget_duration changes;
                           // team_members: an upsert keeping the spend state
  std::string page_first;  // select ORDER BY the key LIMIT ?1
  std::string page_after;  // select WHERE the key > the parameters ORDER BY the key LIMIT ?(k+1)
  std::string remove;      // DELETE WHERE the key
  // Tables with a spend state: the key's parameters, then the values.
  std::string add_spend;         // spend += ?
  std::string add_model_spend;   // spend += ?, model_spend = ?
  std::string read_model_spend;  // model_spend (locked until the transaction ends: PostgreSQL)
  std::string reset;             // spend = 0, budget_reset_at = ?, unless it is already later
  std::string set_model_spend;   // model_spend = ?
};
TableSql tableSql(Table t, const Dialect& d);

// GET .../list: the WHERE of ListQuery's filters and the ORDER BY of its sort_by (whitelisted;
// unknown -> created_at), then the table's id.
struct ListSql {
  std::string count;   // SELECT COUNT(*) of the matches
  std::string select;  // a page of them: `values`, then LIMIT and OFFSET
  Values values;       // the filters' parameters
  std::int64_t limit = 0, offset = 0;
};
ListSql listSql(Table t, const ListQuery& q, const Dialect& d);

// A JSON array of texts as a one-column row set, for "x IN (<this>)" with the array bound to ?n.
std::string jsonList(int n, const Dialect& d);

}  // namespace switchyard::store::rows
