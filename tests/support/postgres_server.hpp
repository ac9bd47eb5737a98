#pragma once
// A real PostgreSQL server (Debian's postgresql package: initdb, postgres, psql from
// /usr/lib/postgresql/<newest>/bin) on a free 127.0.0.1 port, for the tests of the Postgres
// store: its own cluster in a private temp directory (fsync off), superuser `switchyard` with a
// random password (scram-sha-256, also on the unix socket) and a database `switchyard`. It can
// then be stopped, killed (SIGKILL of the postmaster and all its children: a crash), restarted on
// the same port with its data, frozen (SIGSTOP: connections are accepted by the kernel, never
// answered) or thawed at will. One server per test suite (SetUpTestSuite); createDatabase() gives
// each test its own empty database on it.
//
// initdb runs once per machine. The first server builds a cluster template (initdb, then the
// database `switchyard` in single-user mode, all fsynced) in /tmp/sy-pg-template-<major>-<uid>-
// <server uid>-<hash of the binaries and initdb options>, and moves it into place with rename()
// once complete, holding an flock on <template>.lock so that concurrent processes wait for it
// instead of building their own (without the lock the rename still decides: the loser's copy is
// deleted). Every server then copies the template's data directory into its own temp directory
// (/dev/shm/sy-pg-XXXXXX when /dev/shm has 1 GiB free, else /tmp/sy-pg-XXXXXX; the copy owned
// by the server user, modes kept, so the data directory is 0700) and starts a postmaster on it:
// no server is shared between processes, only the template, which is never started. The
// template's password (random, made with it) is in <template>/password, mode 0600, owned by the
// caller, and is every server's password. A manifest of the data directory (file count, bytes)
// is written last and checked before each use: an incomplete or damaged template is replaced
// (under the lock). If no template can be used (e.g. the path belongs to another user), the
// server runs initdb in its own directory instead, with a password of its own. The template is
// never removed: it lives for the machine's life in /tmp; new binaries or initdb options make a
// new path.
//
// As root (CI), initdb and the server run as the `postgres` user (`nobody` without it) through
// setpriv, and the temp directory is chowned to that user. The postmaster is started directly
// (pg_ctl's readiness poll costs 100 ms steps), as our child in a process group of its own, and
// is ready once postmaster.pid says so. A watchdog child (its own process group, holding the
// read end of a pipe only this process writes) kills the server and removes the directory (and
// a half-built template) if this process dies without running the destructor. Every wait is
// bounded; nothing throws: failures show in startError() and in the return values.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace switchyard::test {

class PostgresServer {
 public:
  PostgresServer();   // copy of the template (built first if needed) + start; check started()
  ~PostgresServer();  // immediate shutdown (SIGQUIT; SIGKILL as a fallback), temp dir removed
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool started() const { return pid_ > 0; }  // false after stop() or kill()
  // Why the last start (or restart) failed, with the tail of the server log.
  const std::string& startError() const { return error_; }
  std::uint16_t port() const { return port_; }
  const std::string& password() const { return password_; }
  std::string dataDir() const { return dir_ + "/data"; }
  pid_t postmasterPid() const { return pid_; }
  // postgresql://switchyard:PASSWORD@127.0.0.1:PORT/switchyard (or /name).
  std::string url() const { return urlForDatabase("switchyard"); }
  std::string urlForDatabase(const std::string& name) const;
  std::string logText() const;   // the server log (all starts)
  std::string psqlPath() const;  // the psql of the same version (else /usr/bin/psql)
  // The cluster template this server's data was copied from; "" when it ran initdb itself.
  const std::string& templateDir() const { return template_dir_; }

  bool stop();     // fast shutdown (SIGINT), waiting (kill() if that fails); data is kept
  void kill();     // SIGKILL postmaster + children, waits until they and the port are gone
  bool restart();  // stop() if running, then start again on the same port with the same data
  void freeze();   // SIGSTOP the postmaster, then all its children
  void thaw();     // SIGCONT them all

  // DROP DATABASE IF EXISTS name WITH (FORCE); CREATE DATABASE name: a fresh empty database.
  bool createDatabase(const std::string& name);
  // psql -c `sql` on `db` as switchyard (connect timeout 5 s, killed after 20 s): the first
  // column of the first row as text; "" on any failure (and for statements without rows).
  std::string query(const std::string& sql, const std::string& db = "switchyard") const;
  // The same for statements: true when psql succeeded; otherwise `error` gets psql's output.
  bool execute(const std::string& sql, const std::string& db = "switchyard",
               std::string* error = nullptr) const;

 private:
  bool start();
  struct Run {
    int code = -1;  // exit code; -1: could not run; 124: timed out (then SIGKILLed)
    std::string out, err;
  };
  // A program run to completion in dir_, bounded by `timeout_s`; `as_server_user`: through
  // setpriv when root (initdb and postgres refuse to run as root); stdin from `stdin_path`
  // (opened by this process) or /dev/null.
  Run run(std::vector<std::string> argv, bool as_server_user, int timeout_s,
          const std::vector<std::string>& env = {}, const std::string& stdin_path = "") const;
  // initdb into `data` (superuser switchyard with `password`), then CREATE DATABASE switchyard
  // in single-user mode; `durable`: everything fsynced at the end (for the template).
  bool initCluster(const std::string& data, const std::string& password, bool durable);
  // The template for these binaries and this server user: an existing valid one, or one built
  // now; "" (and `why`) when none can be used. Sets password_ when it returns a path.
  std::string findOrBuildTemplate(std::string& why);
  std::string buildTemplate(const std::string& path, std::string& why);
  bool templateUsable(const std::string& path, std::string* password, std::string& why) const;
  std::vector<std::string> serverCommand(const std::vector<std::string>& argv) const;
  Run psql(const std::string& db, std::initializer_list<std::string> statements) const;
  std::string logTail() const;
  void startWatchdog();

  std::string dir_, bin_, log_path_, password_, error_, template_dir_, build_dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;  // the postmaster (our child, reaped once dead)
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  bool as_other_user_ = false;  // root: setpriv to run_uid_/run_gid_
  pid_t watchdog_ = -1;
  int watchdog_fd_ = -1;  // write end of the watchdog's pipe (close-on-exec)
  mutable std::atomic<unsigned> seq_{0};
};

}  // namespace switchyard::test
