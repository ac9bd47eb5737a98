#pragma once
// The process: N workers (one io_context and thread each), an acceptor that deals connections
// round-robin, signal handling (SIGTERM/SIGINT drain, SIGHUP reload). docs/design.md §1.

#include <cstdint>
#include <memory>
#include <string>

#include "switchyard/config/config.hpp"

namespace switchyard::server {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 4000;
  unsigned workers = 0;  // 0: the number of cores
  std::string config_path;
};

class Server {
 public:
  Server(ServerOptions opts, config::LoadResult initial);
  ~Server();
  // Binds, prints the listening line, serves until a drain completes. Returns the exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::server
