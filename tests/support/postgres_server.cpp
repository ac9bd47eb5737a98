// PostgresServer (postgres_server.hpp).

#include "support/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

extern char** environ;

namespace switchyard::test {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
namespace fs = std::filesystem;

// A free port (bind to port 0), or with `probe`: 1 if something accepts on `port`.
std::uint16_t loopback(std::uint16_t port, bool probe) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  socklen_t len = sizeof a;
  auto* sa = reinterpret_cast<sockaddr*>(&a);
  std::uint16_t out = 0;
  if (probe) out = ::connect(fd, sa, len) == 0;
  if (!probe && ::bind(fd, sa, len) == 0 && ::getsockname(fd, sa, &len) == 0)
    out = ntohs(a.sin_port);
  ::close(fd);
  return out;
}

// The newest /usr/lib/postgresql/<major>/bin holding initdb, else /usr/local/bin; "" if none.
std::string findBinDir() {
  std::string best;
  long best_major = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    long major = std::strtol(e.path().filename().c_str(), nullptr, 10);
    if (major > best_major && fs::exists(e.path() / "bin" / "initdb", ec)) {
      best_major = major;
      best = (e.path() / "bin").string();
    }
  }
  if (best.empty() && fs::exists("/usr/local/bin/initdb", ec)) best = "/usr/local/bin";
  return best;
}

std::string randomHex(std::size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(rd() ^ static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()));
  std::string s;
  while (s.size() < n) s.push_back("0123456789abcdef"[gen() % 16]);
  return s;
}

// State and parent of a process from /proc/<pid>/stat; state 0 when it is gone.
std::pair<char, pid_t> procStat(pid_t pid) {
  std::string s = readFile("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = s.rfind(')');  // after "pid (comm"
  if (paren == std::string::npos || paren + 4 > s.size()) return {0, 0};
  return {s[paren + 2], static_cast<pid_t>(std::strtol(s.c_str() + paren + 4, nullptr, 10))};
}

// A zombie counts as dead: the postmaster's parent is init, which may reap late (or never).
bool alive(pid_t pid) { return procStat(pid).first != 0 && procStat(pid).first != 'Z'; }

// Waits (bounded) until `pid` is dead: pg_ctl -w returns once postmaster.pid is gone, which the
// postmaster removes a moment before it exits.
bool waitDead(pid_t pid, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (alive(pid) && Clock::now() < deadline) std::this_thread::sleep_for(Millis(5));
  return !alive(pid);
}

// The live children of `parent` (each postgres child calls setsid(): no process group has them).
std::vector<pid_t> childrenOf(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    pid_t pid = static_cast<pid_t>(std::strtol(e.path().filename().c_str(), nullptr, 10));
    auto [state, ppid] = pid > 0 ? procStat(pid) : std::pair<char, pid_t>{0, 0};
    if (ppid == parent && state != 0 && state != 'Z') out.push_back(pid);
  }
  return out;
}

// posix_spawn with cwd `dir`, stdin from `stdin_fd` (-1: /dev/null), stdout/stderr to files
// ("" : /dev/null), every other descriptor closed, default signal dispositions, `env` ("K=V")
// replacing or adding to the inherited environment, optionally in a process group of its own.
pid_t spawnIn(const std::vector<std::string>& args, const std::vector<std::string>& env,
              const std::string& dir, int stdin_fd, const std::string& out_path,
              const std::string& err_path, bool own_group, std::string& error) {
  std::vector<std::string> argv_s = args, env_s = env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto same = [&](const std::string& x) { return kv.starts_with(x.substr(0, x.find('=') + 1)); };
    if (std::none_of(env.begin(), env.end(), same)) env_s.push_back(std::move(kv));
  }
  auto pointers = [](std::vector<std::string>& v) {
    std::vector<char*> p;
    for (auto& x : v) p.push_back(x.data());
    p.push_back(nullptr);
    return p;
  };
  std::vector<char*> argv = pointers(argv_s), envp = pointers(env_s);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  if (stdin_fd < 0) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  for (auto [fd, path] : {std::pair{1, &out_path}, std::pair{2, &err_path}}) {
    posix_spawn_file_actions_addopen(&fa, fd, path->empty() ? "/dev/null" : path->c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def, mask;
  sigemptyset(&def);
  for (int s : {SIGPIPE, SIGTERM, SIGHUP, SIGINT, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&def, s);
  sigemptyset(&mask);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setpgroup(&attr, 0);  // used with POSIX_SPAWN_SETPGROUP only
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                      (own_group ? POSIX_SPAWN_SETPGROUP : 0));
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv_s[0].c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = "posix_spawn(" + argv_s[0] + ") failed: " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::string quoteIdent(const std::string& name) {  // "name", with " doubled
  std::string q = "\"";
  for (char c : name) q.append(c == '"' ? 2 : 1, c);
  return q + "\"";
}

}  // namespace

PostgresServer::PostgresServer() {
  char tmpl[] = "/tmp/sy-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    error_ = std::string("mkdtemp failed: ") + std::strerror(errno);
    return;
  }
  dir_ = tmpl;
  log_path_ = dir_ + "/postgres.log";
  bin_ = findBinDir();
  if (bin_.empty()) {
    error_ = "no PostgreSQL binaries (initdb) under /usr/lib/postgresql/*/bin: install postgresql";
    return;
  }
  startWatchdog();
  password_ = randomHex(24);
  const std::string pwfile = dir_ + "/pwfile";
  writeFile(pwfile, password_ + "\n");
  if (::geteuid() == 0) {  // initdb and postgres refuse root: the postgres user (or nobody) runs
    const passwd* pw = ::getpwnam("postgres");  // them and owns the directory (mode 0700)
    if (!pw) pw = ::getpwnam("nobody");
    as_other_user_ = true;
    run_uid_ = pw ? pw->pw_uid : 0;
    run_gid_ = pw ? pw->pw_gid : 0;
    if (!pw || ::chown(dir_.c_str(), run_uid_, run_gid_) != 0 ||
        ::chown(pwfile.c_str(), run_uid_, run_gid_) != 0) {
      error_ = "running as root, but no postgres or nobody user, or chown failed: " +
               std::string(std::strerror(errno));
      return;
    }
  }
  Run init =
      run({bin_ + "/initdb", "-D", dataDir(), "-U", "switchyard", "--pwfile=" + pwfile,
           "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
          true, 120);
  std::error_code ec;
  fs::remove(pwfile, ec);
  if (init.code != 0) {
    error_ = "initdb failed (exit " + std::to_string(init.code) + "):\n" + init.out + init.err;
    return;
  }
  for (int attempt = 0; attempt < 5 && !started(); ++attempt) {
    port_ = loopback(0, false);
    if (!start() && logText().find("already in use") == std::string::npos) return;
  }
  if (!started()) return;
  std::string err;
  if (!execute("CREATE DATABASE switchyard", "postgres", &err)) {
    error_ = "CREATE DATABASE switchyard failed: " + err + "\n" + logTail();
    kill();
  }
}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    thaw();
    Run r = run({bin_ + "/pg_ctl", "stop", "-D", dataDir(), "-m", "immediate", "-w", "-t", "10"},
                true, 15);
    if (r.code != 0 || !waitDead(pid_, Millis(5000))) kill();
    pid_ = -1;
  }
  if (watchdog_ > 0) {
    ::kill(watchdog_, SIGKILL);
    reapProcess(watchdog_, Millis(5000));
  }
  if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
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
rm -rf '@DIR@'
)";
  script.replace(script.find("@DATA@"), 6, dataDir());
  script.replace(script.find("@DIR@"), 5, dir_);
  std::string err;
  watchdog_ = spawnIn({"/bin/sh", "-c", script}, {}, "/", fds[0], "", "", true, err);
  ::close(fds[0]);
  watchdog_fd_ = fds[1];
}

PostgresServer::Run PostgresServer::run(std::vector<std::string> argv, bool as_server_user,
                                        int timeout_s, const std::vector<std::string>& env) const {
  Run r;
  if (as_server_user && as_other_user_) {
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=" + std::to_string(run_uid_),
                               "--regid=" + std::to_string(run_gid_), "--clear-groups", "--"});
  }
  const std::string base = dir_ + "/run-" + std::to_string(seq_.fetch_add(1));
  pid_t pid = spawnIn(argv, env, dir_, -1, base + ".out", base + ".err", false, r.err);
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

bool PostgresServer::start() {
  pid_ = -1;
  const std::string opts = "-p " + std::to_string(port_) + " -k " + dir_ +
                           " -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
                           " -c max_connections=100";
  // synchronous_commit stays on: with fsync off it costs one write() per commit, and a commit
  // then survives kill() (with it off, the last ~0.6 s of commits could vanish in a "crash").
  Run r = run({bin_ + "/pg_ctl", "start", "-D", dataDir(), "-l", log_path_, "-w", "-t", "30", "-s",
               "-o", opts},
              true, 45);
  pid_t pid =
      static_cast<pid_t>(std::strtol(readFile(dataDir() + "/postmaster.pid").c_str(), nullptr, 10));
  if (r.code != 0 || pid <= 0) {
    error_ = "pg_ctl start on port " + std::to_string(port_) + " failed (exit " +
             std::to_string(r.code) + "): " + r.out + r.err + "\n" + logTail();
    if (pid > 0 && alive(pid) &&
        readFile("/proc/" + std::to_string(pid) + "/comm") ==
            "postgres\n") {  // e.g. pg_ctl timed out: stop it
      pid_ = pid;
      kill();
    }
    return false;
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
  Run r =
      run({bin_ + "/pg_ctl", "stop", "-D", dataDir(), "-m", "fast", "-w", "-t", "30"}, true, 40);
  if (r.code == 0 && waitDead(pid_, Millis(10000))) {
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
