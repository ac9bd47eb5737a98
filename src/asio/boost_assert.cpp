// The handler of failed BOOST_ASSERTs in builds that check them (Debug: the sanitizer and fuzz
// builds define BOOST_ENABLE_ASSERT_HANDLER): aborts, as the default would, except for assertions
// Boost itself has since found wrong, listed with the fix. The code after such an assertion
// handles the case correctly; release builds (NDEBUG) never evaluate assertions.

#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct KnownFalseAssert {
  const char* expr;
  const char* function_part;
};

// Beast 1.81 basic_parser::parse_chunk_header asserts n >= 5 when a chunked body's last CRLF
// arrives in pieces ("0\r\n", "\r", "\n"): boostorg/beast pull request 2861 (merged May 2024)
// relaxed it; the parser returns need_more there as it should. Found by fuzz/http_request_head.
// (Its neighbour `n >= 3` guards `skip_ = n - 3` and stays fatal.)
constexpr KnownFalseAssert kKnownFalse[] = {{"n >= 5", "parse_chunk_header"}};

}  // namespace

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  for (const auto& k : kKnownFalse)
    if (std::strcmp(expr, k.expr) == 0 && std::strstr(function, k.function_part) != nullptr) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
