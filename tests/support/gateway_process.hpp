#pragma once
// The real switchyard binary as a child process (userver/Envoy style integration tests).
//
// GatewayProcess writes the YAML config into a private temp directory, spawns
//   BINARY --config DIR/config.yaml --host 127.0.0.1 --port 0 --workers N [extra args]
// with stdout and stderr captured into files, and waits (bounded) for the first stdout line
//   Switchyard listening on http://127.0.0.1:PORT (port PORT, N workers)
// to learn the port. The destructor SIGKILLs a process still running and reaps it; when the
// current test has failed it prints the captured output to stderr first.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace switchyard::test {

// The binary under test: env SWITCHYARD_BINARY, else the path CMake compiled in (passed by the
// caller, see test_env.hpp).
struct GatewayOptions {
  std::string binary;
  int workers = 2;
  std::vector<std::string> extra_args;     // e.g. {"--log-level", "debug"}
  std::map<std::string, std::string> env;  // added to the inherited environment
  std::chrono::milliseconds start_timeout{10000};
};

class GatewayProcess {
 public:
  GatewayProcess(const std::string& config_yaml, GatewayOptions options);
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // True once the listening line was read. Otherwise `startError()` says why.
  bool started() const { return port_ != 0; }
  const std::string& startError() const { return start_error_; }
  const std::string& firstLine() const { return first_line_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  const std::string& configPath() const { return config_path_; }
  const std::string& dir() const { return dir_; }
  void rewriteConfig(const std::string& yaml);  // atomically replaces the file (rename)

  bool sendSignal(int sig);
  // Exit code; 128+signal when killed by a signal; nullopt if still running after `timeout`.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);
  bool running();

  std::string stdoutText() const;
  std::string stderrText() const;
  std::string logText() const { return stdoutText() + stderrText(); }
  // Waits until the captured output contains `needle`.
  bool waitForLog(const std::string& needle, std::chrono::milliseconds timeout) const;

 private:
  std::string dir_, config_path_, stdout_path_, stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::uint16_t port_ = 0;
  std::string first_line_, start_error_;
};

// Runs the binary to completion (e.g. --check-config), bounded by `timeout` (then SIGKILL).
// `env` is added to the inherited environment (a name given there replaces the inherited one).
struct RunResult {
  int exit_code = -1;  // 128+signal when killed
  bool timed_out = false;
  std::string out, err;
};
RunResult runBinary(const std::string& binary, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                    const std::map<std::string, std::string>& env = {});

// posix_spawn of `binary` with `args`, stdout and stderr to files, `env` added to the inherited
// environment, default signal dispositions; -1 (and `error`) on failure.
pid_t spawnProcess(const std::string& binary, const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env, const std::string& out_path,
                   const std::string& err_path, std::string& error);
// Waits (bounded) for `pid` to exit: its exit code, 128+signal, or nullopt on timeout.
std::optional<int> reapProcess(pid_t pid, std::chrono::milliseconds timeout);

// Creates a fresh temp directory (/tmp/sy-it-XXXXXX) and returns its path.
std::string makeTempDir();
// A temp directory removed (recursively) when it goes out of scope.
class TempDir {
 public:
  TempDir() : path_(makeTempDir()) {}
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};
void writeFile(const std::string& path, const std::string& text);
std::string readFile(const std::string& path);

}  // namespace switchyard::test
