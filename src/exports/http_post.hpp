#pragma once
// A blocking HTTP/1.1 POST with a deadline, for the exporter threads (never a worker thread).
// The connection is kept between posts (a kept connection the server closed meanwhile is
// replaced once, at once); a host name is looked up at most once a minute, an IP address never;
// https verifies the peer against the system's CAs and the host name. One poster per thread.
// Private to the exports module.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "switchyard/providers/url.hpp"

namespace switchyard::exports {

class HttpPoster {
 public:
  struct Result {
    unsigned status = 0;  // 0: no answer (refused, reset, timed out); `error` says which
    std::string error;
    bool ok() const noexcept { return status >= 200 && status < 300; }
  };

  // `headers`: sent with every post (names lower-case; values may be secrets: never logged).
  HttpPoster(providers::Url url, std::map<std::string, std::string> headers);
  ~HttpPoster();

  // POSTs `body`; everything (resolve, connect, TLS, write, read) within `timeout`, and given up
  // as soon as `stop_at` (steady-clock nanoseconds; 0: none) passes, so that a shutdown does not
  // wait for a hanging endpoint.
  Result post(const std::string& content_type, std::string body, std::chrono::milliseconds timeout,
              const std::atomic<std::int64_t>* stop_at = nullptr);

  const providers::Url& url() const noexcept { return url_; }

 private:
  struct Impl;
  providers::Url url_;
  std::map<std::string, std::string> headers_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::exports
