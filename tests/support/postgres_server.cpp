// PostgresServer (postgres_server.hpp).

#include "support/postgres_server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway_process.hpp"
#include "support/postgres_tools.hpp"

extern char** environ;

namespace switchyard::test {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
namespace fs = std::filesystem;
using namespace pgtools;

}  // namespace

PostgresServer::PostgresServer() {
  std::string tmpl = serverTempBase() + "/sy-pg-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    error_ = "mkdtemp(" + tmpl + ") failed: " + std::strerror(errno);
    return;
  }
  dir_ = tmpl;
  // Where a template is built, next to where it goes (rename() stays on one file system); the
  // watchdog removes it with dir_.
  build_dir_ = "/tmp/" + fs::path(dir_).filename().string() + ".template-build";
  log_path_ = dir_ + "/postgres.log";
  bin_ = findBinDir();
  if (bin_.empty()) {
    error_ = "no PostgreSQL binaries (initdb) under /usr/lib/postgresql/*/bin: install postgresql";
    return;
  }
  startWatchdog();
  run_uid_ = ::geteuid();
  run_gid_ = ::getegid();
  if (::geteuid() == 0) {  // initdb and postgres refuse root: the postgres user (or nobody) runs
    const passwd* pw = ::getpwnam("postgres");  // them and owns the directory (mode 0700)
    if (!pw) pw = ::getpwnam("nobody");
    as_other_user_ = true;
    run_uid_ = pw ? pw->pw_uid : 0;
    run_gid_ = pw ? pw->pw_gid : 0;
    if (!pw || ::chown(dir_.c_str(), run_uid_, run_gid_) != 0) {
      error_ = "running as root, but no postgres or nobody user, or chown failed: " +
               std::string(std::strerror(errno));
      return;
    }
  }
  std::string why;
  template_dir_ = findOrBuildTemplate(why);
  if (!template_dir_.empty()) {  // the server user's copy, modes kept (the data dir is 0700)
    std::string err;
    if (!copyTree(template_dir_ + "/data", dataDir(), as_other_user_, run_uid_, run_gid_, err)) {
      why = "copying " + template_dir_ + "/data failed: " + err;
      template_dir_.clear();
      std::error_code ec;
      fs::remove_all(dataDir(), ec);
    }
  }
  if (template_dir_.empty()) {  // initdb here, as without a template
    std::fprintf(stderr, "PostgresServer: no cluster template (%s); running initdb\n", why.c_str());
    password_ = randomHex(24);
    if (!initCluster(dataDir(), password_, false)) return;
  }
  for (int attempt = 0; attempt < 5 && !started(); ++attempt) {
    port_ = loopback(0, false);
    if (!start() && logText().find("already in use") == std::string::npos) return;
  }
}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    thaw();
    ::kill(pid_, SIGQUIT);  // immediate shutdown, as pg_ctl stop -m immediate
    if (!waitDead(pid_, Millis(10000))) kill();
    reapIfDead(pid_);
    pid_ = -1;
  }
  if (watchdog_ > 0) {
    ::kill(watchdog_, SIGKILL);
    reapProcess(watchdog_, Millis(5000));
  }
  if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
  if (!build_dir_.empty()) fs::remove_all(build_dir_, ec);  // only if building failed badly
}

std::vector<std::string> PostgresServer::serverCommand(const std::vector<std::string>& argv) const {
  if (!as_other_user_) return argv;
  std::vector<std::string> out{"/usr/bin/setpriv", "--reuid=" + std::to_string(run_uid_),
                               "--regid=" + std::to_string(run_gid_), "--clear-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool PostgresServer::initCluster(const std::string& data, const std::string& password,
                                 bool durable) {
  const std::string pwfile = dir_ + "/pwfile", sql = dir_ + "/init.sql";
  std::error_code ec;
  fs::remove(pwfile, ec);
  fs::remove(sql, ec);
  if (!createFile(pwfile, password + "\n", 0600, false) ||
      (as_other_user_ && ::chown(pwfile.c_str(), run_uid_, run_gid_) != 0) ||
      !createFile(sql, "CREATE DATABASE switchyard\n", 0600, false)) {
    error_ = "cannot write " + pwfile + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> argv{bin_ + "/initdb", "-D", data, "--pwfile=" + pwfile, "--no-sync"};
  argv.insert(argv.end(), initdbOptions().begin(), initdbOptions().end());
  Run init = run(argv, true, 120);
  fs::remove(pwfile, ec);
  if (init.code != 0) {
    error_ = "initdb failed (exit " + std::to_string(init.code) + "):\n" + init.out + init.err;
    return false;
  }
  // A standalone backend (the bootstrap superuser, switchyard) reads the statement from stdin;
  // exit_on_error makes a failed statement its exit code.
  Run create =
      run({bin_ + "/postgres", "--single", "-D", data, "-F", "-c", "exit_on_error=on", "postgres"},
          true, 60, {}, sql);
  fs::remove(sql, ec);
  if (create.code != 0) {
    error_ = "CREATE DATABASE switchyard (single-user mode) failed (exit " +
             std::to_string(create.code) + "):\n" + create.out + create.err;
    return false;
  }
  if (durable) {
    Run sync = run({bin_ + "/initdb", "--sync-only", "-D", data}, true, 120);
    if (sync.code != 0) {
      error_ = "initdb --sync-only failed (exit " + std::to_string(sync.code) + "):\n" + sync.out +
               sync.err;
      return false;
    }
  }
  return true;
}

// Usable: a directory (not a symlink) owned by us and writable by nobody else, holding the
// password (0600, ours), the data directory (0700, the server user's) and the manifest, which
// matches the data directory.
bool PostgresServer::templateUsable(const std::string& path, std::string* password,
                                    std::string& why) const {
  struct stat st {};
  auto owned = [&](const std::string& p, uid_t uid, mode_t type, mode_t forbidden) {
    return ::lstat(p.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type && st.st_uid == uid &&
           (st.st_mode & forbidden) == 0;
  };
  if (!owned(path, ::geteuid(), S_IFDIR, 022)) {
    why = path + ": missing, or not a directory of ours writable by us only";
    return false;
  }
  const std::string manifest = readFile(path + "/complete");
  if (!owned(path + "/complete", ::geteuid(), S_IFREG, 022) || manifest.empty()) {
    why = path + ": incomplete (no manifest)";
    return false;
  }
  if (!owned(path + "/password", ::geteuid(), S_IFREG, 077) ||
      !owned(path + "/data", run_uid_, S_IFDIR, 077)) {
    why = path + ": password or data directory missing, or with the wrong owner or mode";
    return false;
  }
  if (manifestOf(path + "/data") != manifest) {
    why = path + ": the data directory does not match its manifest";
    return false;
  }
  std::string pw = readFile(path + "/password");
  if (pw.ends_with('\n')) pw.pop_back();
  if (pw.size() < 16) {
    why = path + ": no password";
    return false;
  }
  if (password) *password = pw;
  return true;
}

std::string PostgresServer::findOrBuildTemplate(std::string& why) {
  struct stat st {};
  ::stat((bin_ + "/postgres").c_str(), &st);
  std::string key = std::string(kTemplateFormat) + "|" + bin_ + "|" + std::to_string(st.st_size) +
                    "|" + std::to_string(st.st_mtim.tv_sec) + "|";
  for (const std::string& o : initdbOptions()) key += o + " ";
  const std::string major = fs::path(bin_).parent_path().filename().string();
  const std::string path = "/tmp/sy-pg-template-" +
                           (std::isdigit(static_cast<unsigned char>(major[0])) ? major : "local") +
                           "-" + std::to_string(::geteuid()) + "-" + std::to_string(run_uid_) +
                           "-" + fnv1aHex(key);
  if (templateUsable(path, &password_, why)) return path;

  // One builder at a time: the others wait for it (bounded), then use its template.
  int lock = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lock >= 0 && (::fstat(lock, &st) != 0 || st.st_uid != ::geteuid())) {
    ::close(lock);
    lock = -1;
  }
  bool locked = false;
  const auto deadline = Clock::now() + Millis(180000);
  while (lock >= 0 && !(locked = ::flock(lock, LOCK_EX | LOCK_NB) == 0) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(10));
  }
  std::string out;
  if (templateUsable(path, &password_, why)) {
    out = path;
  } else if (::lstat(path.c_str(), &st) == 0 && (!locked || st.st_uid != ::geteuid())) {
    // Damaged, but not ours to replace: another user's, or we could not take the lock (its
    // holder may be replacing it right now).
    why += locked ? " (owned by uid " + std::to_string(st.st_uid) + ")" : " (lock not taken)";
  } else {
    out = buildTemplate(path, why);
  }
  if (lock >= 0) ::close(lock);  // releases the flock
  return out;
}

// Built in build_dir_ (which the watchdog removes if this process dies meanwhile), then moved to
// `path` by rename(): complete or absent. A damaged template at `path` is moved into build_dir_
// first, and removed with it.
std::string PostgresServer::buildTemplate(const std::string& path, std::string& why) {
  const std::string tpl = build_dir_ + "/template", data = tpl + "/data";
  std::error_code ec;
  struct stat st {};
  // 0711: the server user goes through to the data directory, its own.
  if (::mkdir(build_dir_.c_str(), 0700) != 0 || ::chmod(build_dir_.c_str(), 0711) != 0) {
    why = "cannot create " + build_dir_ + ": " + std::strerror(errno);
    return "";
  }
  auto failed = [&](const std::string& what) {
    why = what;
    fs::remove_all(build_dir_, ec);
    return std::string();
  };
  if (::lstat(path.c_str(), &st) == 0 &&
      ::rename(path.c_str(), (build_dir_ + "/stale").c_str()) != 0) {
    return failed("cannot move the damaged template " + path + " aside: " + std::strerror(errno));
  }
  const std::string password = randomHex(32);
  if (::mkdir(tpl.c_str(), 0700) != 0 || ::chmod(tpl.c_str(), 0711) != 0 ||
      !createFile(tpl + "/password", password + "\n", 0600, true) ||
      ::mkdir(data.c_str(), 0700) != 0 ||
      (as_other_user_ && ::chown(data.c_str(), run_uid_, run_gid_) != 0)) {
    return failed("cannot create " + tpl + ": " + std::strerror(errno));
  }
  if (!initCluster(data, password, true)) {
    const std::string err = error_;
    error_.clear();
    return failed("building the template failed: " + err);
  }
  if (!createFile(tpl + "/complete", manifestOf(data), 0644, true)) {
    return failed("cannot write " + tpl + "/complete: " + std::strerror(errno));
  }
  fsyncDir(tpl);
  if (::rename(tpl.c_str(), path.c_str()) != 0) {
    why = "cannot move the template to " + path + ": " + std::strerror(errno);
  }
  fsyncDir(fs::path(path).parent_path().string());
  fs::remove_all(build_dir_, ec);
  // Ours, or one another process (without the lock) made meanwhile.
  return templateUsable(path, &password_, why) ? path : "";
}

// The watchdog: /bin/sh in a process group of its own, blocked reading a pipe whose only write
// end is ours (close-on-exec). EOF means this process is gone without the destructor having
// killed the watchdog: then it SIGKILLs the postmaster and its children (listed from /proc, as
// each has its own session), drops the SysV shared memory key and removes the directory.
void PostgresServer::startWatchdog() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  std::string script = R"(read -r _
f='@DATA@/postmaster.pid'
if [ -f "$f" ]; then
  read -r p < "$f"; kids=
  kill -STOP "$p" 2>/dev/null
  for s in /proc/[0-9]*/stat; do
    read -r a b c pp rest < "$s" 2>/dev/null || continue
    [ "$pp" = "$p" ] && [ "$b" = '(postgres)' ] && kids="$kids $a"
  done
  kill -KILL "$p" $kids 2>/dev/null; sleep 1
  set -- $(sed -n 7p "$f"); [ -n "$2" ] && ipcrm -m "$2" 2>/dev/null
fi
rm -rf '@DIR@' '@BUILD@'
)";
  script.replace(script.find("@DATA@"), 6, dataDir());
  script.replace(script.find("@DIR@"), 5, dir_);
  script.replace(script.find("@BUILD@"), 7, build_dir_);
  std::string err;
  watchdog_ = spawnIn({"/bin/sh", "-c", script}, {}, "/", fds[0], "", "", true, err);
  ::close(fds[0]);
  watchdog_fd_ = fds[1];
}

PostgresServer::Run PostgresServer::run(std::vector<std::string> argv, bool as_server_user,
                                        int timeout_s, const std::vector<std::string>& env,
                                        const std::string& stdin_path) const {
  Run r;
  if (as_server_user) argv = serverCommand(argv);
  int in = -1;
  if (!stdin_path.empty() && (in = ::open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC)) < 0) {
    r.err = "cannot open " + stdin_path + ": " + std::strerror(errno);
    return r;
  }
  const std::string base = dir_ + "/run-" + std::to_string(seq_.fetch_add(1));
  pid_t pid = spawnIn(argv, env, dir_, in, base + ".out", base + ".err", false, r.err);
  if (in >= 0) ::close(in);
  if (pid <= 0) return r;
  auto code = reapProcess(pid, Millis(timeout_s * 1000));
  if (!code) {
    ::kill(pid, SIGKILL);
    reapProcess(pid, Millis(5000));
    code = 124;
  }
  r.code = *code;
  r.out = readFile(base + ".out");
  r.err = readFile(base + ".err");
  if (r.code == 124) r.err += "\n(timed out after " + std::to_string(timeout_s) + " s)";
  std::error_code ec;
  fs::remove(base + ".out", ec);
  fs::remove(base + ".err", ec);
  return r;
}

// The postmaster itself (as pg_ctl start would run it, minus pg_ctl): our child, in a process
// group of its own, its output appended to the log; ready once postmaster.pid (line 8) says so,
// polled every 5 ms (pg_ctl -w polls every 100 ms).
bool PostgresServer::start() {
  pid_ = -1;
  const std::vector<std::string> argv =
      serverCommand({bin_ + "/postgres", "-D", dataDir(), "-p", std::to_string(port_), "-k", dir_,
                     "-h", "127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
                     "max_connections=100", "-c", "dynamic_shared_memory_type=mmap"});
  // synchronous_commit stays on: with fsync off it costs one write() per commit, and a commit
  // then survives kill() (with it off, the last ~0.6 s of commits could vanish in a "crash").
  // Dynamic shared memory in files under the data directory (pg_dynshmem), not in /dev/shm: a
  // killed postmaster cannot remove its segments, and these go with the directory.
  std::string err;
  pid_t pid = spawnIn(argv, {}, dir_, -1, log_path_, log_path_, true, err, true);
  if (pid <= 0) {
    error_ = "starting postgres failed: " + err;
    return false;
  }
  const std::string pidfile = dataDir() + "/postmaster.pid";
  const auto deadline = Clock::now() + Millis(30000);
  for (;;) {
    // Lines: pid, data dir, start time, port, socket dir, listen address, shmem key, status.
    std::string text = readFile(pidfile);
    std::vector<std::string> lines;
    for (std::size_t at = 0, nl; at < text.size(); at = nl + 1) {
      nl = text.find('\n', at);
      if (nl == std::string::npos) nl = text.size();
      lines.push_back(text.substr(at, nl - at));
    }
    if (lines.size() >= 8 && std::strtol(lines[0].c_str(), nullptr, 10) == pid &&
        lines[7].starts_with("ready")) {
      break;
    }
    const bool gone = exited(pid);
    if (gone || Clock::now() >= deadline) {
      error_ = "postgres on port " + std::to_string(port_) +
               (gone ? " exited before it was ready" : " not ready within 30 s") + "\n" + logTail();
      if (!gone) {
        pid_ = pid;
        kill();
      }
      return false;
    }
    std::this_thread::sleep_for(Millis(5));
  }
  pid_ = pid;
  error_.clear();
  return true;
}

std::string PostgresServer::urlForDatabase(const std::string& name) const {
  return "postgresql://switchyard:" + password_ + "@127.0.0.1:" + std::to_string(port_) + "/" +
         name;
}

std::string PostgresServer::logText() const { return readFile(log_path_); }

std::string PostgresServer::logTail() const {
  std::string log = logText();
  if (log.size() > 3000) log = "...\n" + log.substr(log.size() - 3000);
  return "---- server log (" + log_path_ + ") ----\n" + log;
}

bool PostgresServer::stop() {
  if (pid_ <= 0) return true;
  thaw();
  // Fast shutdown (pg_ctl stop -m fast): the postmaster exits once its children have, after a
  // shutdown checkpoint; postmaster.pid is removed before it exits.
  if (::kill(pid_, SIGINT) == 0 && waitDead(pid_, Millis(30000))) {
    reapIfDead(pid_);
    pid_ = -1;
    return true;
  }
  kill();
  return false;
}

void PostgresServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGSTOP);  // no more forks while we list its children
  std::vector<pid_t> all = childrenOf(pid_);
  all.push_back(pid_);
  for (pid_t p : all) ::kill(p, SIGKILL);
  const auto deadline = Clock::now() + Millis(10000);
  for (;;) {
    bool any = false;
    for (pid_t p : all) any = any || alive(p);
    if ((!any && !loopback(port_, true)) || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(Millis(5));
  }
  // A crash leaves postmaster.pid (with its SysV shared memory id on line 7) behind: drop both,
  // so that restart() starts cleanly and no segment outlives the test; and the socket's lock
  // file, which names the dead postmaster too (a zombie, if init reaps late, passes kill(pid, 0)).
  const std::string pidfile = dataDir() + "/postmaster.pid";
  long key = 0, shmid = -1;  // line 7; lines 1-6: pid, data dir, time, port, socket dir, host
  if (std::sscanf(readFile(pidfile).c_str(),
                  "%*[^\n]\n%*[^\n]\n%*[^\n]\n%*[^\n]\n%*[^\n]\n%*[^\n]\n%ld %ld", &key,
                  &shmid) == 2 &&
      shmid >= 0) {
    ::shmctl(static_cast<int>(shmid), IPC_RMID, nullptr);
  }
  std::error_code ec;
  fs::remove(pidfile, ec);
  fs::remove(dir_ + "/.s.PGSQL." + std::to_string(port_) + ".lock", ec);
  fs::remove(dir_ + "/.s.PGSQL." + std::to_string(port_), ec);
  reapIfDead(pid_);
  pid_ = -1;
}

bool PostgresServer::restart() {
  if (pid_ > 0) stop();
  return start();
}

void PostgresServer::freeze() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGSTOP);  // first, so that it forks no new children meanwhile
  for (pid_t p : childrenOf(pid_)) ::kill(p, SIGSTOP);
}

void PostgresServer::thaw() {
  if (pid_ <= 0) return;
  for (pid_t p : childrenOf(pid_)) ::kill(p, SIGCONT);
  ::kill(pid_, SIGCONT);
}

std::string PostgresServer::psqlPath() const {
  std::error_code ec;
  return fs::exists(bin_ + "/psql", ec) ? bin_ + "/psql" : "/usr/bin/psql";
}

PostgresServer::Run PostgresServer::psql(const std::string& db,
                                         std::initializer_list<std::string> statements) const {
  // Unaligned, tuples only, quiet; fields and records separated by \x1f and \x1e.
  std::vector<std::string> argv{psqlPath(), "-XqAt", "-F\x1f", "-R\x1e", "-vON_ERROR_STOP=1"};
  argv.insert(argv.end(), {"-h127.0.0.1", "-p" + std::to_string(port_), "-Uswitchyard", "-d", db});
  for (const std::string& s : statements) {
    argv.push_back("-c");
    argv.push_back(s);
  }
  return run(argv, false, 20,
             {"PGPASSWORD=" + password_, "PGCONNECT_TIMEOUT=5", "PGSSLMODE=disable",
              "PGPASSFILE=/dev/null", "PGOPTIONS="});
}

std::string PostgresServer::query(const std::string& sql, const std::string& db) const {
  Run r = psql(db, {sql});
  if (r.code != 0) return "";
  std::string v = r.out.substr(0, r.out.find('\x1e'));
  v = v.substr(0, v.find('\x1f'));
  if (v.ends_with('\n')) v.pop_back();
  return v;
}

bool PostgresServer::execute(const std::string& sql, const std::string& db,
                             std::string* error) const {
  Run r = psql(db, {sql});
  if (r.code != 0 && error) *error = "psql exit " + std::to_string(r.code) + ": " + r.err + r.out;
  return r.code == 0;
}

bool PostgresServer::createDatabase(const std::string& name) {
  Run r = psql("postgres", {"DROP DATABASE IF EXISTS " + quoteIdent(name) + " WITH (FORCE)",
                            "CREATE DATABASE " + quoteIdent(name)});
  return r.code == 0;
}

}  // namespace switchyard::test
