// SharedKeyCounters (shared_counters.hpp): a key's limits and budget in Redis, by Lua script.

#include "switchyard/keys/shared_counters.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <random>
#include <span>

#include "clock.hpp"
#include "switchyard/keys/key_settings.hpp"
#include "switchyard/redis/client.hpp"

namespace switchyard::keys {
namespace {

namespace asio = boost::asio;

// The rules of keys::firstBroken, in the same order, on every instance's counters, for each level
// of the request in turn (the key, then the levels above it that limit it): the request is taken
// on every level or on none. A limit given as "" is not set. Returns the verdict (0 admitted,
// else the Limit broken), the 1-based index of the level that broke it (0: none), then per level
// the usage before the request, as strings: in flight, requests, tokens, model requests, model
// tokens, spend, reserved, model spend, model reserved.
//
// KEYS, 5 per level: live zset, reservations hash, minute hash, spend, model spend
// ARGV: now ms, lease deadline ms, lease member, reservation, model, number of levels; then 11
//       per level: max_parallel, rpm, tpm, model rpm, model tpm, max budget, model budget,
//       start spend, start model spend ("": the level has no budget for the model), spend ttl s,
//       "1" to overwrite the spend with the start
constexpr std::string_view kAdmitScript = R"lua(
local now = tonumber(ARGV[1])
local model = ARGV[5]
local n = tonumber(ARGV[6])
local function num(v) return tonumber(v) or 0 end
local function over(limit, used) return limit ~= '' and used >= tonumber(limit) end
local out = {'0', '0'}
local verdict, refused = 0, 0
for l = 0, n - 1 do
  local k, a = l * 5, 6 + l * 11
  local dead = redis.call('ZRANGEBYSCORE', KEYS[k + 1], '-inf', now)
  for _, m in ipairs(dead) do
    local amount, mm = string.match(m, '^[^|]*|([^|]*)|(.*)$')
    amount = num(amount)
    if amount > 0 then
      redis.call('HINCRBYFLOAT', KEYS[k + 2], 'all', -amount)
      redis.call('HINCRBYFLOAT', KEYS[k + 2], 'm:' .. mm, -amount)
    end
  end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now) end
  local function start(key, value)
    local v = redis.call('GET', key)
    if v == false or ARGV[a + 11] == '1' then
      redis.call('SET', key, value, 'EX', ARGV[a + 10])
      return num(value)
    end
    return num(v)
  end
  local live = redis.call('ZCARD', KEYS[k + 1])
  local mh = redis.call('HMGET', KEYS[k + 3], 'r', 't', 'r:' .. model, 't:' .. model)
  local rs = redis.call('HMGET', KEYS[k + 2], 'all', 'm:' .. model)
  local spend = start(KEYS[k + 4], ARGV[a + 8])
  local mspend = 0
  if ARGV[a + 9] ~= '' then mspend = start(KEYS[k + 5], ARGV[a + 9]) end
  local u = {live, num(mh[1]), num(mh[2]), num(mh[3]), num(mh[4]),
             spend, math.max(0, num(rs[1])), mspend, math.max(0, num(rs[2]))}
  if verdict == 0 then
    if over(ARGV[a + 1], u[1]) then verdict = 1
    elseif over(ARGV[a + 2], u[2]) then verdict = 2
    elseif over(ARGV[a + 3], u[3]) then verdict = 3
    elseif over(ARGV[a + 4], u[4]) then verdict = 4
    elseif over(ARGV[a + 5], u[5]) then verdict = 5
    elseif over(ARGV[a + 6], u[6] + u[7]) then verdict = 6
    elseif over(ARGV[a + 7], u[8] + u[9]) then verdict = 7 end
    if verdict ~= 0 then refused = l + 1 end
  end
  for i = 1, 5 do out[#out + 1] = tostring(u[i]) end
  for i = 6, 9 do out[#out + 1] = string.format('%.17g', u[i]) end
end
if verdict == 0 then
  local ttl = tonumber(ARGV[2]) - now + 60000
  local reservation = num(ARGV[4])
  for l = 0, n - 1 do
    local k = l * 5
    redis.call('ZADD', KEYS[k + 1], ARGV[2], ARGV[3])
    redis.call('PEXPIRE', KEYS[k + 1], ttl)
    redis.call('HINCRBY', KEYS[k + 3], 'r', 1)
    redis.call('HINCRBY', KEYS[k + 3], 'r:' .. model, 1)
    redis.call('EXPIRE', KEYS[k + 3], 120)
    if reservation > 0 then
      redis.call('HINCRBYFLOAT', KEYS[k + 2], 'all', reservation)
      redis.call('HINCRBYFLOAT', KEYS[k + 2], 'm:' .. model, reservation)
      redis.call('PEXPIRE', KEYS[k + 2], ttl)
    end
  end
end
out[1] = tostring(verdict)
out[2] = tostring(refused)
return out
)lua";

// Settles one lease on each of its levels: frees its slot and reservation, adds the cost to the
// spend (started from the given figures when the counter is gone) and the tokens to this minute.
// Only once per level: a level where the lease is no longer in flight (settled already by a
// finish whose reply was lost, or expired) is left alone, so a finish sent again never counts
// twice. Returns how many levels it settled.
//
// KEYS, 5 per level: live zset, reservations hash, minute hash, spend, model spend
// ARGV: lease member ("<id>|<reservation>|<model>"), cost, tokens, number of levels; then 3 per
//       level: start spend, start model spend ("": none), spend ttl s
constexpr std::string_view kFinishScript = R"lua(
local reservation, model = string.match(ARGV[1], '^[^|]*|([^|]*)|(.*)$')
reservation = tonumber(reservation) or 0
local cost = tonumber(ARGV[2]) or 0
local tokens = tonumber(ARGV[3]) or 0
local settled = 0
for l = 0, tonumber(ARGV[4]) - 1 do
  local k, a = l * 5, 4 + l * 3
  if redis.call('ZREM', KEYS[k + 1], ARGV[1]) == 1 then
    settled = settled + 1
    if reservation > 0 then
      redis.call('HINCRBYFLOAT', KEYS[k + 2], 'all', -reservation)
      redis.call('HINCRBYFLOAT', KEYS[k + 2], 'm:' .. model, -reservation)
    end
    if cost > 0 then
      if redis.call('EXISTS', KEYS[k + 4]) == 0 then redis.call('SET', KEYS[k + 4], ARGV[a + 1]) end
      redis.call('INCRBYFLOAT', KEYS[k + 4], cost)
      redis.call('EXPIRE', KEYS[k + 4], ARGV[a + 3])
      if ARGV[a + 2] ~= '' then
        if redis.call('EXISTS', KEYS[k + 5]) == 0 then
          redis.call('SET', KEYS[k + 5], ARGV[a + 2])
        end
        redis.call('INCRBYFLOAT', KEYS[k + 5], cost)
        redis.call('EXPIRE', KEYS[k + 5], ARGV[a + 3])
      end
    end
    if tokens > 0 then
      redis.call('HINCRBY', KEYS[k + 3], 't', tokens)
      redis.call('HINCRBY', KEYS[k + 3], 't:' .. model, tokens)
      redis.call('EXPIRE', KEYS[k + 3], 120)
    end
  end
end
return settled
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

// The prefix of one level's Redis keys: `{…}` keeps a level's counters on one cluster slot.
std::string baseOf(const KeySettings& row) {
  static constexpr std::string_view kKinds[] = {"key", "team", "member", "user", "customer"};
  return "sy:" + std::string(kKinds[static_cast<int>(row.level)]) + ":{" + row.token + "}:";
}

// The Redis keys of one level's counters (see the header), in the scripts' KEYS order.
void appendKeys(std::vector<std::string>& args, std::int64_t now_ms, const SpendStart& s,
                std::string_view model) {
  std::string base = baseOf(*s.row);
  std::int64_t minute = now_ms / 60000;
  args.push_back(base + "live");
  args.push_back(base + "resv");
  args.push_back(base + "min:" + std::to_string(minute));
  args.push_back(base + "spend:" + std::to_string(s.window));
  args.push_back(base + "mspend:" + std::to_string(s.model_window) + ":" + std::string(model));
}
// Seconds a spend counter lives: a day past its window's end, else 30 days after its last use
// (then the next request starts it again from the store's figure).
std::string spendTtl(const SpendStart& s, std::int64_t now_ms) {
  std::int64_t end = std::max(s.window, s.model_window);
  std::int64_t ttl = end > now_ms ? (end - now_ms) / 1000 + 86400 : 30 * 86400;
  return std::to_string(ttl);
}

// EVALSHA <sha> of the admit script: its KEYS and ARGV for request `r` on `levels` (a plain
// function: GCC 12 mishandles braced lists inside coroutines).
std::vector<std::string> admitArgs(std::span<const SpendStart> levels, const AdmitRequest& r,
                                   std::int64_t now_ms, const std::string& member,
                                   std::chrono::milliseconds lease_ttl) {
  std::int64_t deadline = now_ms + lease_ttl.count();
  std::vector<std::string> args{"EVALSHA", "", std::to_string(5 * levels.size())};
  args.reserve(3 + 16 * levels.size() + 6);
  for (const SpendStart& s : levels) appendKeys(args, now_ms, s, r.model);
  for (std::string a :
       {std::to_string(now_ms), std::to_string(deadline), member, number(r.reservation),
        std::string(r.model), std::to_string(levels.size())}) {
    args.push_back(std::move(a));
  }
  for (const SpendStart& s : levels) {
    const KeySettings& row = *s.row;
    auto mb = row.modelMaxBudget().find(r.model);
    for (std::string a :
         {limitArg(row.max_parallel_requests), limitArg(row.rpm_limit), limitArg(row.tpm_limit),
          modelLimitArg(row.modelRpmLimit(), r.model), modelLimitArg(row.modelTpmLimit(), r.model),
          r.budgets && row.max_budget ? number(*row.max_budget) : std::string(),
          r.budgets && mb != row.modelMaxBudget().end() ? number(mb->second.budget_limit)
                                                        : std::string(),
          number(s.spend), s.model_spend ? number(*s.model_spend) : std::string(),
          spendTtl(s, now_ms), std::string(s.overwrite ? "1" : "0")}) {
      args.push_back(std::move(a));
    }
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
    std::span<const std::shared_ptr<KeyEntry>> levels, AdmitRequest r, SysClock::time_point now) {
  constexpr std::size_t kMax = KeyLease::kMaxLevels;
  const std::size_t count = std::min(levels.size(), kMax);
  // Every level's windows roll; the levels that limit the request are judged in Redis.
  AdmitResult resets;
  std::array<SpendStart, kMax> starts;
  std::array<std::size_t, kMax> judged{};  // level index of each start
  std::size_t n = 0;
  unsigned mask = 0;
  for (std::size_t i = 0; i < count; ++i) {
    SpendStart st = levels[i]->spendStart(r.model, now, resets);
    if (!st.row->limits(r.model)) continue;
    starts[n] = std::move(st);
    judged[n++] = i;
    mask |= 1u << i;
  }
  if (n == 0) co_return std::nullopt;
  std::string lease_id = lease_prefix_ + std::to_string(++next_lease_);
  std::string member = lease_id + "|" + number(r.reservation) + "|" + std::string(r.model);
  std::vector<std::string> args =
      admitArgs(std::span<const SpendStart>(starts.data(), n), r, msOf(now), member, lease_ttl_);
  bool maybe_ran = false;
  std::optional<redis::Value> v = co_await eval(true, args, &maybe_ran);
  if (!v || v->type != redis::Value::Type::kArray || v->elements.size() != 2 + 9 * n) {
    ++stats_.local_admits;
    // Sent but unanswered: Redis may still run it (a frozen Redis wakes up) and hold a slot and
    // a reservation for nobody. Release it when Redis answers again (a no-op if it never ran).
    if (maybe_ran && retries_.size() < kMaxRetries / 2) {
      std::array<const KeyEntry*, kMax> entries{};
      for (std::size_t j = 0; j < n; ++j) entries[j] = levels[judged[j]].get();
      queueRetry(finishArgs(std::span<const KeyEntry* const>(entries.data(), n), member, r.model, 0,
                            0, now));
    }
    co_return std::nullopt;
  }
  auto at = [&](std::size_t i) { return toNumber(v->elements[i]).value_or(0); };
  ++stats_.admits;
  auto broken = static_cast<Limit>(static_cast<int>(at(0)));
  auto refused = static_cast<std::size_t>(at(1));  // 1-based among the judged; 0: none
  Admitted out;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t f = 2 + 9 * j;
    Usage u{.in_flight = static_cast<std::int64_t>(at(f)),
            .requests = static_cast<std::int64_t>(at(f + 1)),
            .tokens = static_cast<std::int64_t>(at(f + 2)),
            .model_requests = static_cast<std::int64_t>(at(f + 3)),
            .model_tokens = static_cast<std::int64_t>(at(f + 4)),
            .spend = at(f + 5),
            .reserved = at(f + 6),
            .model_spend = at(f + 7),
            .model_reserved = at(f + 8)};
    KeyEntry& e = *levels[judged[j]];
    if (starts[j].overwrite) e.spendOverwritten();
    std::optional<double> model_spend;
    if (starts[j].model_spend) model_spend = u.model_spend;
    e.adoptSpend(u.spend, model_spend, r.model);
    bool refuser = refused == j + 1;
    if (refuser || (refused == 0 && judged[j] == 0)) {
      out.result = judge(*starts[j].row, r.model, u, refuser ? broken : Limit::kNone, now);
      out.result.refused_by = judged[j];
    }
  }
  if (refused == 0 && judged[0] != 0) out.result.spend = levels[0]->spend();
  out.result.resets = std::move(resets.resets);
  if (out.result.verdict == Verdict::kAdmitted) {
    for (std::size_t i = 0; i < count; ++i) levels[i]->take(r, now);
    std::vector<std::string>& live = live_[member];
    for (std::size_t j = 0; j < n; ++j) live.push_back(baseOf(*starts[j].row) + "live");
    if (!renewing_) {
      renewing_ = true;
      asio::co_spawn(client_->executor(), renewLoop(shared_from_this()), asio::detached);
    }
    out.lease = KeyLease(levels.first(count), std::string(r.model), r.reservation,
                         shared_from_this(), std::move(member), mask);
  }
  co_return out;
}

void SharedKeyCounters::finish(std::span<const KeyEntry* const> levels, std::string_view lease_id,
                               std::string_view model, double cost, std::uint64_t tokens,
                               SysClock::time_point now) {
  live_.erase(std::string(lease_id));
  std::vector<std::string> args = finishArgs(levels, lease_id, model, cost, tokens, now);
  // The coroutine owns a reference: the counters outlive the generation that settled the lease.
  asio::co_spawn(client_->executor(), sendFinish(shared_from_this(), std::move(args)),
                 asio::detached);
}

std::vector<std::string> SharedKeyCounters::finishArgs(std::span<const KeyEntry* const> levels,
                                                       std::string_view lease_id,
                                                       std::string_view model, double cost,
                                                       std::uint64_t tokens,
                                                       SysClock::time_point now) {
  std::int64_t now_ms = msOf(now);
  std::vector<std::string> args{"EVALSHA", "", std::to_string(5 * levels.size())};
  std::vector<std::string> tail{std::string(lease_id), number(cost), std::to_string(tokens),
                                std::to_string(levels.size())};
  for (const KeyEntry* e : levels) {
    SpendStart s = e->spendNow(model);
    appendKeys(args, now_ms, s, model);
    // The spend before this cost (the entry already counts it): where a lost counter restarts.
    tail.push_back(number(std::max(0.0, s.spend - cost)));
    tail.push_back(s.model_spend ? number(std::max(0.0, *s.model_spend - cost)) : std::string());
    tail.push_back(spendTtl(s, now_ms));
  }
  for (std::string& a : tail) args.push_back(std::move(a));
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
    for (const auto& [member, lives] : self->live_) {
      for (const std::string& live : lives) {
        auto& args = by_key[live];
        if (args.empty()) args = {"ZADD", live, "XX"};
        args.push_back(std::to_string(deadline));
        args.push_back(member);
      }
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
