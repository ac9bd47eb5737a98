#pragma once
// The spend log (docs/keys.md): one store::SpendRow per proxied request — success or failure,
// stream or not — handed to the store thread when the request is reported finished. Never
// blocks: a full buffer drops the row (counted by the store thread).

#include "switchyard/telemetry/log.hpp"

namespace switchyard::store {
class StoreThread;
struct SpendRow;
}

namespace switchyard::keys {

// The row of a finished exchange (status as the client got it). start_time is rounded down and
// end_time up to the millisecond; ttft_ms is a stream's time from the request's start to its
// first chunk of data (Exchange::first_chunk), at most end_time - start_time, and nullopt for a
// whole reply or a stream that sent no data.
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
