#pragma once
// Scalars as LiteLLM reads them (private to the config module). LiteLLM loads its config with
// PyYAML (YAML 1.1), then Python converts strings with int() / float(): a plain YAML scalar
// follows YAML 1.1's forms, a quoted one (or an os.environ/ value) Python's.

#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::config {

enum class IntParse { kOk, kMalformed, kOutOfRange };

// Plain: [-+] then decimal, 0x hex, 0o or 0b (YAML 1.2's forms, accepted too) or a leading-0
// octal ("017" is 15, as PyYAML reads it), with '_' separators between digits ("20_000").
// Quoted: Python's int(): [-+] decimal with '_' separators ("30", "20_000").
IntParse parseYamlInt(std::string_view text, bool quoted, std::int64_t& out) noexcept;

// An integer as above, or a float: digits with '_' separators, a '.', an exponent ("1_000.5",
// "1e3", ".5", "+2.5E-3"). Infinities and NaN are refused (nullopt).
std::optional<double> parseYamlNumber(std::string_view text, bool quoted) noexcept;

// YAML 1.1 booleans in any case: y, yes, true, on / n, no, false, off.
std::optional<bool> parseYamlBool(std::string_view text) noexcept;

}  // namespace switchyard::config
