// config.yaml -> Config (docs/design.md §2): the document, its top-level keys and the deployment
// ids. Every error is collected (the load goes on with the next key); messages name the key path
// and the 1-based YAML line, never a value that may be secret.

#include "switchyard/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "loader.hpp"

namespace switchyard::config {
namespace {

using api::Error;
using api::ErrorKind;

constexpr std::uintmax_t kMaxIncludeBytes = 64u << 20;  // an included file

// Top-level keys of LiteLLM's config that Switchyard does not read.
constexpr Ignored kIgnoredTopLevel[] = {
    {"mcp_servers", "not implemented (MCP)"},
    {"mcp_aliases", "not implemented (MCP)"},
    {"vector_store_registry", "not implemented (vector stores)"},
    {"search_tools", "not implemented"},
    {"files_settings", "not implemented (Files API)"},
    {"finetune_settings", "not implemented (fine-tuning API)"},
    {"assistant_settings", "not implemented (Assistants API)"},
    {"model_group_settings", "not implemented"},
};

// FNV-1a 64: a stable id for deployments without model_info.id.
std::string stableId(const Deployment& d) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // field separator
    h *= 1099511628211ull;
  };
  mix(d.model_name);
  mix(d.model);
  mix(d.api_base);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

}  // namespace

void Loader::parseEnvironment(const Value& v) {
  std::optional<std::vector<Entry>> fields = entries(v);
  if (!fields) return;
  for (Entry& e : *fields) {
    // Verbatim: os.environ/ is not resolved here, these are what it resolves against.
    if (!e.value.node.IsScalar()) {
      fail(e.value, "expected a string");
      continue;
    }
    result_.config.environment_variables[e.key] = e.value.node.Scalar();
  }
}

// model_info.id when given (duplicates are an error), else a stable hash; hash collisions (two
// identical entries) get "-2", "-3"... in file order, so ids stay stable across loads.
void Loader::assignIds() {
  auto& list = result_.config.model_list;
  std::map<std::string, std::size_t> used;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (id_lines_[i] == 0) continue;
    auto [it, inserted] = used.emplace(list[i].id, i);
    if (!inserted) {
      failAt(indexedPath("model_list", i) + ".model_info.id",
             "duplicate id \"" + list[i].id + "\" (also " + indexedPath("model_list", it->second) +
                 ")",
             id_lines_[i]);
    }
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (id_lines_[i] != 0) continue;
    std::string base = stableId(list[i]);
    std::string id = base;
    for (int n = 2; used.contains(id); ++n) id = base + "-" + std::to_string(n);
    used.emplace(id, i);
    list[i].id = std::move(id);
  }
}

// LiteLLM's `include: [file.yaml, ...]` (or one file name), relative to this file's directory:
// each included file's top-level lists extend this file's (model_list), other keys replace them.
// Lines in messages about included keys are those of the included file.
void Loader::processIncludes(YAML::Node& root) {
  YAML::Node include = root["include"];
  if (!include.IsDefined()) return;
  Value v{include, "include", lineOf(include, 1)};
  root.remove("include");
  std::vector<std::string> files;
  if (include.IsScalar()) {
    if (auto f = str(v)) files.push_back(std::move(*f));
  } else if (auto list = stringList(v)) {
    files = std::move(*list);
  }
  const std::filesystem::path base = std::filesystem::path(source()).parent_path();
  for (const std::string& name : files) {
    std::filesystem::path file = base / name;
    // A regular file of bounded size only: a path such as /dev/zero or a FIFO would never end.
    std::error_code ec;
    const bool regular = std::filesystem::is_regular_file(file, ec);
    std::ifstream in;
    if (regular) in.open(file, std::ios::binary);
    if (!regular || !in) {
      fail(v, "included file not found: " + file.string());
      continue;
    }
    if (std::filesystem::file_size(file, ec) > kMaxIncludeBytes) {
      fail(v, "included file over 64 MiB: " + file.string());
      continue;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      failAt(file.string(), "YAML syntax error: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
      continue;
    }
    if (!doc.IsDefined() || doc.IsNull()) continue;
    if (!doc.IsMap()) {
      failAt(file.string(), "expected a mapping at the top level", lineOf(doc, 0));
      continue;
    }
    for (const auto& kv : doc) {
      const std::string key = kv.first.Scalar();
      YAML::Node mine = root[key];
      if (mine.IsDefined() && mine.IsSequence() && kv.second.IsSequence()) {
        for (const auto& item : kv.second) mine.push_back(item);
      } else {
        root[key] = kv.second;
      }
    }
  }
}

CheckResult Loader::load(const std::string& yaml) {
  CheckResult out;
  auto finish = [&]() -> CheckResult {
    out.errors = std::move(errors_);
    out.loaded = std::move(result_);
    out.loaded.warnings = std::move(warnings_);
    out.loaded.ignored = std::move(ignored_);
    return std::move(out);
  };
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    failFile("YAML syntax error: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
    return finish();
  }
  if (!root.IsDefined() || root.IsNull()) {
    failFile("the file is empty; expected a mapping with model_list, router_settings, ...", 0);
    return finish();
  }
  if (!root.IsMap()) {
    failFile("expected a mapping at the top level", lineOf(root, 0));
    return finish();
  }
  processIncludes(root);
  Value top{root, "", 1};
  std::optional<std::vector<Entry>> fields = entries(top);
  if (!fields) return finish();
  // environment_variables first (os.environ/ anywhere else reads them), then credential_list
  // (deployments name its credentials).
  for (const Entry& e : *fields) {
    if (e.key == "environment_variables") parseEnvironment(e.value);
  }
  for (const Entry& e : *fields) {
    if (e.key == "credential_list") parseCredentialList(e.value);
  }
  for (const Entry& e : *fields) {
    if (e.key == "model_list") {
      parseModelList(e.value);
    } else if (e.key == "router_settings") {
      parseRouterSettings(e.value);
    } else if (e.key == "litellm_settings") {
      parseLitellmSettings(e.value);
    } else if (e.key == "general_settings") {
      parseGeneralSettings(e.value);
    } else if (e.key == "callback_settings") {
      parseCallbackSettings(e.value);
    } else if (e.key == "guardrails") {
      result_.config.guardrails = keepList(e, "guardrails");
    } else if (e.key == "environment_variables" || e.key == "credential_list") {
      continue;
    } else if (const Ignored* i = findIgnored(kIgnoredTopLevel, e.key)) {
      ignore(e, std::string(i->reason));
    } else {
      unknown(e);
    }
  }
  assignIds();
  resolveCallbacks();
  GeneralSettings& g = result_.config.general_settings;
  if (!master_key_set_) {
    if (auto key = envLookup("LITELLM_MASTER_KEY")) g.master_key = std::move(*key);
  }
  if (!database_url_set_) {
    if (auto url = envLookup("DATABASE_URL")) g.database_url = std::move(*url);
  }
  if (alerting_webhook_ && budget_alert_types_) {
    // LiteLLM's webhook alerting reads its address from WEBHOOK_URL.
    std::optional<std::string> url = envLookup("WEBHOOK_URL");
    if (url && !url->empty()) {
      g.budget_alert_webhook = std::move(*url);
    } else {
      warn(
          "general_settings.alerting: \"webhook\" needs the WEBHOOK_URL environment variable; "
          "no budget alerts are sent");
    }
  }
  return finish();
}

namespace {

api::Result<LoadResult> toResult(CheckResult checked, const std::string& source) {
  if (checked.errors.empty()) return std::move(checked.loaded);
  std::string message;
  for (const std::string& e : checked.errors) message += (message.empty() ? "" : "\n") + e;
  return Error{ErrorKind::kInvalidRequest, std::move(message), source};
}

CheckResult failed(std::string message) {
  CheckResult out;
  out.errors.push_back(std::move(message));
  return out;
}

}  // namespace

std::string describe(const IgnoredKey& k) { return withLine(k.path, k.line) + ": " + k.reason; }

std::vector<std::string> logMessages(const LoadResult& r) {
  std::vector<std::string> out = r.warnings;  // unknown keys are among them already
  for (const IgnoredKey& k : r.ignored) {
    if (k.reason != kUnknownKeyReason) out.push_back("ignored " + describe(k));
  }
  return out;
}

CheckResult checkConfigText(const std::string& yaml, const std::string& source_name) {
  try {
    return Loader(source_name).load(yaml);
  } catch (const std::exception& e) {
    return failed(source_name + ": cannot load the config: " + e.what());
  } catch (...) {
    return failed(source_name + ": cannot load the config");
  }
}

CheckResult checkConfigFile(const std::string& path) {
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return failed("cannot read config file " + path + ": it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return failed("cannot read config file " + path + ": " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return failed("cannot read config file " + path);
    CheckResult result = checkConfigText(text, path);
    result.loaded.config.source_path = path;
    return result;
  } catch (const std::exception& e) {
    return failed("cannot read config file " + path + ": " + e.what());
  }
}

api::Result<LoadResult> loadConfigText(const std::string& yaml, const std::string& source_name) {
  return toResult(checkConfigText(yaml, source_name), source_name);
}

api::Result<LoadResult> loadConfigFile(const std::string& path) {
  return toResult(checkConfigFile(path), path);
}

}  // namespace switchyard::config
