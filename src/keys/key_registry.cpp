// KeyRegistry (key_registry.hpp): the keys in memory, sharded by the first byte of their hash.

#include "switchyard/keys/key_registry.hpp"

#include "switchyard/auth/key_hash.hpp"

#include <cstring>

#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_settings.hpp"

namespace switchyard::keys {
namespace {

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parseTokenHex(std::string_view hex, TokenHash& out) noexcept {
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

TokenHash hashOfKey(std::string_view key) { return auth::sha256(key); }

std::size_t KeyRegistry::TokenHasher::operator()(const TokenHash& t) const noexcept {
  // A SHA-256 is uniform, but a token imported from elsewhere need not be: mix all 32 bytes.
  std::uint64_t w[4];
  std::memcpy(w, t.data(), sizeof w);
  std::uint64_t v = w[0] ^ (w[1] * 0x9e3779b97f4a7c15ULL) ^ (w[2] * 0xc2b2ae3d27d4eb4fULL) ^
                    (w[3] * 0x165667b19e3779f9ULL);
  return static_cast<std::size_t>(v ^ (v >> 29));
}

KeyRegistry::KeyRegistry() = default;
KeyRegistry::~KeyRegistry() = default;

std::shared_ptr<KeyEntry> KeyRegistry::find(const TokenHash& token) const {
  const Shard& s = shardOf(token);
  std::shared_lock lock(s.mu);
  auto it = s.map.find(token);
  return it == s.map.end() ? nullptr : it->second;
}

std::shared_ptr<KeyEntry> KeyRegistry::find(std::string_view token_hex) const {
  TokenHash t;
  if (!parseTokenHex(token_hex, t)) return nullptr;
  return find(t);
}

void KeyRegistry::insertAlias(const TokenHash& t, std::shared_ptr<KeyEntry> e) {
  Shard& s = shardOf(t);
  std::unique_lock lock(s.mu);
  s.map[t] = std::move(e);
}

void KeyRegistry::eraseHash(const TokenHash& t) {
  Shard& s = shardOf(t);
  std::unique_lock lock(s.mu);
  s.map.erase(t);
}

std::shared_ptr<KeyEntry> KeyRegistry::put(const store::KeyRow& row, bool spend_set) {
  TokenHash t, previous;
  if (!parseTokenHex(row.token, t)) return nullptr;
  bool has_previous = parseTokenHex(row.previous_token, previous);
  std::shared_ptr<KeyEntry> entry = find(t);
  if (entry) {
    entry->setRow(row, spend_set);
  } else {
    entry = std::make_shared<KeyEntry>(row);
    Shard& s = shardOf(t);
    std::unique_lock lock(s.mu);
    auto [it, inserted] = s.map.try_emplace(t, entry);
    if (!inserted) {
      // Raced with another put of the same key: keep the one that won.
      it->second->setRow(row, true);
      return it->second;
    }
    size_.fetch_add(1, std::memory_order_relaxed);
  }
  if (has_previous) insertAlias(previous, entry);
  return entry;
}

std::shared_ptr<KeyEntry> KeyRegistry::rekey(std::string_view old_token_hex,
                                             const store::KeyRow& row) {
  TokenHash old_t, new_t, previous;
  if (!parseTokenHex(old_token_hex, old_t) || !parseTokenHex(row.token, new_t)) return nullptr;
  std::shared_ptr<KeyEntry> entry = find(old_t);
  if (!entry) return put(row);
  // The old hash stays only as the grace-period alias the row names.
  std::string old_previous = entry->row()->previousToken();
  bool keep_old = row.previous_token == old_token_hex;
  bool has_previous = parseTokenHex(row.previous_token, previous);
  entry->setRow(row, false);
  insertAlias(new_t, entry);
  if (!keep_old) eraseHash(old_t);
  TokenHash stale;
  if (parseTokenHex(old_previous, stale) && (!has_previous || stale != previous)) eraseHash(stale);
  return entry;
}

bool KeyRegistry::erase(std::string_view token_hex) {
  TokenHash t;
  if (!parseTokenHex(token_hex, t)) return false;
  std::shared_ptr<KeyEntry> entry = find(t);
  if (!entry) return false;
  std::shared_ptr<const KeySettings> row = entry->row();
  TokenHash main, previous;
  if (parseTokenHex(row->previousToken(), previous)) eraseHash(previous);
  if (parseTokenHex(row->token, main)) eraseHash(main);
  eraseHash(t);
  size_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void KeyRegistry::forEach(const std::function<void(const KeyEntry&)>& fn) const {
  for (const Shard& s : shards_) {
    std::shared_lock lock(s.mu);
    for (const auto& [hash, entry] : s.map) {
      std::shared_ptr<const KeySettings> row = entry->row();
      TokenHash previous;
      if (parseTokenHex(row->previousToken(), previous) && previous == hash) continue;  // alias
      fn(*entry);
    }
  }
}

std::size_t KeyRegistry::size() const { return size_.load(std::memory_order_relaxed); }

}  // namespace switchyard::keys
