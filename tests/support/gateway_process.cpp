#include "support/gateway_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace switchyard::test {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

std::string makeTempDir() {
  char tmpl[] = "/tmp/sy-it-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// posix_spawn with stdout/stderr redirected to files and default signal dispositions, so a test
// process that ignores SIGPIPE does not hand that on.
pid_t spawnProcess(const std::string& binary, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& extra_env, const std::string& out_path,
            const std::string& err_path, std::string& error) {
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && extra_env.count(kv.substr(0, eq))) continue;
    env_s.push_back(kv);
  }
  for (const auto& [k, v] : extra_env) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def, mask;
  sigemptyset(&def);
  for (int s : {SIGPIPE, SIGTERM, SIGHUP, SIGINT, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&def, s);
  sigemptyset(&mask);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, binary.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = "posix_spawn(" + binary + ") failed: " + std::string(std::strerror(rc));
    return -1;
  }
  return pid;
}

std::optional<int> reapProcess(pid_t pid, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (r < 0) return -1;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Millis(5));
  }
}

GatewayProcess::GatewayProcess(const std::string& config_yaml, GatewayOptions options) {
  dir_ = makeTempDir();
  config_path_ = dir_ + "/config.yaml";
  stdout_path_ = dir_ + "/stdout.log";
  stderr_path_ = dir_ + "/stderr.log";
  writeFile(config_path_, config_yaml);
  std::vector<std::string> args{
      "--config", config_path_, "--host",    "127.0.0.1",
      "--port",   "0",          "--workers", std::to_string(options.workers)};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  // The database lands in the private temp dir unless the test chose one.
  std::map<std::string, std::string> env = options.env;
  if (!env.count("DATABASE_URL")) env["DATABASE_URL"] = "sqlite:///" + dir_ + "/switchyard.db";
  pid_ = spawnProcess(options.binary, args, env, stdout_path_, stderr_path_, start_error_);
  if (pid_ < 0) return;

  static const std::regex kLine(
      R"(^Switchyard listening on http://127\.0\.0\.1:(\d+) \(port (\d+), (\d+) workers?\)$)");
  const auto deadline = Clock::now() + options.start_timeout;
  for (;;) {
    std::string out = readFile(stdout_path_);
    auto nl = out.find('\n');
    if (nl != std::string::npos) {
      first_line_ = out.substr(0, nl);
      std::smatch m;
      if (std::regex_match(first_line_, m, kLine) && m[1] == m[2]) {
        port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      } else {
        start_error_ = "unexpected first stdout line: '" + first_line_ + "'";
      }
      return;
    }
    if (auto code = reapProcess(pid_, Millis(0))) {
      exit_code_ = code;
      start_error_ = "gateway exited with " + std::to_string(*code) +
                     " before listening; output:\n" + logText();
      return;
    }
    if (Clock::now() >= deadline) {
      start_error_ = "no listening line within the start timeout; output:\n" + logText();
      return;
    }
    std::this_thread::sleep_for(Millis(10));
  }
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    exit_code_ = reapProcess(pid_, Millis(5000));
  }
  if (::testing::Test::HasFailure()) {
    // Access lines are counted, not shown: what went wrong is in the others.
    std::string log, line;
    std::size_t access = 0;
    std::istringstream in(logText());
    while (std::getline(in, line)) {
      if (line.find(" info access ") != std::string::npos) {
        ++access;
      } else {
        log += line + '\n';
      }
    }
    if (log.size() > 8000) log = "...\n" + log.substr(log.size() - 8000);
    log += "(" + std::to_string(access) + " access lines left out)";
    std::fprintf(stderr, "---- gateway output (%s) ----\n%s\n---- end gateway output ----\n",
                 dir_.c_str(), log.c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void GatewayProcess::rewriteConfig(const std::string& yaml) {
  const std::string tmp = config_path_ + ".tmp";
  writeFile(tmp, yaml);
  std::filesystem::rename(tmp, config_path_);
}

bool GatewayProcess::sendSignal(int sig) {
  if (pid_ <= 0 || exit_code_) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<int> GatewayProcess::waitExit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return -1;
  exit_code_ = reapProcess(pid_, timeout);
  return exit_code_;
}

bool GatewayProcess::running() {
  if (pid_ <= 0 || exit_code_) return false;
  exit_code_ = reapProcess(pid_, Millis(0));
  return !exit_code_;
}

std::string GatewayProcess::stdoutText() const { return readFile(stdout_path_); }
std::string GatewayProcess::stderrText() const { return readFile(stderr_path_); }

bool GatewayProcess::waitForLog(const std::string& needle,
                                std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (logText().find(needle) != std::string::npos) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Millis(20));
  }
}

RunResult runBinary(const std::string& binary, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout,
                    const std::map<std::string, std::string>& env) {
  RunResult r;
  const std::string dir = makeTempDir();
  const std::string out = dir + "/out", err = dir + "/err";
  std::string error;
  pid_t pid = spawnProcess(binary, args, env, out, err, error);
  if (pid < 0) {
    r.err = error;
    return r;
  }
  auto code = reapProcess(pid, timeout);
  if (!code) {
    r.timed_out = true;
    ::kill(pid, SIGKILL);
    code = reapProcess(pid, Millis(5000));
  }
  r.exit_code = code.value_or(-1);
  r.out = readFile(out);
  r.err = readFile(err);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

}  // namespace switchyard::test
