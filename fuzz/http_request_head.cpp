// Fuzz target: a client's HTTP/1.1 request as the server reads it: Beast's request parser with
// the limits the session sets (64 KiB of header fields, a 1 MiB body here), fed the bytes in
// pieces as reads deliver them, then the fields the gateway reads from a parsed request.
// Input: one control byte (piece size), then the bytes from the client.

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdlib>
#include <cstring>

#include "fuzz_input.hpp"

namespace beast = boost::beast;
namespace http = beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  switchyard::fuzz::Input in(data, size);
  const std::size_t step = in.byte();
  const std::string_view bytes = in.rest();

  // Several requests may follow each other on a connection: parse until the bytes run out or
  // the parser fails, each with a new parser, as the session's loop does.
  beast::flat_buffer buffer;
  std::size_t fed = 0;
  for (int request = 0; request < 8; ++request) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(1u << 20);
    beast::error_code ec;
    while (!parser.is_done()) {
      if (buffer.size() == 0 || ec == http::error::need_more) {
        if (fed == bytes.size()) {
          if (parser.got_some()) parser.put_eof(ec);
          return 0;
        }
        const std::size_t n = std::min(step == 0 ? bytes.size() : step, bytes.size() - fed);
        auto mb = buffer.prepare(n);
        std::memcpy(mb.data(), bytes.data() + fed, n);
        buffer.commit(n);
        fed += n;
      }
      ec = {};
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) return 0;  // refused: the session answers 400/413/431
    }
    const auto& req = parser.get();
    // What the session and the routes read.
    volatile std::size_t sink =
        req.target().size() + req.method_string().size() + req.body().size();
    sink = sink + req[http::field::content_type].size() + req[http::field::authorization].size();
    (void)req.keep_alive();
    (void)req.version();
    for (const auto& f : req) sink = sink + f.name_string().size() + f.value().size();
    if (req.body().size() > (1u << 20)) std::abort();  // past the body limit
  }
  return 0;
}
