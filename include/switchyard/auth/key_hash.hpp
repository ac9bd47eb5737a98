#pragma once
// Virtual key material (docs/design.md §6): how keys are made, stored and shown. Only the hash of
// a key is ever stored; the key itself is returned once, by /key/generate or /key/regenerate.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::auth {

// A new key: "sk-" then 32 random bytes (OpenSSL RAND_bytes), base64url without padding (43
// characters). Throws std::runtime_error if the random source fails (never a weak key).
std::string generateKey();

// The SHA-256 of `bytes`. On the request path (a key's lookup), so without OpenSSL 3's EVP layer
// (its one-shot SHA256() looks the algorithm up by name on every call: about a microsecond).
std::array<std::uint8_t, 32> sha256(std::string_view bytes);

// The stored form of a key, as LiteLLM stores it: the SHA-256 of its bytes, 64 lowercase hex
// digits. The same function hashes a custom key given to /key/generate.
std::string hashKey(std::string_view key);

// What lists and logs may show of a key: LiteLLM's "sk-...abcd" (the last four characters);
// "sk-...." for a key of four characters or fewer.
std::string abbreviateKey(std::string_view key);

}  // namespace switchyard::auth
