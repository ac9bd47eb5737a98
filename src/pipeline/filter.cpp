#include "switchyard/pipeline/filter.hpp"

namespace switchyard::pipeline {

namespace {
boost::asio::awaitable<api::Reply> noTerminal(api::Exchange& ex) {
  co_return fail(ex,
                 api::Error{api::ErrorKind::kInternal, "Internal error.", "no terminal filter"});
}
}  // namespace

// Not a coroutine: it hands out the next filter's awaitable as is, so a chain of n filters costs
// n coroutine frames, not 2n.
boost::asio::awaitable<api::Reply> Next::operator()(api::Exchange& ex) const {
  if (rest_.empty()) return noTerminal(ex);
  return rest_.front()->handle(ex, Next{rest_.subspan(1)});
}

api::Reply fail(api::Exchange& ex, api::Error e) {
  api::Reply r = api::Reply::fromError(e);
  ex.outcome.error = std::move(e);
  return r;
}

}  // namespace switchyard::pipeline
