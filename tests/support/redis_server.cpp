// RedisServer (redis_server.hpp).

#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway_process.hpp"

namespace switchyard::test {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

std::uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// A blocking connection to 127.0.0.1:port with 1 s timeouts; -1 when refused.
int connectTo(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `req`, reads one reply line or bulk (enough for the tests' small replies).
std::string roundTrip(int fd, const std::string& req) {
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    return "";
  }
  std::string out;
  char buf[4096];
  const auto deadline = Clock::now() + Millis(1000);
  while (Clock::now() < deadline) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() >= 2 && out.ends_with("\r\n")) {
      // A bulk string: wait for its body too.
      if (out[0] == '$' && out != "$-1\r\n") {
        std::size_t head = out.find("\r\n");
        long len = std::stol(out.substr(1, head - 1));
        if (out.size() < head + 2 + static_cast<std::size_t>(len) + 2) continue;
      }
      break;
    }
  }
  return out;
}

std::string resp(std::initializer_list<std::string> args) {
  std::string s = "*";
  s.append(std::to_string(args.size())).append("\r\n");
  for (const std::string& a : args) {
    s.append("$").append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
  }
  return s;
}

}  // namespace

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
  dir_ = makeTempDir();
  log_path_ = dir_ + "/redis.log";
  if (options_.tls) {
    std::string err;
    pid_t p = spawnProcess("/usr/bin/openssl",
                           {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", dir_ + "/key.pem", "-out", certificatePath()},
                           {}, dir_ + "/openssl.out", dir_ + "/openssl.err", err);
    if (p <= 0 || reapProcess(p, Millis(20000)).value_or(-1) != 0) {
      error_ = "openssl could not make a certificate: " + err;
      return;
    }
  }
  for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) {
    port_ = freePort();
    if (options_.tls) tls_port_ = freePort();
    start();
  }
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    kill();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool RedisServer::start() {
  std::vector<std::string> args{"--port",       std::to_string(port_), "--bind", "127.0.0.1",
                                "--save",       "",                     "--appendonly", "no",
                                "--dir",        dir_,                   "--daemonize", "no",
                                "--logfile",    log_path_};
  if (options_.tls) {
    for (std::string a : {std::string("--tls-port"), std::to_string(tls_port_),
                          std::string("--tls-cert-file"), certificatePath(),
                          std::string("--tls-key-file"), dir_ + "/key.pem",
                          std::string("--tls-ca-cert-file"), certificatePath(),
                          std::string("--tls-auth-clients"), std::string("no")}) {
      args.push_back(std::move(a));
    }
  }
  if (!options_.password.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.password);
  }
  pid_ = spawnProcess("/usr/bin/redis-server", args, {}, dir_ + "/stdout", dir_ + "/stderr", error_);
  if (pid_ <= 0) return false;
  const auto deadline = Clock::now() + Millis(5000);
  while (Clock::now() < deadline) {
    if (reapProcess(pid_, Millis(0))) {  // exited: port taken, or a bad option
      error_ = "redis-server exited: " + logText();
      pid_ = -1;
      return false;
    }
    if (command(resp({"PING"})) == "+PONG\r\n") return true;
    std::this_thread::sleep_for(Millis(10));
  }
  error_ = "redis-server did not answer PING within 5 s: " + logText();
  kill();
  return false;
}

std::string RedisServer::url() const {
  std::string url = "redis://";
  if (!options_.password.empty()) url.append(":").append(options_.password).append("@");
  url.append("127.0.0.1:").append(std::to_string(port_));
  return url;
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reapProcess(pid_, Millis(5000));
  pid_ = -1;
}

bool RedisServer::restart() {
  kill();
  return start();
}

void RedisServer::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string RedisServer::logText() const { return readFile(log_path_) + readFile(dir_ + "/stderr"); }

std::string RedisServer::ask(std::initializer_list<std::string> args) const {
  return command(resp(args));
}

std::string bulkOf(const std::string& reply) {
  if (!reply.starts_with("$") || reply == "$-1\r\n") return "";
  std::size_t head = reply.find("\r\n");
  return reply.substr(head + 2, reply.size() - head - 4);
}

std::string RedisServer::command(const std::string& resp_command) const {
  int fd = connectTo(port_);
  if (fd < 0) return "";
  std::string out;
  if (!options_.password.empty() &&
      roundTrip(fd, resp({"AUTH", options_.password})) != "+OK\r\n") {
    ::close(fd);
    return "";
  }
  out = roundTrip(fd, resp_command);
  ::close(fd);
  return out;
}

}  // namespace switchyard::test
