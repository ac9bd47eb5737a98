// KeyAuthenticator (key_auth.hpp).

#include "switchyard/keys/key_auth.hpp"

#include "switchyard/keys/key_entry.hpp"
#include "switchyard/keys/key_loader.hpp"

namespace switchyard::keys {
namespace {

store::UnixMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SysClock::now().time_since_epoch())
      .count();
}

api::Error unauthorized(std::string message) {
  return {api::ErrorKind::kUnauthorized, std::move(message)};
}

}  // namespace

api::Result<auth::Principal> KeyAuthenticator::authenticate(std::string_view token) const {
  bool open = master_key_.empty();
  if (!open && !token.empty() && auth::constantTimeEquals(token, master_key_)) {
    return auth::Principal{true, true, "master", {}, {}};
  }
  TokenHash used{};
  std::shared_ptr<KeyEntry> entry;
  if (!token.empty()) entry = registry_.find(used = hashOfKey(token));
  if (!entry) {
    if (loader_ != nullptr && !token.empty() && loader_->mayLoad(used)) {
      return api::Error{api::ErrorKind::kUnauthorized, "key not loaded", "", 0,
                        std::string(auth::kKeyNotLoaded)};
    }
    if (open) return auth::Principal{true, true, "open", {}, {}};
    return auth::authenticate(token, master_key_);  // the missing / invalid key errors
  }
  if (loader_ != nullptr) loader_->touch(entry);
  std::shared_ptr<const KeySettings> row = entry->row();
  store::UnixMs now = nowMs();
  if (!row->previousToken().empty() && row->previousTokenExpires()) {
    // Found by the previous key of a regeneration: valid only within the grace period.
    TokenHash current;
    if (parseTokenHex(row->token, current) && used != current &&
        now >= *row->previousTokenExpires()) {
      return unauthorized("Authentication Error: invalid API key.");
    }
  }
  if (row->blocked) {
    return unauthorized("Authentication Error: this key has been blocked. Ask the proxy admin to "
                        "unblock it.");
  }
  if (row->expires && now >= *row->expires) {
    return unauthorized("Authentication Error: this key has expired.");
  }
  auth::Principal p{true, false, row->displayName(), {}, {}};
  p.team = row->teamId();
  p.key = std::move(entry);
  p.key_row = std::move(row);
  return p;
}

boost::asio::awaitable<api::Result<void>> KeyAuthenticator::fetch(std::string_view token) const {
  if (loader_ == nullptr || token.empty()) co_return api::Result<void>{};
  co_return co_await loader_->load(hashOfKey(token));
}

}  // namespace switchyard::keys
