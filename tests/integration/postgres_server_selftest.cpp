// Self-tests of PostgresServer (support/postgres_server.hpp), the real PostgreSQL the store
// tests run against: start, query, restart and kill keeping data, per-test databases,
// freeze/thaw, password auth, servers copied from the shared cluster template, and that nothing
// outlives it.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "support/gateway_process.hpp"
#include "support/postgres_server.hpp"

namespace switchyard::test {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// psql against `url` bounded by timeout(1), as the gateway's own connections would be.
RunResult psqlUrl(const PostgresServer& pg, const std::string& url, const std::string& sql) {
  return runBinary("/usr/bin/timeout", {"5", pg.psqlPath(), "-X", "-At", "-c", sql, url},
                   Millis(10000),
                   {{"PGCONNECT_TIMEOUT", "2"},
                    {"PGPASSWORD", ""},
                    {"PGPASSFILE", "/dev/null"},
                    {"PGSSLMODE", "disable"}});
}

// Gone, or a zombie nobody has reaped yet.
bool processAlive(pid_t pid) {
  std::string s = readFile("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = s.rfind(')');
  return paren != std::string::npos && paren + 2 < s.size() && s[paren + 2] != 'Z';
}

TEST(PostgresServerSelfTest, StartsQueriesRestartsKeepsDataAndFreezes) {
  const auto t0 = Clock::now();
  PostgresServer pg;
  const auto startup = std::chrono::duration_cast<Millis>(Clock::now() - t0).count();
  ASSERT_TRUE(pg.started()) << pg.startError();
  std::printf("PostgresServer started in %lld ms on port %u\n", static_cast<long long>(startup),
              pg.port());
  RecordProperty("startup_ms", std::to_string(startup));
  EXPECT_EQ(pg.url(), "postgresql://switchyard:" + pg.password() +
                          "@127.0.0.1:" + std::to_string(pg.port()) + "/switchyard");
  EXPECT_TRUE(std::filesystem::exists(pg.dataDir() + "/PG_VERSION"));

  EXPECT_EQ(pg.query("SELECT 1"), "1");
  EXPECT_EQ(pg.query("SELECT current_database()"), "switchyard");
  EXPECT_EQ(pg.query("SELECT 'x'"), "x");
  EXPECT_EQ(pg.query("SELECT nonsense_column"), "");  // an error
  std::string err;
  ASSERT_TRUE(pg.execute("CREATE TABLE t (id int, name text)", "switchyard", &err)) << err;
  ASSERT_TRUE(pg.execute("INSERT INTO t VALUES (1, 'a|b c')"));
  EXPECT_EQ(pg.query("SELECT name, id FROM t"), "a|b c");  // first column only, intact
  EXPECT_FALSE(pg.execute("INSERT INTO missing VALUES (1)", "switchyard", &err));
  EXPECT_NE(err.find("missing"), std::string::npos) << err;

  // A clean restart: same port, same data.
  const std::uint16_t port = pg.port();
  ASSERT_TRUE(pg.restart()) << pg.startError();
  EXPECT_EQ(pg.port(), port);
  EXPECT_EQ(pg.query("SELECT count(*) FROM t"), "1");

  // A crash: everything gone (port closed), then crash recovery keeps committed rows.
  ASSERT_TRUE(pg.execute("INSERT INTO t VALUES (2, 'b')"));
  const pid_t old_pid = pg.postmasterPid();
  pg.kill();
  EXPECT_FALSE(pg.started());
  EXPECT_FALSE(processAlive(old_pid));
  EXPECT_EQ(pg.query("SELECT 1"), "");
  ASSERT_TRUE(pg.restart()) << pg.startError();
  EXPECT_EQ(pg.port(), port);
  EXPECT_NE(pg.postmasterPid(), old_pid);
  EXPECT_EQ(pg.query("SELECT count(*) FROM t"), "2");

  // stop() then restart() works too.
  EXPECT_TRUE(pg.stop());
  EXPECT_FALSE(pg.started());
  ASSERT_TRUE(pg.restart()) << pg.startError();
  EXPECT_EQ(pg.query("SELECT count(*) FROM t"), "2");

  // Per-test databases: empty, and fresh again when created a second time.
  const char* kTables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'";
  ASSERT_TRUE(pg.createDatabase("test_one"));
  EXPECT_EQ(pg.query("SELECT current_database()", "test_one"), "test_one");
  EXPECT_EQ(pg.query(kTables, "test_one"), "0");
  ASSERT_TRUE(pg.execute("CREATE TABLE u (x int)", "test_one"));
  EXPECT_EQ(pg.query(kTables, "test_one"), "1");
  ASSERT_TRUE(pg.createDatabase("test_one"));
  EXPECT_EQ(pg.query(kTables, "test_one"), "0");
  EXPECT_EQ(pg.query(kTables), "1");  // switchyard untouched

  // The password in url() works; a wrong one is refused.
  RunResult r = psqlUrl(pg, pg.urlForDatabase("test_one"), "SELECT current_database()");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "test_one\n");
  std::string wrong = pg.url();
  wrong.replace(wrong.find(pg.password()), pg.password().size(), "wrong-password");
  r = psqlUrl(pg, wrong, "SELECT 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;

  // Frozen: the kernel accepts the connection, nobody answers, the client times out.
  pg.freeze();
  const auto f0 = Clock::now();
  r = psqlUrl(pg, pg.url(), "SELECT 1");
  const auto frozen_ms = std::chrono::duration_cast<Millis>(Clock::now() - f0).count();
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_GE(frozen_ms, 1500);
  EXPECT_LT(frozen_ms, 8000);
  EXPECT_EQ(pg.query("SELECT 1"), "");  // query()'s own connect timeout (5 s) applies too
  pg.thaw();
  r = psqlUrl(pg, pg.url(), "SELECT 1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  EXPECT_EQ(pg.query("SELECT count(*) FROM t"), "2");
  EXPECT_NE(pg.logText().find("database system is ready"), std::string::npos);
}

// Two servers copied from the one cluster template: each its own directory, port, processes and
// data; both take the password in their url() and refuse a wrong one; killing one leaves the
// other be; the template itself is never started, and outlives them.
TEST(PostgresServerSelfTest, ServersFromTheTemplateAreIndependent) {
  namespace fs = std::filesystem;
  auto a = std::make_unique<PostgresServer>();
  ASSERT_TRUE(a->started()) << a->startError();
  const auto t0 = Clock::now();
  auto b = std::make_unique<PostgresServer>();
  const auto startup = std::chrono::duration_cast<Millis>(Clock::now() - t0).count();
  ASSERT_TRUE(b->started()) << b->startError();
  std::printf("second PostgresServer (template %s) started in %lld ms\n", b->templateDir().c_str(),
              static_cast<long long>(startup));
  RecordProperty("startup_from_template_ms", std::to_string(startup));

  const std::string tpl = a->templateDir();
  ASSERT_FALSE(tpl.empty()) << "no template used: initdb ran in the test process";
  EXPECT_EQ(b->templateDir(), tpl);
  EXPECT_TRUE(fs::exists(tpl + "/complete"));
  EXPECT_FALSE(fs::exists(tpl + "/data/postmaster.pid"));  // never started
  struct stat st {};
  ASSERT_EQ(::stat((tpl + "/password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  struct stat tpl_data {};
  ASSERT_EQ(::stat((tpl + "/data").c_str(), &tpl_data), 0);
  for (const PostgresServer* pg : {a.get(), b.get()}) {
    ASSERT_EQ(::stat(pg->dataDir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << pg->dataDir();
    EXPECT_EQ(st.st_uid, tpl_data.st_uid) << pg->dataDir();  // the server user's
    EXPECT_EQ(pg->query("SELECT current_user"), "switchyard");
  }
  EXPECT_NE(a->dataDir(), b->dataDir());
  EXPECT_NE(a->port(), b->port());
  EXPECT_NE(a->postmasterPid(), b->postmasterPid());

  // Each takes the password in its url(), on its own database, and refuses a wrong one.
  for (const PostgresServer* pg : {a.get(), b.get()}) {
    RunResult r = psqlUrl(*pg, pg->url(), "SELECT inet_server_port()");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, std::to_string(pg->port()) + "\n");
    std::string wrong = pg->url();
    wrong.replace(wrong.find(pg->password()), pg->password().size(), "wrong-password");
    r = psqlUrl(*pg, wrong, "SELECT 1");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
  }

  // Separate data: a table made on one is not on the other.
  ASSERT_TRUE(a->execute("CREATE TABLE only_a (x int)"));
  ASSERT_TRUE(a->execute("INSERT INTO only_a VALUES (7)"));
  EXPECT_EQ(a->query("SELECT x FROM only_a"), "7");
  EXPECT_EQ(b->query("SELECT to_regclass('only_a') IS NULL"), "t");
  ASSERT_TRUE(b->createDatabase("only_b"));
  EXPECT_EQ(a->query("SELECT count(*) FROM pg_database WHERE datname = 'only_b'"), "0");

  // A crash of one leaves the other serving; the crashed one comes back with its data.
  a->kill();
  EXPECT_EQ(b->query("SELECT 1"), "1");
  ASSERT_TRUE(a->restart()) << a->startError();
  EXPECT_EQ(a->query("SELECT x FROM only_a"), "7");

  // The template outlives its servers, and the next copy of it starts clean.
  a.reset();
  b.reset();
  EXPECT_TRUE(fs::exists(tpl + "/data/PG_VERSION"));
  PostgresServer c;
  ASSERT_TRUE(c.started()) << c.startError();
  EXPECT_EQ(c.templateDir(), tpl);
  EXPECT_EQ(c.query("SELECT to_regclass('only_a') IS NULL"), "t");
  EXPECT_EQ(c.query("SELECT count(*) FROM pg_database WHERE datname = 'only_b'"), "0");
  EXPECT_EQ(c.query("SELECT current_database()"), "switchyard");
}

TEST(PostgresServerSelfTest, DestructorLeavesNothingBehind) {
  std::string dir;
  pid_t pid = -1;
  {
    PostgresServer pg;
    ASSERT_TRUE(pg.started()) << pg.startError();
    dir = std::filesystem::path(pg.dataDir()).parent_path().string();
    pid = pg.postmasterPid();
    pg.freeze();  // even a frozen server goes away
  }
  EXPECT_FALSE(processAlive(pid));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// The process dies without running the destructor (a crash, SIGKILL by ctest): the watchdog
// still takes the server down and removes its directory.
TEST(PostgresServerSelfTest, WatchdogCleansUpWhenTheProcessDies) {
  GTEST_FLAG_SET(death_test_style, "fast");  // the child shares `info` with us
  TempDir info;
  EXPECT_EXIT(
      {
        auto* pg = new PostgresServer();  // leaked on purpose
        writeFile(info.file("server"),
                  pg->started() ? pg->dataDir() + " " + std::to_string(pg->postmasterPid())
                                : pg->startError());
        std::_Exit(pg->started() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  const std::string text = readFile(info.file("server"));
  const std::size_t space = text.rfind(' ');
  ASSERT_NE(space, std::string::npos) << text;
  const std::string dir = std::filesystem::path(text.substr(0, space)).parent_path().string();
  const pid_t pid = static_cast<pid_t>(std::strtol(text.c_str() + space + 1, nullptr, 10));
  ASSERT_GT(pid, 0);
  const auto deadline = Clock::now() + Millis(15000);
  while ((processAlive(pid) || std::filesystem::exists(dir)) && Clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(50));
  }
  EXPECT_FALSE(processAlive(pid));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace switchyard::test
