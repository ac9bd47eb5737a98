// azure adapter: not written yet (issue 3). Until then its prefix answers "not supported yet".
#include "adapters.hpp"

namespace switchyard::providers {

std::unique_ptr<Provider> makeAzure(Transport&) { return nullptr; }

}  // namespace switchyard::providers
