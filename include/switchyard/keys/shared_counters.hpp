#pragma once
// A virtual key's limits and budget, and those of the levels above it (team, team member, user,
// customer: docs/teams.md), counted across every gateway instance that shares one Redis
// (docs/multi-instance.md). One object per worker, on that worker's Redis client.
//
//   admit    one EVALSHA for every level of the request that limits it: a Lua script expires
//            the leases of instances that died, reads each level's requests in flight, this
//            minute's requests and tokens, spend and reservations (of its model too), checks
//            them in the order of keys::firstBroken, level after level, and when all pass takes
//            the slot, the request and the reservation on every level, atomically. The reply is
//            the usage before the request, so the message and x-ratelimit-* figures come from
//            keys::judge like on one instance. Each level's KeyEntry then counts this instance's
//            share (take) and adopts the shared spend.
//   finish   one EVALSHA in the background: frees the slot and the reservation, adds the cost to
//            the spend and the tokens to this minute, once (a lease no longer in flight is left
//            alone, so a finish sent twice counts once). A finish Redis did not answer is queued
//            (bounded) and sent again every half second until it is; so is a release of an
//            admit Redis did not answer (a frozen Redis may run it when it wakes up).
//
// Redis keys, per key hash T (`{T}` keeps one key's counters on one cluster slot; the levels
// above a key use sy:team:{id}, sy:member:{memberToken}, sy:user:{id}, sy:customer:{id} the same
// way; one script touches several levels' keys, so a Redis Cluster must be avoided):
//   sy:key:{T}:live                 zset of leases in flight, scored by their deadline (ms),
//                                   renewed while in flight (see kDefaultLeaseTtl)
//   sy:key:{T}:resv                 hash: reserved USD, "all" and "m:<model>"
//   sy:key:{T}:min:<minute>         hash: requests r, tokens t, r:<model>, t:<model> (2 min TTL)
//   sy:key:{T}:spend:<window end>   spend in the budget window (0: none), from the store's figure
//   sy:key:{T}:mspend:<end>:<model> the model's spend in its model_max_budget window
//
// When Redis does not answer within the client's timeout (or its breaker is open), admit()
// returns nullopt and the caller judges with this instance's counters: limits hold per instance
// until Redis answers again. Worker thread only.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "switchyard/keys/key_entry.hpp"
#include "switchyard/redis/value.hpp"

namespace switchyard::redis {
class Client;
}

namespace switchyard::keys {

struct SharedCounterStats {
  std::uint64_t admits = 0;          // judged by the shared counters
  std::uint64_t local_admits = 0;    // judged locally because Redis was out of reach
  std::uint64_t finish_retries = 0;  // finishes sent again
  std::uint64_t finish_dropped = 0;  // finishes dropped with the retry queue full
};

class SharedKeyCounters : public std::enable_shared_from_this<SharedKeyCounters> {
 public:
  // A lease expires this long after it was granted or last renewed: the instance renews its
  // leases in flight every lease_ttl / 3, so one that died (SIGKILL, a lost machine) frees its
  // slots and reservations for the others within lease_ttl (general_settings.instance_lease_ttl).
  static constexpr std::chrono::seconds kDefaultLeaseTtl{30};
  static constexpr std::size_t kMaxRetries = 10000;  // queued finishes

  explicit SharedKeyCounters(std::shared_ptr<redis::Client> client,
                             std::chrono::milliseconds lease_ttl = kDefaultLeaseTtl);
  std::chrono::milliseconds leaseTtl() const noexcept { return lease_ttl_; }

  // The shared verdict on `r` for `levels` (the key first, then the levels above it; at most
  // KeyLease::kMaxLevels; the caller keeps them alive until it resumes), and the lease to settle
  // when admitted. Only the levels that limit the request are judged in Redis; the others are
  // counted here. nullopt when Redis is out of reach or no level limits the request (judge
  // locally, admitAll). Budget windows that rolled over are in `result.resets`.
  struct Admitted {
    AdmitResult result;
    KeyLease lease;  // set when admitted
  };
  boost::asio::awaitable<std::optional<Admitted>> admit(
      std::span<const std::shared_ptr<KeyEntry>> levels, AdmitRequest r, SysClock::time_point now);

  // Settles a lease on the levels Redis judged, in the background (KeyLease calls it).
  // `lease_id` is the lease's member in Redis ("<id>|<reservation>|<model>").
  void finish(std::span<const KeyEntry* const> levels, std::string_view lease_id,
              std::string_view model, double cost, std::uint64_t tokens, SysClock::time_point now);

  const SharedCounterStats& stats() const noexcept { return stats_; }
  bool reachable() const noexcept { return reachable_; }
  const std::shared_ptr<redis::Client>& client() const noexcept { return client_; }

 private:
  // EVALSHA of the admit or the finish script (EVAL when Redis does not know it yet);
  // nullopt when Redis is out of reach or answers with an error.
  // `args` is EVALSHA's, with its name and SHA filled in here (the script's source instead
  // when Redis does not know it). `maybe_ran` (when given) is set on failure: the command was
  // sent, Redis may have run it.
  boost::asio::awaitable<std::optional<redis::Value>> eval(bool admit,
                                                           std::vector<std::string>& args,
                                                           bool* maybe_ran = nullptr);
  std::vector<std::string> finishArgs(std::span<const KeyEntry* const> levels,
                                      std::string_view lease_id, std::string_view model,
                                      double cost, std::uint64_t tokens, SysClock::time_point now);
  void queueRetry(std::vector<std::string> args);  // bounded; sent every 500 ms until taken
  static boost::asio::awaitable<void> sendFinish(std::shared_ptr<SharedKeyCounters> self,
                                                 std::vector<std::string> args);
  static boost::asio::awaitable<void> retryLoop(std::shared_ptr<SharedKeyCounters> self);
  // Every lease_ttl / 3 while leases are in flight: their deadlines pushed to now + lease_ttl.
  static boost::asio::awaitable<void> renewLoop(std::shared_ptr<SharedKeyCounters> self);
  void noteReachable(bool ok);

  std::shared_ptr<redis::Client> client_;
  const std::chrono::milliseconds lease_ttl_;
  // Leases in flight granted here: member -> its levels' live zsets (renewed by renewLoop).
  std::unordered_map<std::string, std::vector<std::string>> live_;
  bool renewing_ = false;
  std::string lease_prefix_;
  std::uint64_t next_lease_ = 0;
  std::deque<std::vector<std::string>> retries_;
  bool retrying_ = false;
  bool reachable_ = true;
  SharedCounterStats stats_;
};

}  // namespace switchyard::keys
