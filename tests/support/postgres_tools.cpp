// Process and file tools for PostgresServer (postgres_tools.hpp).

#include "support/postgres_tools.hpp"

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

extern char** environ;

extern char** environ;

namespace switchyard::test::pgtools {

using Clock = std::chrono::steady_clock;
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

// A zombie counts as dead: the postmaster is our child, reaped only once it is seen dead; its
// children are init's after it dies, which may reap late (or never).
bool alive(pid_t pid) { return procStat(pid).first != 0 && procStat(pid).first != 'Z'; }

// Waits (bounded) until `pid` is dead (a zombie counts as dead): a stopped postmaster removes
// postmaster.pid a moment before it exits.
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
// ("" : /dev/null; truncated, or appended to with `append`; the same file: one description),
// every other descriptor closed, default signal dispositions, `env` ("K=V") replacing or adding
// to the inherited environment, optionally in a process group of its own.
pid_t spawnIn(const std::vector<std::string>& args, const std::vector<std::string>& env,
              const std::string& dir, int stdin_fd, const std::string& out_path,
              const std::string& err_path, bool own_group, std::string& error,
              bool append) {
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
    if (fd == 2 && !err_path.empty() && err_path == out_path) {
      posix_spawn_file_actions_adddup2(&fa, 1, 2);
      continue;
    }
    posix_spawn_file_actions_addopen(&fa, fd, path->empty() ? "/dev/null" : path->c_str(),
                                     O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
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

// Reaps `pid` if it is a dead child of ours (the postmaster, once killed or stopped).
void reapIfDead(pid_t pid) {
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, WNOHANG);
}

// Whether our child `pid` has exited (reaping it), or, when it is no child of ours, is gone.
bool exited(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  return r == pid || (r < 0 && !alive(pid));
}

// A new file (never an existing one, nor through a symlink) holding `text`, with `mode`, flushed
// to disk with `durable`.
bool createFile(const std::string& path, const std::string& text, mode_t mode, bool durable) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, mode) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            (!durable || ::fsync(fd) == 0);
  return ::close(fd) == 0 && ok;
}

void fsyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Copies the tree `src` (directories and regular files only; anything else is an error) to
// `dst`, which must not exist yet: modes kept, owned by `uid`:`gid` when `give` (root copying
// for the server user). In this process, with sendfile(): a fifth of cp -a's time on tmpfs.
bool copyTree(const std::string& src, const std::string& dst, bool give, uid_t uid, gid_t gid,
              std::string& error) {
  auto fail = [&](const std::string& what, const std::string& path) {
    if (error.empty()) error = what + " " + path + ": " + std::strerror(errno);
    return false;
  };
  struct stat st {};
  if (::lstat(src.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return fail("not a directory:", src);
  if (::mkdir(dst.c_str(), 0700) != 0) return fail("mkdir", dst);
  if (give && ::chown(dst.c_str(), uid, gid) != 0) return fail("chown", dst);
  DIR* dir = ::opendir(src.c_str());
  if (!dir) return fail("opendir", src);
  bool ok = true;
  while (ok) {
    errno = 0;
    const dirent* e = ::readdir(dir);
    if (!e) {
      ok = errno == 0 || fail("readdir", src);
      break;
    }
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string from = src + "/" + name, to = dst + "/" + name;
    struct stat fst {};
    if (::lstat(from.c_str(), &fst) != 0) {
      ok = fail("lstat", from);
    } else if (S_ISDIR(fst.st_mode)) {
      ok = copyTree(from, to, give, uid, gid, error);
    } else if (!S_ISREG(fst.st_mode)) {
      errno = EINVAL;
      ok = fail("neither a file nor a directory:", from);
    } else {
      int in = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      int out =
          in < 0 ? -1
                 : ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      ok = in >= 0 || fail("open", from);
      ok = ok && (out >= 0 || fail("create", to));
      ok = ok && (!give || ::fchown(out, uid, gid) == 0 || fail("chown", to));
      for (off_t left = fst.st_size; ok && left > 0;) {
        ssize_t n = ::sendfile(out, in, nullptr, static_cast<std::size_t>(left));
        if (n <= 0) {
          if (n == 0) errno = EIO;  // shorter than it was a moment ago
          ok = fail("copy to", to);
        } else {
          left -= n;
        }
      }
      ok = ok && (::fchmod(out, fst.st_mode & 07777) == 0 || fail("chmod", to));
      if (in >= 0) ::close(in);
      if (out >= 0) ::close(out);
    }
  }
  ::closedir(dir);
  return ok && (::chmod(dst.c_str(), st.st_mode & 07777) == 0 || fail("chmod", dst));
}

// Where the servers' own directories go: /dev/shm (tmpfs) when it has 1 GiB free, as creating
// files there costs a fraction of what it does on disk (a copy of the template's ~1,300 files:
// 0.3-0.8 s on the CI VM's ext4 /tmp, 0.05 s on /dev/shm); else /tmp (e.g. Docker's 64 MB
// /dev/shm). A server holds ~50 MB.
std::string serverTempBase() {
  struct statvfs vfs {};
  struct stat st {};
  if (::statvfs("/dev/shm", &vfs) == 0 && ::lstat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
      static_cast<unsigned long long>(vfs.f_bavail) * vfs.f_frsize >= (1ull << 30) &&
      ::access("/dev/shm", W_OK | X_OK) == 0) {
    return "/dev/shm";
  }
  return "/tmp";
}

// What a template's data directory holds: written last when the template is made, compared
// before each use (a half-deleted or half-built template shows as a mismatch).
std::string manifestOf(const std::string& dir) {
  std::uintmax_t files = 0, dirs = 0, bytes = 0, other = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_regular_file(st)) {
      ++files;
      bytes += it->file_size(ec);
    } else if (fs::is_directory(st)) {
      ++dirs;
    } else {
      ++other;
    }
  }
  if (ec) return "unreadable: " + ec.message();
  return "files " + std::to_string(files) + " dirs " + std::to_string(dirs) + " bytes " +
         std::to_string(bytes) + " other " + std::to_string(other) + "\n";
}

// 64-bit FNV-1a: a stable hash for the template's name (std::hash is not meant to be stable).
std::string fnv1aHex(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return std::string(out, 12);
}

// initdb's options; a change here makes a new template (the options are part of its name).
const std::vector<std::string>& initdbOptions() {
  static const std::vector<std::string> options{"-U",   "switchyard", "--auth=scram-sha-256", "-E",
                                                "UTF8", "--locale=C", "--no-instructions"};
  return options;
}
}  // namespace switchyard::test::pgtools
