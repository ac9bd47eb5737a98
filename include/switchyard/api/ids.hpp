#pragma once
// Identifiers: request ids and call ids. Cheap, unique per process run, thread-safe.

#include <string>

namespace switchyard::api {

// A UUID version 7: the time in milliseconds, then random bits (per-thread PRNG seeded from the
// OS). Not a secret: never use it for key material.
std::string newUuid();

}  // namespace switchyard::api
