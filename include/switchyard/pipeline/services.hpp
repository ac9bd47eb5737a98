#pragma once
// What the filters of one worker reach, handed to them when the chains are built: no globals.
//
// One Services per worker and config generation (the worker's Generation owns it and everything
// it points to, so every reference outlives the requests of that generation). Filters use it
// from the worker's thread only; what it points to that is shared across workers (router state,
// the authenticator) is thread-safe by its own contract.
//
// Where the next capabilities go: a key store answers through `auth` (virtual keys), the response
// cache and the shared counters are members beside `router`, metrics and traces are
// further RequestSinks behind `requests`; blocking work (a database) goes through `offload`.

namespace switchyard::config {
struct Config;
}
namespace switchyard::router {
class Router;
}
namespace switchyard::providers {
class Providers;
}
namespace switchyard::auth {
class Authenticator;
}
namespace switchyard::telemetry {
class RequestSink;
}
namespace switchyard::keys {
class KeyRegistry;
class SharedKeyCounters;
class Hierarchy;
}
namespace switchyard::store {
class StoreThread;
}
namespace switchyard::cache {
class ResponseCache;
}

namespace switchyard::pipeline {

class Offload;

struct Services {
  const config::Config& config;
  const router::Router& router;      // deployment choice; its counters are shared by workers
  providers::Providers& providers;   // this worker's adapters, by provider prefix
  const auth::Authenticator& auth;   // token -> Principal
  telemetry::RequestSink& requests;  // finished requests (access log)
  Offload* offload = nullptr;        // blocking work off the worker thread (null: none needed)
  keys::KeyRegistry* keys = nullptr;  // virtual keys (null: master key only)
  store::StoreThread* store = nullptr;  // background writes and admin queries (null: no database)
  cache::ResponseCache* cache = nullptr;  // the response cache, shared by workers (null: off)
  // Key limits and budgets counted in Redis with every instance (null: this process only).
  keys::SharedKeyCounters* counters = nullptr;
  // Teams, members, users, customers and budget objects (null: keys only).
  keys::Hierarchy* hierarchy = nullptr;
};

}  // namespace switchyard::pipeline
