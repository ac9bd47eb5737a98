#pragma once
// The route table: method + path pattern -> the chain of filters that answers it.
//
// Every route is served with and without the /v1 prefix, and trailing slashes are ignored, as
// LiteLLM does. A pattern is literal segments with at most one "{name}", which takes what lies
// between the literal parts around it (slashes included), percent-decoded, into
// Exchange::route_param: "/models/{id}", "/key/{key}/regenerate".
//
// Each route has an `edge`, the filters that every answer on it passes through (request id,
// access log, error format), and a handler chain after it. Answers the table makes itself use
// the same edge: a wrong method (405) and rejects the session decides before routing (413 body
// too large) keep the route's error format; an unknown path (404) uses the table's default edge.

#include "switchyard/api/query.hpp"
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/pipeline/filter.hpp"

namespace switchyard::server {

class RouteTable {
 public:
  using Chain = std::vector<pipeline::Filter*>;

  // `default_edge`: the edge of answers for paths no route matches.
  explicit RouteTable(Chain default_edge);
  ~RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;

  // `methods`: one or several of GET, POST, PUT, PATCH, DELETE, HEAD joined by '|'. Routes are
  // matched in the order they were added. Filters must outlive the table.
  void add(std::string_view methods, std::string_view pattern, const Chain& edge,
           const Chain& handler);

  struct Match {
    std::span<pipeline::Filter* const> chain;  // what answers the request
    std::string param;                         // the {name} part of the path, decoded
    bool found = false;                        // some route has this path
    bool method_allowed = false;
  };
  // `path` is the request target without its query string.
  Match match(std::string_view method, std::string_view path) const;
  // The chain that answers with the error already in ex.outcome.error, in the format of the
  // route `path` names (the default edge when none).
  std::span<pipeline::Filter* const> rejectChain(std::string_view method,
                                                 std::string_view path) const;

  // Every route, for docs and tests: "POST /chat/completions".
  std::vector<std::string> describe() const;

 private:
  struct Route;
  const Route* find(std::string_view method, std::string_view path, std::string& param,
                    bool& any) const;

  std::unique_ptr<pipeline::Filter> not_found_, not_allowed_, reject_;
  Chain not_found_chain_, default_reject_chain_;
  std::vector<Route> routes_;
};

// The path as routes are matched: without the /v1 prefix and trailing slashes.
std::string_view normalizePath(std::string_view path) noexcept;
using api::percentDecode;  // api/query.hpp
using api::queryParam;

}  // namespace switchyard::server
