// SharedKeyCounters (shared_counters.hpp): a key's limits and budget in Redis, by Lua script.

#include "switchyard/keys/shared_counters.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <array>
#include <cstdio>
#include <random>

#include "switchyard/keys/key_settings.hpp"
#include "switchyard/redis/client.hpp"

namespace switchyard::keys {
namespace {

namespace asio = boost::asio;

// The rules of keys::firstBroken, in the same order, on every instance's counters. A limit given
// as "" is not set. Returns the verdict (0 admitted, else the Limit broken) and the usage before
// the request, as strings: in flight, requests, tokens, model requests, model tokens, spend,
// reserved, model spend, model reserved.
//
// KEYS: live zset, reservations hash, minute hash, spend, model spend
// ARGV: now ms, lease deadline ms, lease member, reservation, model, max_parallel, rpm, tpm,
//       model rpm, model tpm, max budget, model budget, start spend, start model spend ("": the
//       key has no budget for the model), spend ttl s, "1" to overwrite the spend with the start
constexpr std::string_view kAdmitScript = R"lua(
local now = tonumber(ARGV[1])
local model = ARGV[5]
local function num(v) return tonumber(v) or 0 end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, m in ipairs(dead) do
  local amount, mm = string.match(m, '^[^|]*|([^|]*)|(.*)$')
  amount = num(amount)
  if amount > 0 then
    redis.call('HINCRBYFLOAT', KEYS[2], 'all', -amount)
    redis.call('HINCRBYFLOAT', KEYS[2], 'm:' .. mm, -amount)
  end
end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
local function start(key, value)
  local v = redis.call('GET', key)
  if v == false or ARGV[16] == '1' then
    redis.call('SET', key, value, 'EX', ARGV[15])
    return num(value)
  end
  return num(v)
end
local live = redis.call('ZCARD', KEYS[1])
local mh = redis.call('HMGET', KEYS[3], 'r', 't', 'r:' .. model, 't:' .. model)
local rs = redis.call('HMGET', KEYS[2], 'all', 'm:' .. model)
local spend = start(KEYS[4], ARGV[13])
local mspend = 0
if ARGV[14] ~= '' then mspend = start(KEYS[5], ARGV[14]) end
local u = {live, num(mh[1]), num(mh[2]), num(mh[3]), num(mh[4]),
           spend, math.max(0, num(rs[1])), mspend, math.max(0, num(rs[2]))}
local function over(limit, used) return limit ~= '' and used >= tonumber(limit) end
local verdict = 0
if over(ARGV[6], u[1]) then verdict = 1
elseif over(ARGV[7], u[2]) then verdict = 2
elseif over(ARGV[8], u[3]) then verdict = 3
elseif over(ARGV[9], u[4]) then verdict = 4
elseif over(ARGV[10], u[5]) then verdict = 5
elseif over(ARGV[11], u[6] + u[7]) then verdict = 6
elseif over(ARGV[12], u[8] + u[9]) then verdict = 7 end
if verdict == 0 then
  local ttl = tonumber(ARGV[2]) - now + 60000
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('HINCRBY', KEYS[3], 'r', 1)
  redis.call('HINCRBY', KEYS[3], 'r:' .. model, 1)
  redis.call('EXPIRE', KEYS[3], 120)
  local reservation = num(ARGV[4])
  if reservation > 0 then
    redis.call('HINCRBYFLOAT', KEYS[2], 'all', reservation)
    redis.call('HINCRBYFLOAT', KEYS[2], 'm:' .. model, reservation)
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
local out = {tostring(verdict)}
for i = 1, 5 do out[i + 1] = tostring(u[i]) end
for i = 6, 9 do out[i + 1] = string.format('%.17g', u[i]) end
return out
)lua";

// Settles one lease: frees its slot and reservation, adds the cost to the spend (started from the
// given figures when the counter is gone) and the tokens to this minute. Only once: a lease no
// longer in flight (settled already by a finish whose reply was lost, or expired) is left alone,
// so a finish sent again never counts twice.
//
// KEYS: live zset, reservations hash, minute hash, spend, model spend
// ARGV: lease member ("<id>|<reservation>|<model>"), cost, tokens, start spend, start model
//       spend ("": none), spend ttl s
constexpr std::string_view kFinishScript = R"lua(
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local reservation, model = string.match(ARGV[1], '^[^|]*|([^|]*)|(.*)$')
reservation = tonumber(reservation) or 0
if reservation > 0 then
  redis.call('HINCRBYFLOAT', KEYS[2], 'all', -reservation)
  redis.call('HINCRBYFLOAT', KEYS[2], 'm:' .. model, -reservation)
end
local cost = tonumber(ARGV[2]) or 0
if cost > 0 then
  if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('SET', KEYS[4], ARGV[4]) end
  redis.call('INCRBYFLOAT', KEYS[4], cost)
  redis.call('EXPIRE', KEYS[4], ARGV[6])
  if ARGV[5] ~= '' then
    if redis.call('EXISTS', KEYS[5]) == 0 then redis.call('SET', KEYS[5], ARGV[5]) end
    redis.call('INCRBYFLOAT', KEYS[5], cost)
    redis.call('EXPIRE', KEYS[5], ARGV[6])
  end
end
local tokens = tonumber(ARGV[3]) or 0
if tokens > 0 then
  redis.call('HINCRBY', KEYS[3], 't', tokens)
  redis.call('HINCRBY', KEYS[3], 't:' .. model, tokens)
  redis.call('EXPIRE', KEYS[3], 120)
end
return 1
)lua";

std::string sha1Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha1(), nullptr);
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; ++i) {
    hex += kDigits[md[i] >> 4];
    hex += kDigits[md[i] & 15];
  }
  return hex;
}

const std::string& shaOf(bool admit) {
  static const std::string admit_sha = sha1Hex(kAdmitScript);
  static const std::string finish_sha = sha1Hex(kFinishScript);
  return admit ? admit_sha : finish_sha;
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string limitArg(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : std::string();
}
template <class Map>
std::string modelLimitArg(const Map& limits, std::string_view model) {
  auto it = limits.find(model);
  return it == limits.end() ? std::string() : std::to_string(it->second);
}
std::int64_t msOf(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The Redis keys of one key's counters (see the header), in the scripts' KEYS order.
std::vector<std::string> keysOf(const std::string& token, std::int64_t now_ms,
                                const SpendStart& s, std::string_view model) {
  std::string base = "sy:key:{" + token + "}:";
  std::int64_t minute = now_ms / 60000;
  return {base + "live", base + "resv", base + "min:" + std::to_string(minute),
          base + "spend:" + std::to_string(s.window),
          base + "mspend:" + std::to_string(s.model_window) + ":" + std::string(model)};
}
// Seconds a spend counter lives: a day past its window's end, else 30 days after its last use
// (then the next request starts it again from the store's figure).
std::string spendTtl(const SpendStart& s, std::int64_t now_ms) {
  std::int64_t end = std::max(s.window, s.model_window);
  std::int64_t ttl = end > now_ms ? (end - now_ms) / 1000 + 86400 : 30 * 86400;
  return std::to_string(ttl);
}

// EVALSHA <sha> of the admit script: its KEYS and ARGV for request `r` (a plain function: GCC 12
// mishandles braced lists inside coroutines).
std::vector<std::string> admitArgs(const SpendStart& s, const AdmitRequest& r, std::int64_t now_ms,
                                   const std::string& member, std::chrono::milliseconds lease_ttl) {
  const KeySettings& row = *s.row;
  std::int64_t deadline = now_ms + lease_ttl.count();
  auto mb = row.modelMaxBudget().find(r.model);
  std::vector<std::string> args{"EVALSHA", "", "5"};
  for (std::string& k : keysOf(row.token, now_ms, s, r.model)) args.push_back(std::move(k));
  for (std::string a : {std::to_string(now_ms), std::to_string(deadline), member,
                        number(r.reservation), std::string(r.model),
                        limitArg(row.max_parallel_requests), limitArg(row.rpm_limit),
                        limitArg(row.tpm_limit), modelLimitArg(row.modelRpmLimit(), r.model),
                        modelLimitArg(row.modelTpmLimit(), r.model),
                        row.max_budget ? number(*row.max_budget) : std::string(),
                        mb != row.modelMaxBudget().end() ? number(mb->second.budget_limit)
                                                          : std::string(),
                        number(s.spend), s.model_spend ? number(*s.model_spend) : std::string(),
                        spendTtl(s, now_ms), std::string(s.overwrite ? "1" : "0")}) {
    args.push_back(std::move(a));
  }
  return args;
}

std::optional<double> toNumber(const redis::Value& v) {
  if (v.type != redis::Value::Type::kString) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(v.str.c_str(), &end);
  if (end == v.str.c_str()) return std::nullopt;
  return d;
}

}  // namespace

SharedKeyCounters::SharedKeyCounters(std::shared_ptr<redis::Client> client,
                                     std::chrono::milliseconds lease_ttl)
    : client_(std::move(client)), lease_ttl_(std::max(lease_ttl, std::chrono::milliseconds(300))) {
  std::random_device rd;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08x%08x-", rd(), rd());
  lease_prefix_ = buf;
}

asio::awaitable<std::optional<redis::Value>> SharedKeyCounters::eval(
    bool admit, std::vector<std::string>& args, bool* maybe_ran) {
  std::chrono::milliseconds timeout = client_->settings().timeout;
  // args: EVALSHA <sha> 5 keys... argv...
  args[0] = "EVALSHA";
  args[1] = shaOf(admit);
  auto r = co_await client_->call(args, timeout);
  if (r && r->isError() && r->str.starts_with("NOSCRIPT")) {  // a new or restarted Redis
    args[0] = "EVAL";
    args[1] = std::string(admit ? kAdmitScript : kFinishScript);
    r = co_await client_->call(args, timeout);
  }
  if (r && r->isError()) {  // e.g. -READONLY, -OOM: as good as out of reach (logged once)
    if (reachable_) spdlog::error("shared counters: Redis answered {}", r->str);
    noteReachable(false);
    co_return std::nullopt;
  }
  noteReachable(r.has_value());
  if (!r) {
    if (maybe_ran) *maybe_ran = r.error().code != redis::Client::kNotSent;
    co_return std::nullopt;
  }
  co_return std::move(*r);
}

void SharedKeyCounters::noteReachable(bool ok) {
  if (ok == reachable_) return;
  reachable_ = ok;
  if (ok) {
    spdlog::info("shared counters: Redis answers again; key limits and budgets are shared");
  } else {
    spdlog::warn("shared counters: Redis out of reach; key limits and budgets are enforced by "
                 "this instance alone until it answers");
  }
}

asio::awaitable<std::optional<SharedKeyCounters::Admitted>> SharedKeyCounters::admit(
    std::shared_ptr<KeyEntry> key, AdmitRequest r, SysClock::time_point now) {
  AdmitResult resets;
  SpendStart s = key->spendStart(r.model, now, resets);
  const KeySettings& row = *s.row;
  std::string lease_id = lease_prefix_ + std::to_string(++next_lease_);
  std::string member = lease_id + "|" + number(r.reservation) + "|" + std::string(r.model);
  std::vector<std::string> args = admitArgs(s, r, msOf(now), member, lease_ttl_);
  bool maybe_ran = false;
  std::optional<redis::Value> v = co_await eval(true, args, &maybe_ran);
  if (!v || v->type != redis::Value::Type::kArray || v->elements.size() != 10) {
    ++stats_.local_admits;
    // Sent but unanswered: Redis may still run it (a frozen Redis wakes up) and hold a slot and
    // a reservation for nobody. Release it when Redis answers again (a no-op if it never ran).
    if (maybe_ran && retries_.size() < kMaxRetries / 2) {
      std::vector<std::string> release = finishArgs(*key, member, r.model, 0, 0, now);
      queueRetry(std::move(release));
    }
    co_return std::nullopt;
  }
  std::array<double, 10> f{};
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = toNumber(v->elements[i]).value_or(0);
  ++stats_.admits;
  if (s.overwrite) key->spendOverwritten();
  Usage u{.in_flight = static_cast<std::int64_t>(f[1]),
          .requests = static_cast<std::int64_t>(f[2]),
          .tokens = static_cast<std::int64_t>(f[3]),
          .model_requests = static_cast<std::int64_t>(f[4]),
          .model_tokens = static_cast<std::int64_t>(f[5]),
          .spend = f[6],
          .reserved = f[7],
          .model_spend = f[8],
          .model_reserved = f[9]};
  auto broken = static_cast<Limit>(static_cast<int>(f[0]));
  Admitted out{judge(row, r.model, u, broken, now), {}};
  out.result.resets = std::move(resets.resets);
  std::optional<double> model_spend;
  if (s.model_spend) model_spend = u.model_spend;
  key->adoptSpend(u.spend, model_spend, r.model);
  if (out.result.verdict == Verdict::kAdmitted) {
    key->take(r, now);
    live_.emplace(member, "sy:key:{" + row.token + "}:live");
    if (!renewing_) {
      renewing_ = true;
      asio::co_spawn(client_->executor(), renewLoop(shared_from_this()), asio::detached);
    }
    out.lease = KeyLease(std::move(key), std::string(r.model), r.reservation, shared_from_this(),
                         std::move(member));
  }
  co_return out;
}

void SharedKeyCounters::finish(const KeyEntry& key, std::string_view lease_id,
                               std::string_view model, double cost, std::uint64_t tokens,
                               SysClock::time_point now) {
  live_.erase(std::string(lease_id));
  std::vector<std::string> args = finishArgs(key, lease_id, model, cost, tokens, now);
  // The coroutine owns a reference: the counters outlive the generation that settled the lease.
  asio::co_spawn(client_->executor(), sendFinish(shared_from_this(), std::move(args)),
                 asio::detached);
}

std::vector<std::string> SharedKeyCounters::finishArgs(const KeyEntry& key,
                                                       std::string_view lease_id,
                                                       std::string_view model, double cost,
                                                       std::uint64_t tokens,
                                                       SysClock::time_point now) {
  SpendStart s = key.spendNow(model);
  std::int64_t now_ms = msOf(now);
  // The spend before this cost (the entry already counts it): where a lost counter restarts.
  double start = std::max(0.0, s.spend - cost);
  std::optional<double> model_start;
  if (s.model_spend) model_start = std::max(0.0, *s.model_spend - cost);
  std::vector<std::string> args{"EVALSHA", "", "5"};
  for (std::string& k : keysOf(s.row->token, now_ms, s, model)) args.push_back(std::move(k));
  for (std::string a : {std::string(lease_id), number(cost), std::to_string(tokens), number(start),
                        model_start ? number(*model_start) : std::string(),
                        spendTtl(s, now_ms)}) {
    args.push_back(std::move(a));
  }
  return args;
}

void SharedKeyCounters::queueRetry(std::vector<std::string> args) {
  if (retries_.size() >= kMaxRetries) {
    retries_.pop_front();
    ++stats_.finish_dropped;
  }
  retries_.push_back(std::move(args));
  if (!retrying_) {
    retrying_ = true;
    asio::co_spawn(client_->executor(), retryLoop(shared_from_this()), asio::detached);
  }
}

asio::awaitable<void> SharedKeyCounters::sendFinish(std::shared_ptr<SharedKeyCounters> self,
                                                    std::vector<std::string> args) {
  std::optional<redis::Value> v = co_await self->eval(false, args);
  if (!v) self->queueRetry(std::move(args));  // sent again: the finish script runs once only
}

asio::awaitable<void> SharedKeyCounters::retryLoop(std::shared_ptr<SharedKeyCounters> self) {
  asio::steady_timer timer(self->client_->executor());
  while (!self->retries_.empty()) {
    timer.expires_after(std::chrono::milliseconds(500));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    while (!self->retries_.empty()) {
      // Out of the queue while in flight (the queue may drop its oldest meanwhile).
      std::vector<std::string> args = std::move(self->retries_.front());
      self->retries_.pop_front();
      ++self->stats_.finish_retries;
      if (!co_await self->eval(false, args)) {
        self->retries_.push_front(std::move(args));
        break;
      }
    }
  }
  self->retrying_ = false;
}

asio::awaitable<void> SharedKeyCounters::renewLoop(std::shared_ptr<SharedKeyCounters> self) {
  asio::steady_timer timer(self->client_->executor());
  while (!self->live_.empty()) {
    timer.expires_after(self->lease_ttl_ / 3);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    // One ZADD XX per key (only leases still there move: a settled one is not added back).
    const std::int64_t deadline = msOf(SysClock::now()) + self->lease_ttl_.count();
    std::unordered_map<std::string, std::vector<std::string>> by_key;
    for (const auto& [member, live] : self->live_) {
      auto& args = by_key[live];
      if (args.empty()) args = {"ZADD", live, "XX"};
      args.push_back(std::to_string(deadline));
      args.push_back(member);
    }
    for (auto& [live, args] : by_key) {
      (void)co_await self->client_->call(args, self->client_->settings().timeout);
      const std::vector<std::string> expire{"PEXPIRE", live,
                                            std::to_string(self->lease_ttl_.count() + 60000)};
      (void)co_await self->client_->call(expire, self->client_->settings().timeout);
    }
  }
  self->renewing_ = false;
}

}  // namespace switchyard::keys
