// Fuzz target: the config loader (config.yaml as LiteLLM writes it): YAML syntax, every section's
// validation, os.environ/ references, includes. Checked beyond crashes: a text either loads or
// fails with at least one error, and the two entry points (load, --check-config) agree.
// Input: the YAML text. Relative includes resolve against a directory that does not exist, so a
// run does not depend on the working directory (an absolute include reads a real file: bounded,
// regular files only).

#include <cstdlib>
#include <string>

#include "switchyard/config/config.hpp"
#include "switchyard/providers/provider.hpp"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto loaded = config::loadConfigText(yaml, "/nonexistent-switchyard-fuzz/config.yaml");
  const config::CheckResult checked =
      config::checkConfigText(yaml, "/nonexistent-switchyard-fuzz/config.yaml");
  if (loaded.has_value() != checked.errors.empty()) std::abort();
  if (loaded) {
    providers::listUnsupportedProviders(*loaded);
    (void)config::logMessages(*loaded);
  } else if (loaded.error().message.empty()) {
    std::abort();
  }
  return 0;
}
