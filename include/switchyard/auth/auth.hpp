#pragma once
// Caller authentication (DESIGN §3, §6). For now: the master key. Virtual keys come with the
// key store; they will enter here through the same Principal.

#include <string>
#include <string_view>

#include "switchyard/api/error.hpp"

namespace switchyard::auth {

// Who is calling. `is_master` callers may use every model and the admin routes.
struct Principal {
  bool is_master = false;
  std::string key_alias;  // loggable name; never the key
};

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

}  // namespace switchyard::auth
