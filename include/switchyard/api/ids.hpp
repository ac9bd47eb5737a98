#pragma once
// Identifiers: request ids and call ids. Cheap, unique per process run, thread-safe.

#include <string>

namespace switchyard::api {

// A UUID-v4-shaped random id (per-thread PRNG seeded from the OS).
std::string newUuid();

}  // namespace switchyard::api
