#pragma once
// Caller authentication (docs/design.md §3, §6). For now: the master key. Virtual keys come
// with the key store, as a second Authenticator that answers with the same api::Principal.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"
#include "switchyard/api/exchange.hpp"

namespace switchyard::auth {

// Who is calling (api::Principal: the Exchange carries it).
using Principal = api::Principal;

// Constant-time equality: the time taken depends only on the lengths.
bool constantTimeEquals(std::string_view a, std::string_view b) noexcept;

// The token from one of the accepted headers, in this order of preference:
// "Authorization: Bearer T" (a bare "Authorization: T" too), x-api-key, api-key, x-litellm-api-key.
// The caller passes each header's value (empty when absent).
std::string_view pickToken(std::string_view authorization, std::string_view x_api_key,
                           std::string_view api_key, std::string_view x_litellm_api_key) noexcept;

// Checks `token` against the configured master key. With no master key the gateway is open and
// every caller is a master. Errors are kUnauthorized with a client-safe message.
api::Result<Principal> authenticate(std::string_view token, std::string_view master_key);

// The seam the auth filter calls: who a token belongs to (a Principal with authenticated set).
// Implementations answer from memory and are used from worker threads concurrently.
//
// A key the authenticator does not hold in memory yet (keys are loaded from the store on first
// use) is answered with the error code kKeyNotLoaded: the filter then awaits fetch(token) and
// asks again. fetch fails (kUnavailable) only when the store cannot be asked.
inline constexpr std::string_view kKeyNotLoaded = "key_not_loaded";

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual api::Result<Principal> authenticate(std::string_view token) const = 0;
  virtual boost::asio::awaitable<api::Result<void>> fetch(std::string_view token) const;
};

// The master key of general_settings (open gateway when empty).
class MasterKeyAuthenticator final : public Authenticator {
 public:
  explicit MasterKeyAuthenticator(std::string master_key) : master_key_(std::move(master_key)) {}
  api::Result<Principal> authenticate(std::string_view token) const override {
    return auth::authenticate(token, master_key_);
  }

 private:
  std::string master_key_;
};

}  // namespace switchyard::auth
