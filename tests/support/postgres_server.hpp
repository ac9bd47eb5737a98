#pragma once
// A real PostgreSQL server (Debian's postgresql package: initdb, pg_ctl, psql from
// /usr/lib/postgresql/<newest>/bin) on a free 127.0.0.1 port, for the tests of the Postgres
// store: a fresh cluster in a private temp directory (initdb --no-sync, fsync off), superuser
// `switchyard` with a random password (scram-sha-256, also on the unix socket) and a database
// `switchyard`. It can then be stopped, killed (SIGKILL of the postmaster and all its children:
// a crash), restarted on the same port with its data, frozen (SIGSTOP: connections are accepted
// by the kernel, never answered) or thawed at will. One server per test suite
// (SetUpTestSuite); createDatabase() gives each test its own empty database on it.
//
// As root (CI), initdb, pg_ctl and the server run as the `postgres` user (`nobody` without it)
// through setpriv, and the temp directory is chowned to that user. A watchdog child (its own
// process group, holding the read end of a pipe only this process writes) kills the server and
// removes the directory if this process dies without running the destructor. Every wait is
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
  PostgresServer();   // initdb + start + CREATE DATABASE switchyard; check started()
  ~PostgresServer();  // pg_ctl stop -m immediate (SIGKILL as a fallback), temp dir removed
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

  bool stop();     // pg_ctl stop -m fast, waiting (kill() if that fails); data is kept
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
  // setpriv when root (initdb and pg_ctl refuse to run as root).
  Run run(std::vector<std::string> argv, bool as_server_user, int timeout_s,
          const std::vector<std::string>& env = {}) const;
  Run psql(const std::string& db, std::initializer_list<std::string> statements) const;
  std::string logTail() const;
  void startWatchdog();

  std::string dir_, bin_, log_path_, password_, error_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;  // the postmaster (not our child: pg_ctl daemonizes it)
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  bool as_other_user_ = false;  // root: setpriv to run_uid_/run_gid_
  pid_t watchdog_ = -1;
  int watchdog_fd_ = -1;  // write end of the watchdog's pipe (close-on-exec)
  mutable std::atomic<unsigned> seq_{0};
};

}  // namespace switchyard::test
