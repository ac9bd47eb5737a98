#pragma once
// HTTP/1.1 client to providers: pooled keep-alive connections per (scheme, host, port), TLS with
// certificate and host-name verification and SNI. One Transport per worker: it is used only from
// that worker's thread, so the pool needs no locks (Envoy's per-worker connection pools).
//
// Beast and Asio stay out of this header; the implementation owns them.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/api/exchange.hpp"
#include "switchyard/providers/url.hpp"

namespace switchyard::providers {

struct TlsOptions {
  bool verify = true;   // certificate chain + host name
  std::string ca_file;  // empty: the system's default paths
  bool operator==(const TlsOptions&) const = default;
};

struct UpstreamRequest {
  std::string method = "POST";
  std::string target;                // path + query, e.g. "/v1/chat/completions"
  std::vector<api::Header> headers;  // besides Host, Content-Length, Connection
  std::string body;
  // Sent instead of `body` when set: bytes that outlive the call (the exchange's request text),
  // not copied.
  std::string_view borrowed_body;
  std::string_view payload() const noexcept {
    return borrowed_body.data() != nullptr ? borrowed_body : std::string_view(body);
  }
};

struct UpstreamResponse {
  unsigned status = 0;
  std::vector<api::Header> headers;  // names lower-cased
  std::string body;
  std::string_view header(std::string_view lower_name) const noexcept;
};

// A response whose head has been read and whose body is read piece by piece.
// Destroying it before the body ended closes the connection (this cancels the upstream request);
// after a clean end a keep-alive connection goes back to the pool.
class UpstreamStream {
 public:
  virtual ~UpstreamStream() = default;
  virtual unsigned status() const noexcept = 0;
  virtual std::string_view header(std::string_view lower_name) const noexcept = 0;
  // Next body bytes (chunked decoding done); nullopt at the end of the body. `idle_timeout`
  // bounds the wait for them. Errors: kUpstreamTimeout, kUpstreamError.
  virtual boost::asio::awaitable<api::Result<std::optional<std::string>>> read(
      std::chrono::steady_clock::duration idle_timeout) = 0;
  // Reads the rest of the body (bounded by `max_bytes`): for error bodies.
  virtual boost::asio::awaitable<api::Result<std::string>> readAll(
      std::chrono::steady_clock::duration timeout, std::size_t max_bytes) = 0;
};

class Transport : public std::enable_shared_from_this<Transport> {
 public:
  struct Options {
    TlsOptions tls;
    std::size_t max_idle_per_origin = 256;
    std::chrono::seconds idle_keepalive{30};     // pooled connections older than this are dropped
    std::size_t max_response_bytes = 64u << 20;  // bound on a buffered body
  };
  static std::shared_ptr<Transport> create(boost::asio::any_io_executor ex, Options opts);
  virtual ~Transport() = default;

  const Options& options() const noexcept { return opts_; }

  // Sends `req` and reads the whole response. `timeout` bounds the whole exchange (connect
  // included). Errors: kUpstreamTimeout on timeout, kUpstreamError on connect/TLS/protocol
  // failure or a body over max_response_bytes. Never throws.
  virtual boost::asio::awaitable<api::Result<UpstreamResponse>> send(
      const Url& url, const UpstreamRequest& req, std::chrono::steady_clock::duration timeout) = 0;

  // Sends `req` and returns once the response head has arrived (within `first_byte_timeout`).
  virtual boost::asio::awaitable<api::Result<std::unique_ptr<UpstreamStream>>> open(
      const Url& url, const UpstreamRequest& req,
      std::chrono::steady_clock::duration first_byte_timeout) = 0;

  // Idle pooled connections (tests, metrics).
  virtual std::size_t idleConnections() const noexcept = 0;

 protected:
  explicit Transport(Options opts) : opts_(std::move(opts)) {}
  Options opts_;
};

}  // namespace switchyard::providers
