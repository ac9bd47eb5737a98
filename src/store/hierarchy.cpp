// effectiveLimits (hierarchy.hpp): a level's own limits, completed by its budget object's.

#include "switchyard/store/hierarchy.hpp"

namespace switchyard::store {
namespace {

template <class T>
void fill(std::optional<T>& own, const std::optional<T>& budget) {
  if (!own) own = budget;
}
void fill(std::string& own, const std::string& budget) {
  if (own.empty()) own = budget;
}
template <class V>
void fill(ByModel<V>& own, const ByModel<V>& budget) {
  if (own.empty()) own = budget;
}

}  // namespace

Limits effectiveLimits(const Limits& own, const Limits* budget) {
  Limits out = own;
  if (budget == nullptr) return out;
  fill(out.max_budget, budget->max_budget);
  fill(out.soft_budget, budget->soft_budget);
  fill(out.budget_duration, budget->budget_duration);
  fill(out.rpm_limit, budget->rpm_limit);
  fill(out.tpm_limit, budget->tpm_limit);
  fill(out.max_parallel_requests, budget->max_parallel_requests);
  fill(out.model_max_budget, budget->model_max_budget);
  fill(out.model_rpm_limit, budget->model_rpm_limit);
  fill(out.model_tpm_limit, budget->model_tpm_limit);
  return out;
}

}  // namespace switchyard::store
