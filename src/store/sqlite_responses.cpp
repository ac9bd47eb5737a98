// Stored responses in SQLite (sqlite_schema.hpp, "stored responses"): the `responses` table of
// schema v3. Values are bound (the large JSON columns without a copy); the JSON is kept as given.

#include <sqlite3.h>

#include "sqlite_schema.hpp"

namespace switchyard::store::sqlite {
namespace {

// Steps a statement that returns no rows.
api::Result<void> run(sqlite3* db, Stmt& s, std::string_view what) {
  if (int rc = s.step(); rc != SQLITE_DONE) return sqliteError(db, rc, what);
  return {};
}

}  // namespace

api::Result<void> insertResponses(sqlite3* db, const Prepare& prepare,
                                  const std::vector<StoredResponse>& rows) {
  if (rows.empty()) return {};
  auto s = prepare(
      "INSERT INTO responses (id, owner, created_at, model, previous_response_id, response, "
      "input_items, conversation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      // A second write of an id replaces the row, but only its owner's: a provider's id that
      // another key's response already has (a passed-through answer) never takes that row over.
      "ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, model = excluded.model, "
      "previous_response_id = excluded.previous_response_id, response = excluded.response, "
      "input_items = excluded.input_items, conversation = excluded.conversation "
      "WHERE responses.owner = excluded.owner");
  if (!s) return s.error();
  for (const StoredResponse& r : rows) {
    s->textRef(1, r.id);
    s->textRef(2, r.owner);
    s->integer(3, r.created_at);
    s->textRef(4, r.model);
    s->textRef(5, r.previous_response_id);
    s->textRef(6, r.response);
    s->textRef(7, r.input_items);
    s->textRef(8, r.conversation);
    if (auto done = run(db, *s, "insert response"); !done) return done;
    s->rearm();
  }
  auto items = prepare("INSERT OR IGNORE INTO response_items (item_id, response_id) VALUES (?1, ?2)");
  if (!items) return items.error();
  for (const StoredResponse& r : rows) {
    for (const std::string& item : r.item_ids) {
      items->textRef(1, item);
      items->textRef(2, r.id);
      if (auto done = run(db, *items, "insert response item"); !done) return done;
      items->rearm();
    }
  }
  return {};
}

namespace {

// The columns oneResponse reads, in its order (a literal, so each statement is one constant).
#define SY_RESPONSE_COLUMNS                                                                  \
  "r.id, r.owner, r.created_at, r.model, r.previous_response_id, r.response, r.input_items, " \
  "r.conversation"

// One row of `columns` as a StoredResponse, or nullopt at SQLITE_DONE.
api::Result<std::optional<StoredResponse>> oneResponse(sqlite3* db, Stmt& s) {
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<StoredResponse>();
  if (rc != SQLITE_ROW) return sqliteError(db, rc, "find response");
  sqlite3_stmt* st = s.get();
  return std::optional<StoredResponse>(StoredResponse{.id = colText(st, 0),
                                                      .owner = colText(st, 1),
                                                      .created_at = colInt(st, 2),
                                                      .model = colText(st, 3),
                                                      .previous_response_id = colText(st, 4),
                                                      .response = colText(st, 5),
                                                      .input_items = colText(st, 6),
                                                      .conversation = colText(st, 7)});
}

}  // namespace

api::Result<std::optional<StoredResponse>> findResponse(sqlite3* db, const Prepare& prepare,
                                                        std::string_view id) {
  auto s = prepare("SELECT " SY_RESPONSE_COLUMNS " FROM responses r WHERE r.id = ?1");
  if (!s) return s.error();
  s->text(1, id);
  return oneResponse(db, *s);
}

api::Result<std::optional<StoredResponse>> findResponseByItem(sqlite3* db, const Prepare& prepare,
                                                              std::string_view item_id,
                                                              std::string_view owner) {
  auto s = prepare("SELECT " SY_RESPONSE_COLUMNS
                   " FROM response_items i JOIN responses r ON r.id = i.response_id"
                   " WHERE i.item_id = ?1 AND r.owner = ?2 ORDER BY r.created_at DESC LIMIT 1");
  if (!s) return s.error();
  s->text(1, item_id);
  s->text(2, owner);
  return oneResponse(db, *s);
}

api::Result<bool> deleteResponse(sqlite3* db, const Prepare& prepare, std::string_view id) {
  auto s = prepare("DELETE FROM responses WHERE id = ?1");
  if (!s) return s.error();
  s->text(1, id);
  if (auto done = run(db, *s, "delete response"); !done) return done.error();
  return sqlite3_changes(db) > 0;
}

api::Result<void> deleteResponsesOf(sqlite3* db, const Prepare& prepare, std::string_view owner) {
  auto s = prepare("DELETE FROM responses WHERE owner = ?1");
  if (!s) return s.error();
  s->text(1, owner);
  return run(db, *s, "delete the responses of a key");
}

api::Result<void> moveResponses(sqlite3* db, const Prepare& prepare, std::string_view from,
                                std::string_view to) {
  auto s = prepare("UPDATE responses SET owner = ?2 WHERE owner = ?1");
  if (!s) return s.error();
  s->text(1, from);
  s->text(2, to);
  return run(db, *s, "move the responses of a key");
}

api::Result<std::size_t> purgeResponses(sqlite3* db, const Prepare& prepare,
                                        UnixMs created_before) {
  // Chunks by rowid through the created_at index: each statement is a short transaction, so a
  // large backlog never holds the write lock (nor grows the WAL) all at once.
  auto s = prepare(
      "DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses WHERE created_at < ?1 "
      "LIMIT ?2)");
  if (!s) return s.error();
  std::size_t purged = 0;
  for (;;) {
    s->integer(1, created_before);
    s->integer(2, kPurgeChunk);
    if (auto done = run(db, *s, "purge responses"); !done) return done.error();
    const int n = sqlite3_changes(db);
    purged += static_cast<std::size_t>(n);
    if (n < kPurgeChunk) return purged;
    s->rearm();
  }
}

}  // namespace switchyard::store::sqlite
