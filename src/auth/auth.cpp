#include "switchyard/auth/auth.hpp"

#include <openssl/crypto.h>

namespace switchyard::auth {

bool constantTimeEquals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
bool startsWithNoCase(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}
}  // namespace

std::string_view pickToken(std::string_view authorization, std::string_view x_api_key,
                           std::string_view api_key, std::string_view x_litellm_api_key) noexcept {
  authorization = trim(authorization);
  if (startsWithNoCase(authorization, "bearer ")) {
    authorization = trim(authorization.substr(7));
  } else if (authorization.size() == 6 && startsWithNoCase(authorization, "bearer")) {
    authorization = {};  // "Bearer" with no credentials: not a token; try the other headers
  }
  for (std::string_view v :
       {authorization, trim(x_api_key), trim(api_key), trim(x_litellm_api_key)}) {
    if (!v.empty()) return v;
  }
  return {};
}

api::Result<Principal> authenticate(std::string_view token, std::string_view master_key) {
  if (master_key.empty()) return Principal{true, true, "open"};
  if (token.empty()) {
    return api::Error{api::ErrorKind::kUnauthorized,
                      "Authentication Error: no API key passed in. Send it as 'Authorization: "
                      "Bearer <key>'."};
  }
  if (constantTimeEquals(token, master_key)) return Principal{true, true, "master"};
  return api::Error{api::ErrorKind::kUnauthorized, "Authentication Error: invalid API key."};
}

boost::asio::awaitable<api::Result<void>> Authenticator::fetch(std::string_view) const {
  co_return api::Result<void>{};
}

}  // namespace switchyard::auth
