#include "switchyard/router/router.hpp"

namespace switchyard::router {

Router::Router(const config::Config& cfg) {
  for (const config::Deployment& d : cfg.model_list) {
    auto [it, inserted] = by_alias_.try_emplace(d.model_name);
    if (inserted) aliases_.push_back(d.model_name);
    it->second.push_back(&d);
  }
}

bool Router::hasAlias(std::string_view alias) const { return by_alias_.find(alias) != by_alias_.end(); }

const std::vector<const config::Deployment*>& Router::deployments(std::string_view alias) const {
  static const std::vector<const config::Deployment*> kEmpty;
  auto it = by_alias_.find(alias);
  return it == by_alias_.end() ? kEmpty : it->second;
}

double Router::weightOf(const config::Deployment& d) noexcept {
  if (d.weight) return *d.weight;
  if (d.rpm) return static_cast<double>(*d.rpm);
  if (d.tpm) return static_cast<double>(*d.tpm);
  return 1.0;
}

std::vector<const config::Deployment*> Router::plan(std::string_view alias,
                                                    std::mt19937_64& rng) const {
  std::vector<const config::Deployment*> out = deployments(alias);
  if (out.size() < 2) return out;
  // Weighted order without replacement: repeatedly draw one of the remaining by weight.
  // A zero weight is only picked after every positive one.
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    double total = 0;
    for (std::size_t j = i; j < out.size(); ++j) total += weightOf(*out[j]);
    std::size_t pick = i;
    if (total > 0) {
      double r = std::uniform_real_distribution<double>(0.0, total)(rng);
      for (std::size_t j = i; j < out.size(); ++j) {
        double w = weightOf(*out[j]);
        if (w <= 0) continue;
        pick = j;
        if (r < w) break;
        r -= w;
      }
    } else {
      pick = i + std::uniform_int_distribution<std::size_t>(0, out.size() - 1 - i)(rng);
    }
    std::swap(out[i], out[pick]);
  }
  return out;
}

}  // namespace switchyard::router
