#pragma once
// A small blocking HTTP/1.1 client for integration tests. Every operation has a deadline; none
// can hang a test. One HttpClient is one connection (opened lazily, reopened after the server
// closes it), so consecutive requests reuse it (keep-alive) and `connects()` tells how many TCP
// connections were made.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace switchyard::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  unsigned status = 0;                         // 0: no response (see `error`)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;  // transport error text; empty on success

  bool has(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
  std::string header(const std::string& lower_name) const;  // "" when absent
  nlohmann::json json() const;                              // discarded value when not JSON
};

struct SseEvent {
  std::string data;  // the `data:` lines joined with '\n'
  std::chrono::steady_clock::time_point at;
  bool isDone() const { return data == "[DONE]"; }
  nlohmann::json json() const;  // discarded value when not JSON
};

struct StreamResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;
  std::vector<SseEvent> events;
  std::string raw_body;   // the decoded body bytes as received
  bool complete = false;  // the body ended cleanly (last chunk / EOF at Content-Length)
  std::string error;
  std::string header(const std::string& lower_name) const;
  bool sawDone() const { return !events.empty() && events.back().isDone(); }
  // Concatenated choices[0].delta.content (chat) or choices[0].text (completions).
  std::string content() const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void setTimeout(std::chrono::milliseconds t) { timeout_ = t; }

  // Sends one request and reads its response. Writing the body and reading the response run
  // concurrently, so an early answer (413 before the body is consumed) is still seen.
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = {}, const Headers& headers = {});
  HttpResponse get(const std::string& target, const Headers& headers = {}) {
    return request("GET", target, {}, headers);
  }
  HttpResponse post(const std::string& target, const nlohmann::json& body,
                    const Headers& headers = {}) {
    return request("POST", target, body.dump(), headers);
  }

  // Streaming: sends the request and reads the head. Then nextEvent() returns SSE events one by
  // one as they arrive (nullopt at end of body, on error or timeout).
  HttpResponse startStream(const std::string& target, const nlohmann::json& body,
                           const Headers& headers = {});
  std::optional<SseEvent> nextEvent(std::chrono::milliseconds timeout);
  bool streamComplete() const;
  // Reads the whole stream (startStream + nextEvent until the end).
  StreamResult stream(const std::string& target, const nlohmann::json& body,
                      const Headers& headers = {});

  // Raw access on the same connection (pipelining, malformed input).
  bool connect();
  bool sendRaw(const std::string& bytes);
  HttpResponse readResponse();  // one response from the connection
  // True when the server closes the connection (EOF or reset) within `timeout`; data received
  // meanwhile is discarded.
  bool waitClosed(std::chrono::milliseconds timeout);
  void close();
  bool isOpen() const;
  int connects() const { return connects_; }

 private:
  bool readSomeBody(std::chrono::steady_clock::time_point deadline);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::chrono::milliseconds timeout_{10000};
  int connects_ = 0;
};

// A raw POSIX TCP connection with deadlines, for byte-level abuse (slowloris, oversize heads).
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // False when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // Reads what arrives until `timeout` passes or the peer closes; returns the bytes.
  std::string receive(std::chrono::milliseconds timeout);
  // True when EOF/reset is observed within `timeout`.
  bool waitClosed(std::chrono::milliseconds timeout);
  bool peerClosed() const { return peer_closed_; }
  void close();

 private:
  int fd_ = -1;
  bool peer_closed_ = false;
};

// Minimal SSE splitter: feed bytes, get complete events.
class SseParser {
 public:
  std::vector<SseEvent> feed(const std::string& bytes);

 private:
  std::string pending_;
};

}  // namespace switchyard::test
