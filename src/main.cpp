// switchyard: wiring only. Parses the command line (docs/design.md §1), loads the config, runs the
// server.

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "switchyard/config/config.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/server/server.hpp"
#include "switchyard/store/store.hpp"
#include "switchyard/telemetry/log.hpp"

namespace {

constexpr const char* kUsage =
    "usage: switchyard --config FILE [--host H] [--port P] [--workers N] [--log-level L] "
    "[--check-config]\n"
    "  --config FILE    LiteLLM-format config.yaml\n"
    "  --host H         address to bind (default 0.0.0.0)\n"
    "  --port P         port (default 4000; 0 = a free port, printed on the first line)\n"
    "  --workers N      worker threads (default: the number of cores)\n"
    "  --log-level L    trace|debug|info|warn|error|critical|off (default info)\n"
    "  --check-config   validate the config and exit (0 ok, 1 with messages)\n";

bool parseUnsigned(std::string_view s, unsigned long max, unsigned long& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out <= max;
}

}  // namespace

int main(int argc, char** argv) {
  switchyard::server::ServerOptions opts;
  std::string log_level = "info";
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::string_view {
      if (has_inline) return value;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %.*s needs a value\n%s", static_cast<int>(arg.size()),
                     arg.data(), kUsage);
        std::exit(1);
      }
      return argv[++i];
    };
    unsigned long n = 0;
    if (arg == "--config" || arg == "-c") {
      opts.config_path = next();
    } else if (arg == "--host") {
      opts.host = next();
    } else if (arg == "--port" || arg == "-p") {
      if (!parseUnsigned(next(), 65535, n)) {
        std::fprintf(stderr, "error: --port must be 0..65535\n");
        return 1;
      }
      opts.port = static_cast<std::uint16_t>(n);
    } else if (arg == "--workers" || arg == "--num_workers") {
      if (!parseUnsigned(next(), 1024, n) || n == 0) {
        std::fprintf(stderr, "error: --workers must be 1..1024\n");
        return 1;
      }
      opts.workers = static_cast<unsigned>(n);
    } else if (arg == "--log-level" || arg == "--log_level") {
      log_level = std::string(next());
      for (char& c : log_level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (log_level == "warning") log_level = "warn";
    } else if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "error: unknown argument %s\n%s", argv[i], kUsage);
      return 1;
    }
  }
  if (opts.config_path.empty()) {
    std::fprintf(stderr, "error: --config is required\n%s", kUsage);
    return 1;
  }

  switchyard::config::CheckResult checked = switchyard::config::checkConfigFile(opts.config_path);
  switchyard::providers::listUnsupportedProviders(checked.loaded);
  if (check_only) {
    // Errors, warnings, then every key that loads and does nothing (docs/litellm-compatibility.md).
    for (const std::string& e : checked.errors) std::printf("error: %s\n", e.c_str());
    for (const std::string& w : checked.loaded.warnings) std::printf("warning: %s\n", w.c_str());
    // A database_url that does not parse: the config is valid, the start would fail.
    if (auto refusal = switchyard::store::startupRefusal(
            checked.loaded.config.general_settings.database_url)) {
      std::printf("warning: %s\n", refusal->c_str());
    }
    for (const auto& k : checked.loaded.ignored) {
      std::printf("ignored: %s\n", switchyard::config::describe(k).c_str());
    }
    if (!checked.errors.empty()) {
      std::printf("config has %zu error%s: %s\n", checked.errors.size(),
                  checked.errors.size() == 1 ? "" : "s", opts.config_path.c_str());
      return 1;
    }
    std::printf("config OK: %s (%zu deployments, %zu keys ignored)\n", opts.config_path.c_str(),
                checked.loaded.config.model_list.size(), checked.loaded.ignored.size());
    return 0;
  }
  if (!checked.errors.empty()) {
    for (const std::string& e : checked.errors) {
      std::fprintf(stderr, "error: %s\n", e.c_str());
      std::printf("error: %s\n", e.c_str());
    }
    return 1;
  }
  switchyard::config::LoadResult* loaded = &checked.loaded;
  if (!switchyard::telemetry::initLogging(log_level, loaded->config.litellm_settings.json_logs)) {
    std::fprintf(stderr, "error: unknown --log-level %s\n", log_level.c_str());
    return 1;
  }
  int code;
  {
    switchyard::server::Server server(std::move(opts), std::move(*loaded));
    code = server.run();
  }
  spdlog::shutdown();  // flushes the last log lines and stops the periodic flusher
  return code;
}
