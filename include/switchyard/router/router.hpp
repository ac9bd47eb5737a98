#pragma once
// Which deployment serves a request (DESIGN §4). This first version indexes the model list by
// alias and orders an alias's deployments by weighted random choice (`weight`, else `rpm`, else
// `tpm`, else equal). Strategies, cooldowns and fallbacks plug in here later.

#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/config/config.hpp"

namespace switchyard::router {

class Router {
 public:
  // Indexes `cfg.model_list`; `cfg` must outlive the router.
  explicit Router(const config::Config& cfg);

  bool hasAlias(std::string_view alias) const;
  // Aliases in the order they first appear in model_list.
  const std::vector<std::string>& aliases() const noexcept { return aliases_; }
  // The alias's deployments (config order); empty when unknown.
  const std::vector<const config::Deployment*>& deployments(std::string_view alias) const;

  // Attempt order for one request: a weighted random first pick, then the others in weighted
  // random order. Empty when the alias is unknown.
  std::vector<const config::Deployment*> plan(std::string_view alias, std::mt19937_64& rng) const;

  static double weightOf(const config::Deployment& d) noexcept;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> aliases_;
  std::unordered_map<std::string, std::vector<const config::Deployment*>, StringHash, std::equal_to<>> by_alias_;
};

}  // namespace switchyard::router
