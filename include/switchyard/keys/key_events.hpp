#pragma once
// Key changes told to every instance over Redis pub/sub (docs/multi-instance.md#keys).
//
// An admin route that changed a key in the store (generate, update, block, unblock, delete,
// regenerate) publishes the key's hash on the channel `switchyard:keys`; every other instance
// that holds the key rereads it from the store (KeyLoader::refresh), so the change takes effect
// there within a Redis round trip and a store read (well under a second).
//
//   subscriber   one connection on `ex`, SUBSCRIBEd, PINGed every ping_every (a frozen Redis is
//                noticed within ping_timeout); lost or refused, it reconnects with backoff.
//                While it is down the loader is told so (KeyLoader::setChannelUp(false)): loaded
//                keys are then reread when older than the loader's refresh_after, the bound on a
//                change reaching this instance without Redis. When it is back, every loaded key
//                is marked stale (messages sent meanwhile are lost).
//   publish()    thread-safe, never blocks: the message is queued (bounded) and sent on `ex`
//                through a client of its own; a PUBLISH Redis did not take is sent again every
//                retry_every until it is, or dropped after max_age (counted).
//
// Messages: "<instance id> <op> <token hash>", op "k" (reread the key) or "s" (reread it, and
// its stored spend replaces the live one: an admin set the spend). The levels above keys
// (docs/teams.md) travel the same way: op "t" / "u" / "c" / "b" with a team, user, customer or
// budget id (upper case: the stored spend replaces the live one); the handler set by
// onLevel() rereads them. An instance ignores its own messages.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "switchyard/redis/settings.hpp"
#include "switchyard/store/records.hpp"

namespace switchyard::keys {

class KeyLoader;

struct KeyEventsOptions {
  std::string channel = "switchyard:keys";
  std::chrono::milliseconds ping_every{2000}, ping_timeout{1000};
  std::chrono::milliseconds backoff_initial{200}, backoff_max{5000};
  std::chrono::milliseconds retry_every{500}, max_age{30000};
  std::size_t max_queued = 10000;
};

struct KeyEventStats {
  std::uint64_t published = 0, received = 0, dropped = 0, resubscribed = 0;
  bool subscribed = false;
};

class KeyEvents {
 public:
  KeyEvents(boost::asio::any_io_executor ex, redis::Settings settings, KeyLoader& loader,
            KeyEventsOptions options = {});
  ~KeyEvents();  // stop()
  KeyEvents(const KeyEvents&) = delete;
  KeyEvents& operator=(const KeyEvents&) = delete;

  void start();  // the subscriber and the publisher, on the executor
  void stop();   // ends both (the executor must still run for them to finish)

  // Tells the other instances that the key `token_hex` changed in the store.
  void publish(std::string_view token_hex, bool spend_set = false);
  // The same for a team (its members included), a user or a customer; and a budget object.
  void publishLevel(store::Level level, std::string_view id, bool spend_set = false);
  void publishBudget(std::string_view budget_id);
  // What to do with a level's message: (op, id) with op 't', 'u', 'c', 'b' (upper case: spend
  // set). Set before start(); called on the executor.
  using LevelHandler = std::function<void(char op, std::string_view id)>;
  void onLevel(LevelHandler handler);

  KeyEventStats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace switchyard::keys
