#pragma once
// A real redis-server (Debian's package) as a child process on a free 127.0.0.1 port, for the
// tests of the Redis client, the cache and the shared counters: started with no persistence in
// a private temp directory, optionally with a password, and then killed, restarted on the same
// port, frozen (SIGSTOP: accepts connections, never answers) or thawed at will.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace switchyard::test {

class RedisServer {
 public:
  struct Options {
    std::string password;  // empty: no AUTH
    // Also listen with TLS on tlsPort(), with a self-signed certificate for 127.0.0.1 (made with
    // the openssl CLI into the temp dir; certificatePath() is its PEM, usable as a CA file).
    bool tls = false;
  };
  RedisServer();
  explicit RedisServer(Options options);
  ~RedisServer();  // SIGKILL, reaped
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& startError() const { return error_; }
  std::uint16_t port() const { return port_; }
  std::uint16_t tlsPort() const { return tls_port_; }
  std::string certificatePath() const { return dir_ + "/cert.pem"; }
  // redis://[:password@]127.0.0.1:PORT
  std::string url() const;

  void kill();      // SIGKILL and reap (a crash); the port stays ours for restart()
  bool restart();   // starts again on the same port (empty: data is not kept)
  void freeze();    // SIGSTOP
  void thaw();      // SIGCONT
  std::string logText() const;

  // One command over a plain blocking socket (AUTH first when there is a password): the raw
  // RESP reply, "" on failure. For tests to check what the gateway stored.
  std::string command(const std::string& resp_command) const;
  // The same, framed from its arguments: ask({"GET", "k"}).
  std::string ask(std::initializer_list<std::string> args) const;

 private:
  bool start();
  Options options_;
  std::string dir_, log_path_, error_;
  std::uint16_t port_ = 0, tls_port_ = 0;
  pid_t pid_ = -1;
};

// The string of a bulk reply ("$3\r\nabc\r\n" -> "abc"); "" for nil or any other reply.
std::string bulkOf(const std::string& reply);

}  // namespace switchyard::test
