#pragma once
// The completion token of every network operation: the coroutine gets (error_code, result...) as
// a tuple instead of an exception (errors are values on the data plane).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchyard {

inline constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace switchyard
