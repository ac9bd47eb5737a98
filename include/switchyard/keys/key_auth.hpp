#pragma once
// The authenticator of a gateway with virtual keys (docs/keys.md): the master key, else a key of
// the registry. Answers from memory only.
//
//   master key                          -> a master Principal
//   a known key, not blocked, not expired (and, for the previous key of a regeneration, within
//   its grace period)                   -> a Principal carrying the key's entry and settings
//   anything else                       -> 401 (no key, unknown, blocked, expired)
// With no master key the gateway is open: a known virtual key still applies its limits; any other
// caller is a master (as before virtual keys).
//
// With a KeyLoader, a token the registry does not hold is answered kKeyNotLoaded until fetch()
// has asked the store (key_loader.hpp), and a key in use is kept fresh (KeyLoader::touch).

#include <string>

#include "switchyard/auth/auth.hpp"
#include "switchyard/keys/key_registry.hpp"

namespace switchyard::keys {

class KeyLoader;

class KeyAuthenticator final : public auth::Authenticator {
 public:
  KeyAuthenticator(std::string master_key, const KeyRegistry& registry,
                   KeyLoader* loader = nullptr)
      : master_key_(std::move(master_key)), registry_(registry), loader_(loader) {}
  api::Result<auth::Principal> authenticate(std::string_view token) const override;
  boost::asio::awaitable<api::Result<void>> fetch(std::string_view token) const override;

 private:
  std::string master_key_;
  const KeyRegistry& registry_;
  KeyLoader* loader_;
};

}  // namespace switchyard::keys
