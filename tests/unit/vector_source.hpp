#pragma once
// Test helper: a ChunkSource that yields `pieces` in order, then `fail` if given (else its end):
// an upstream stream without sockets, for the stream translators' tests and fuzz targets.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchyard/api/exchange.hpp"

namespace switchyard::test {

class VectorSource final : public api::ChunkSource {
 public:
  explicit VectorSource(std::vector<std::string> pieces,
                        std::optional<api::Error> fail = std::nullopt)
      : pieces_(std::move(pieces)), fail_(std::move(fail)) {}
  boost::asio::awaitable<api::Result<std::optional<std::string>>> next() override {
    if (i_ < pieces_.size()) co_return std::optional<std::string>{std::move(pieces_[i_++])};
    if (fail_) co_return *fail_;
    co_return std::optional<std::string>{};
  }

 private:
  std::vector<std::string> pieces_;
  std::optional<api::Error> fail_;
  std::size_t i_ = 0;
};

}  // namespace switchyard::test
