// parseDatabaseUrl and openStore's choice of engine.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "store_test_util.hpp"
#include "switchyard/store/store.hpp"

namespace switchyard::store {
namespace {

DatabaseUrl parseOk(std::string_view url) {
  auto r = parseDatabaseUrl(url);
  EXPECT_TRUE(r.has_value()) << url << ": " << (r ? "" : r.error().message);
  return r ? *r : DatabaseUrl{};
}

api::Error parseFails(std::string_view url) {
  auto r = parseDatabaseUrl(url);
  EXPECT_FALSE(r.has_value()) << url << " parsed as path " << (r ? r->path : "");
  return r ? api::Error{} : r.error();
}

TEST(DatabaseUrl, EmptyMeansTheDefaultFile) {
  DatabaseUrl u = parseOk("");
  EXPECT_EQ(u.engine, "sqlite");
  EXPECT_EQ(u.path, "./switchyard.db");
  EXPECT_EQ(parseOk("  \n").path, "./switchyard.db");
}

TEST(DatabaseUrl, SqliteRelativeAndAbsolutePaths) {
  DatabaseUrl rel = parseOk("sqlite:///relative.db");
  EXPECT_EQ(rel.engine, "sqlite");
  EXPECT_EQ(rel.path, "relative.db");
  EXPECT_EQ(rel.url, "sqlite:///relative.db");
  EXPECT_EQ(parseOk("sqlite:///data/sub/dir.db").path, "data/sub/dir.db");
  EXPECT_EQ(parseOk("sqlite:///./x.db").path, "./x.db");

  DatabaseUrl abs = parseOk("sqlite:////abs/x.db");
  EXPECT_EQ(abs.engine, "sqlite");
  EXPECT_EQ(abs.path, "/abs/x.db");
}

TEST(DatabaseUrl, SqliteInMemory) {
  EXPECT_EQ(parseOk("sqlite://:memory:").path, ":memory:");
  EXPECT_EQ(parseOk("sqlite:///:memory:").path, ":memory:");
}

TEST(DatabaseUrl, SqliteQueryStringAndCaseAndSpaces) {
  EXPECT_EQ(parseOk("sqlite:///app.db?mode=rwc&cache=shared").path, "app.db");
  EXPECT_EQ(parseOk("sqlite:////var/lib/app.db?timeout=5").path, "/var/lib/app.db");
  EXPECT_EQ(parseOk("SQLite:///app.db").path, "app.db");
  EXPECT_EQ(parseOk("  sqlite:///app.db\n").path, "app.db");
}

TEST(DatabaseUrl, Postgres) {
  for (std::string_view url : {"postgresql://user:pw@db:5432/litellm", "postgres://u@h/db",
                               "POSTGRESQL://u:p@h/d?sslmode=require"}) {
    DatabaseUrl u = parseOk(url);
    EXPECT_EQ(u.engine, "postgresql") << url;
    EXPECT_TRUE(u.path.empty()) << url;
    EXPECT_EQ(u.url, url);
  }
}

TEST(DatabaseUrl, BadUrlsAreInvalidRequests) {
  for (std::string_view url :
       {"sqlite://", "sqlite:///", "sqlite:////", "sqlite://host/x.db", "sqlite:///dir/",
        "mysql://root:hunter2@db/x", "switchyard.db", "/abs/path.db", "://nothing",
        "http://example.com", "sqlite:/x.db", "post gres://x"}) {
    api::Error e = parseFails(url);
    EXPECT_EQ(e.kind, api::ErrorKind::kInvalidRequest) << url;
    EXPECT_EQ(e.param, "database_url") << url;
    EXPECT_NE(e.message.find("database_url"), std::string::npos) << url;
  }
}

TEST(DatabaseUrl, ErrorsDoNotEchoTheUrlBeyondItsScheme) {
  api::Error e = parseFails("mysql://root:hunter2@db.internal:3306/x");
  EXPECT_NE(e.message.find("mysql"), std::string::npos) << e.message;
  for (const std::string* text : {&e.message, &e.detail}) {
    EXPECT_EQ(text->find("hunter2"), std::string::npos) << *text;
    EXPECT_EQ(text->find("db.internal"), std::string::npos) << *text;
  }
  // No scheme at all: nothing of it is repeated.
  api::Error bare = parseFails("root:hunter2@db");
  EXPECT_EQ(bare.message.find("hunter2"), std::string::npos) << bare.message;
  EXPECT_EQ(bare.message.find("root"), std::string::npos) << bare.message;
}

TEST(OpenStore, AnUnreachablePostgresIsUnavailableAndTheSecretStaysOut) {
  auto url = parseDatabaseUrl("postgresql://u:secret@127.0.0.1:1/db?connect_timeout=2");
  ASSERT_TRUE(url.has_value());
  auto store = openStore(*url);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, api::ErrorKind::kUnavailable);
  EXPECT_NE(store.error().detail.find("postgresql"), std::string::npos) << store.error().detail;
  EXPECT_EQ(store.error().message.find("secret"), std::string::npos);
  EXPECT_EQ(store.error().detail.find("secret"), std::string::npos);
  EXPECT_FALSE(startupRefusal("postgresql://u:secret@h/db").has_value());
}

TEST(OpenStore, SqliteFileIsCreated) {
  test::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto url = parseDatabaseUrl("sqlite:///" + dir.file("new.db"));  // absolute via "////"
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->path, dir.file("new.db"));
  auto store = openStore(*url);
  ASSERT_TRUE(store.has_value()) << store.error().detail;
  EXPECT_EQ((*store)->engine(), "sqlite");
  EXPECT_TRUE(std::filesystem::exists(dir.file("new.db")));
}

TEST(OpenStore, InMemory) {
  auto store = openStore(DatabaseUrl{.engine = "sqlite", .path = ":memory:", .url = {}});
  ASSERT_TRUE(store.has_value()) << store.error().detail;
  ASSERT_TRUE((*store)->migrate().has_value());
  ASSERT_TRUE((*store)->insertKey(test::plainKey("t1", "a")).has_value());
  EXPECT_EQ((*store)->countKeys().value(), 1);
}

TEST(OpenStore, UnreachableFileIsUnavailable) {
  test::TempDir dir;
  auto store =
      openStore(DatabaseUrl{.engine = "sqlite", .path = dir.file("missing/dir/x.db"), .url = {}});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, api::ErrorKind::kUnavailable) << store.error().detail;
}

TEST(OpenStore, NotADatabaseIsAnError) {
  test::TempDir dir;
  {
    std::FILE* f = std::fopen(dir.file("junk.db").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto store = openStore(DatabaseUrl{.engine = "sqlite", .path = dir.file("junk.db"), .url = {}});
  if (store) {
    auto migrated = (*store)->migrate();
    EXPECT_FALSE(migrated.has_value());
  } else {
    EXPECT_EQ(store.error().kind, api::ErrorKind::kInternal) << store.error().detail;
  }
}

}  // namespace
}  // namespace switchyard::store
