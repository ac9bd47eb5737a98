#pragma once
// The spend log (docs/keys.md): one store::SpendRow per proxied request — success or failure,
// stream or not — handed to the store thread when the request is reported finished. Never
// blocks: a full buffer drops the row (counted by the store thread).

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "switchyard/store/records.hpp"
#include "switchyard/telemetry/log.hpp"

namespace switchyard::store {
class StoreThread;
}

namespace switchyard::keys {

class KeySettings;

// The row of a finished exchange, viewing the exchange and the key's settings (which `key`
// keeps alive): valid while the exchange lives, for readers on the worker thread (spans).
struct SpendView {
  store::SpendRecord<std::string_view, std::span<const std::string>> row;
  std::shared_ptr<const KeySettings> key;
  // A value the row views that the exchange holds only encoded (a `user` with JSON escapes).
  std::unique_ptr<std::string> decoded_end_user;
};

// The row of a finished exchange (status as the client got it). start_time is rounded down and
// end_time up to the millisecond; ttft_ms is a stream's time from the request's start to its
// first chunk of data (Exchange::first_chunk), at most end_time - start_time, and nullopt for a
// whole reply or a stream that sent no data.
SpendView spendViewOf(const api::Exchange& ex, unsigned status, bool stream);
// The same row, owning its values (what the store thread writes).
store::SpendRow spendRowOf(const api::Exchange& ex, unsigned status, bool stream);

class SpendLog final : public telemetry::RequestSink {
 public:
  explicit SpendLog(store::StoreThread& store) : store_(store) {}
  // Requests that named no model (health, admin routes) have no row.
  void record(const api::Exchange& ex, unsigned status, bool stream) override;

 private:
  store::StoreThread& store_;
};

}  // namespace switchyard::keys
