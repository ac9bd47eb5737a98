#include "switchyard/pipeline/filter.hpp"

namespace switchyard::pipeline {

boost::asio::awaitable<api::Reply> Next::operator()(api::Exchange& ex) const {
  if (rest_.empty()) co_return fail(ex, api::Error{api::ErrorKind::kInternal, "Internal error.", "no terminal filter"});
  co_return co_await rest_.front()->handle(ex, Next{rest_.subspan(1)});
}

api::Reply fail(api::Exchange& ex, api::Error e) {
  api::Reply r = api::Reply::fromError(e);
  ex.outcome.error = std::move(e);
  return r;
}

}  // namespace switchyard::pipeline
