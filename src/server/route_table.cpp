#include "switchyard/server/route_table.hpp"

#include <algorithm>
#include <cctype>

#include "switchyard/api/error.hpp"

namespace switchyard::server {
namespace {

using pipeline::fail;
using pipeline::Filter;
using pipeline::Next;

class NotFoundFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "not_found"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    co_return fail(ex, {api::ErrorKind::kNotFound,
                        "Route not found: " + std::string(ex.method) + " " + std::string(ex.path)});
  }
};

class MethodNotAllowedFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "method_not_allowed"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    co_return fail(
        ex, {api::ErrorKind::kMethodNotAllowed,
             "Method " + std::string(ex.method) + " is not allowed on " + std::string(ex.path)});
  }
};

// Answers with the error the session put in ex.outcome.error before routing.
class RejectFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "reject"; }
  boost::asio::awaitable<api::Reply> handle(api::Exchange& ex, Next) override {
    api::Error e = ex.outcome.error ? *ex.outcome.error
                                    : api::Error{api::ErrorKind::kInternal, "Internal error."};
    co_return fail(ex, std::move(e));
  }
};

bool hasMethod(std::string_view methods, std::string_view method) {
  while (!methods.empty()) {
    std::size_t bar = methods.find('|');
    if (methods.substr(0, bar) == method) return true;
    if (bar == std::string_view::npos) break;
    methods.remove_prefix(bar + 1);
  }
  return false;
}

}  // namespace

struct RouteTable::Route {
  std::string methods;
  std::string prefix;      // the literal part of the pattern
  bool has_param = false;  // the pattern has a {name}
  std::string suffix;      // literal segments after {name} ("/regenerate"), or empty
  Chain chain, not_allowed, reject;
};

RouteTable::RouteTable(Chain default_edge)
    : not_found_(std::make_unique<NotFoundFilter>()),
      not_allowed_(std::make_unique<MethodNotAllowedFilter>()),
      reject_(std::make_unique<RejectFilter>()) {
  not_found_chain_ = default_edge;
  not_found_chain_.push_back(not_found_.get());
  default_reject_chain_ = std::move(default_edge);
  default_reject_chain_.push_back(reject_.get());
}

RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

void RouteTable::add(std::string_view methods, std::string_view pattern, const Chain& edge,
                     const Chain& handler) {
  Route r;
  r.methods = std::string(methods);
  std::size_t brace = pattern.find('{');
  r.has_param = brace != std::string_view::npos;
  r.prefix = std::string(normalizePath(pattern.substr(0, brace)));
  if (r.has_param && !r.prefix.ends_with('/')) r.prefix += '/';
  if (r.has_param) {
    std::size_t close = pattern.find('}', brace);
    if (close != std::string_view::npos) r.suffix = std::string(pattern.substr(close + 1));
  }
  r.chain = edge;
  r.chain.insert(r.chain.end(), handler.begin(), handler.end());
  r.not_allowed = edge;
  r.not_allowed.push_back(not_allowed_.get());
  r.reject = edge;
  r.reject.push_back(reject_.get());
  routes_.push_back(std::move(r));
}

const RouteTable::Route* RouteTable::find(std::string_view method, std::string_view path,
                                          std::string& param, bool& any) const {
  path = normalizePath(path);
  const Route* first = nullptr;
  for (const Route& r : routes_) {
    bool hit = r.has_param ? path.size() > r.prefix.size() + r.suffix.size() &&
                                 path.starts_with(r.prefix) && path.ends_with(r.suffix)
                           : path == r.prefix;
    if (!hit) continue;
    if (!first) first = &r;
    if (hasMethod(r.methods, method)) {
      any = true;
      if (r.has_param) {
        param = percentDecode(
            path.substr(r.prefix.size(), path.size() - r.prefix.size() - r.suffix.size()));
      }
      return &r;
    }
  }
  any = false;
  return first;
}

RouteTable::Match RouteTable::match(std::string_view method, std::string_view path) const {
  Match m;
  bool allowed = false;
  const Route* r = find(method, path, m.param, allowed);
  if (!r) {
    m.chain = not_found_chain_;
    return m;
  }
  m.found = true;
  m.method_allowed = allowed;
  m.chain = allowed ? std::span<Filter* const>(r->chain) : std::span<Filter* const>(r->not_allowed);
  return m;
}

std::span<Filter* const> RouteTable::rejectChain(std::string_view method,
                                                 std::string_view path) const {
  std::string param;
  bool allowed = false;
  const Route* r = find(method, path, param, allowed);
  return r ? std::span<Filter* const>(r->reject) : std::span<Filter* const>(default_reject_chain_);
}

std::vector<std::string> RouteTable::describe() const {
  std::vector<std::string> out;
  for (const Route& r : routes_)
    out.push_back(r.methods + " " + r.prefix + (r.has_param ? "{param}" + r.suffix : ""));
  return out;
}

std::string_view normalizePath(std::string_view path) noexcept {
  if (path.starts_with("/v1/"))
    path.remove_prefix(3);
  else if (path == "/v1")
    path = "/";
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace switchyard::server
