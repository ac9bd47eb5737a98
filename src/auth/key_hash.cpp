// SHA256_Init/Update/Final: deprecated by OpenSSL 3.0 in favour of EVP, whose per-call fetch and
// allocation cost more than the hash of a key.
#define OPENSSL_API_COMPAT 0x10100000L

#include "switchyard/auth/key_hash.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace switchyard::auth {
namespace {

constexpr std::string_view kPrefix = "sk-";
constexpr std::size_t kRandomBytes = 32;
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64Url(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64Url[(v >> shift) & 63];
  }
  if (std::size_t rest = n - i; rest > 0) {
    unsigned v = data[i] << 16;
    if (rest == 2) v |= data[i + 1] << 8;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    if (rest == 2) out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view bytes) {
  // The low-level interface: no provider lookup, no allocation (deprecated since OpenSSL 3.0,
  // kept for exactly this; OPENSSL_API_COMPAT above admits it).
  SHA256_CTX ctx;
  std::array<std::uint8_t, 32> out{};
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, bytes.data(), bytes.size()) != 1 ||
      SHA256_Final(out.data(), &ctx) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

std::string generateKey() {
  std::array<unsigned char, kRandomBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the random source failed: no key generated");
  }
  return std::string(kPrefix) + base64Url(bytes.data(), bytes.size());
}

std::string hashKey(std::string_view key) {
  const std::array<std::uint8_t, 32> digest = sha256(key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digest.size() * 2, '0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

std::string abbreviateKey(std::string_view key) {
  if (key.size() <= 4) return "sk-....";
  return "sk-..." + std::string(key.substr(key.size() - 4));
}

}  // namespace switchyard::auth
