// Stored responses in PostgreSQL (pg_schema.hpp, "stored responses"): the `responses` and
// `response_items` tables, with SQLite's semantics (sqlite_responses.cpp).

#include "pg_schema.hpp"

namespace switchyard::store::pg {
namespace {

#define SY_RESPONSE_COLUMNS                                                                  \
  "r.id, r.owner, r.created_at, r.model, r.previous_response_id, r.response, r.input_items, " \
  "r.conversation"

api::Result<std::optional<StoredResponse>> firstResponse(api::Result<Rows> rows) {
  if (!rows) return rows.error();
  if (rows->size() == 0) return std::optional<StoredResponse>();
  const Rows& r = *rows;
  return std::optional<StoredResponse>(StoredResponse{.id = r.text(0, 0),
                                                      .owner = r.text(0, 1),
                                                      .created_at = r.integer(0, 2),
                                                      .model = r.text(0, 3),
                                                      .previous_response_id = r.text(0, 4),
                                                      .response = r.text(0, 5),
                                                      .input_items = r.text(0, 6),
                                                      .conversation = r.text(0, 7)});
}

api::Result<void> done(api::Result<Rows> r) {
  if (!r) return r.error();
  return {};
}

}  // namespace

api::Result<void> insertResponses(Conn& c, const std::vector<StoredResponse>& rows) {
  for (const StoredResponse& r : rows) {
    Params p;
    p.text(r.id);
    p.text(r.owner);
    p.integer(r.created_at);
    p.text(r.model);
    p.text(r.previous_response_id);
    p.text(r.response);
    p.text(r.input_items);
    p.text(r.conversation);
    // A second write of an id replaces the row, but only its owner's (sqlite_responses.cpp).
    auto inserted = c.exec(
        "INSERT INTO responses (id, owner, created_at, model, previous_response_id, response, "
        "input_items, conversation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, model = excluded.model, "
        "previous_response_id = excluded.previous_response_id, response = excluded.response, "
        "input_items = excluded.input_items, conversation = excluded.conversation "
        "WHERE responses.owner = excluded.owner",
        p, "insert response");
    if (!inserted) return inserted.error();
    for (const std::string& item : r.item_ids) {
      Params ip;
      ip.text(item);
      ip.text(r.id);
      auto added = c.exec(
          "INSERT INTO response_items (item_id, response_id) VALUES ($1, $2) ON CONFLICT DO "
          "NOTHING",
          ip, "insert response item");
      if (!added) return added.error();
    }
  }
  return {};
}

api::Result<std::optional<StoredResponse>> findResponse(Conn& c, std::string_view id) {
  Params p;
  p.text(id);
  return firstResponse(
      c.exec("SELECT " SY_RESPONSE_COLUMNS " FROM responses r WHERE r.id = $1", p, "find response"));
}

api::Result<std::optional<StoredResponse>> findResponseByItem(Conn& c, std::string_view item_id,
                                                              std::string_view owner) {
  Params p;
  p.text(item_id);
  p.text(owner);
  return firstResponse(c.exec("SELECT " SY_RESPONSE_COLUMNS
                              " FROM response_items i JOIN responses r ON r.id = i.response_id"
                              " WHERE i.item_id = $1 AND r.owner = $2"
                              " ORDER BY r.created_at DESC LIMIT 1",
                              p, "find response by item"));
}

api::Result<bool> deleteResponse(Conn& c, std::string_view id) {
  Params p;
  p.text(id);
  auto r = c.exec("DELETE FROM responses WHERE id = $1", p, "delete response");
  if (!r) return r.error();
  return r->affected() > 0;
}

api::Result<void> deleteResponsesOf(Conn& c, std::string_view owner) {
  Params p;
  p.text(owner);
  return done(c.exec("DELETE FROM responses WHERE owner = $1", p, "delete the responses of a key"));
}

api::Result<void> moveResponses(Conn& c, std::string_view from, std::string_view to) {
  Params p;
  p.text(from);
  p.text(to);
  return done(c.exec("UPDATE responses SET owner = $2 WHERE owner = $1", p,
                     "move the responses of a key"));
}

api::Result<std::size_t> purgeResponses(Conn& c, UnixMs created_before) {
  std::size_t purged = 0;
  for (;;) {
    Params p;
    p.integer(created_before);
    p.integer(kPurgeChunk);
    auto r = c.exec(
        "DELETE FROM responses WHERE id IN (SELECT id FROM responses WHERE created_at < $1 "
        "LIMIT $2)",
        p, "purge responses");
    if (!r) return r.error();
    const std::int64_t n = r->affected();
    purged += static_cast<std::size_t>(n);
    if (n < kPurgeChunk) return purged;
  }
}

}  // namespace switchyard::store::pg
