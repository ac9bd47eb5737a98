#pragma once
// One connection to Redis on one executor (a worker's io_context; never shared across threads).
//
//   open(deadline)  TCP connect (TLS handshake for rediss://), AUTH, SELECT: all by `deadline`,
//                   else the connection is closed and the error returned.
//   call(args, deadline)
//                   appends the command behind those in flight (pipelined: one write carries
//                   every command queued meanwhile) and waits for its reply until `deadline`.
//                   A reply that does not come in time closes the connection: the calls in
//                   flight behind it fail at once (kUnavailable) instead of each waiting for its
//                   own deadline behind a Redis that stopped answering.
//   close(why)      fails every call in flight with `why`; the connection is not usable again.
//   setPushHandler  pub/sub: messages of the channels subscribed to go to a handler.
//
// A Redis error reply (-ERR ...) is a Value of type kError, not a failure of the connection.
// Bounded: max_reply_bytes per reply; the write buffer holds only what callers are waiting for.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/api/error.hpp"
#include "switchyard/redis/settings.hpp"
#include "switchyard/redis/value.hpp"

namespace boost::asio::ssl {
class context;
}

namespace switchyard::redis {

using Clock = std::chrono::steady_clock;

// The api::Error::code of a failed call by its kind (ClientStats counts them): no reply, or no
// connection, by the deadline; a reply that could not be read, or that nobody asked for; the
// caller went away. Any other failure (refused, lost or unwritable link, AUTH or SELECT refused)
// has no code.
inline constexpr std::string_view kTimedOutCode = "redis_timeout";
inline constexpr std::string_view kBadReplyCode = "redis_protocol";
inline constexpr std::string_view kCancelledCode = "redis_cancelled";

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: the client's TLS context (rediss://), outliving the connection; null for plain TCP.
  static std::shared_ptr<Connection> make(boost::asio::any_io_executor ex, const Settings& s,
                                          boost::asio::ssl::context* tls);
  virtual ~Connection() = default;

  virtual boost::asio::awaitable<api::Result<void>> open(Clock::time_point deadline) = 0;
  // `args` are framed before the first suspension; they must outlive the call all the same.
  virtual boost::asio::awaitable<api::Result<Value>> call(std::span<const std::string> args,
                                                          Clock::time_point deadline) = 0;
  virtual void close(const api::Error& why) = 0;
  // Subscriber mode: the messages of SUBSCRIBE (arrays whose first element is "message" or
  // "pmessage") go to `handler` instead of a waiting caller. Set before SUBSCRIBE is sent.
  virtual void setPushHandler(std::function<void(Value&&)> handler) = 0;
  virtual bool usable() const noexcept = 0;  // opened and not closed
};

}  // namespace switchyard::redis
