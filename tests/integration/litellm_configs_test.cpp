// Realistic LiteLLM config files (tests/configs/litellm/*.yaml) pass `--check-config`: exit 0, a
// "config OK: " line, no "error:" line, and the expectation comments each file carries:
//   # expect-ignored: KEY.PATH      an output line starts "ignored: KEY.PATH"
//   # expect-not-ignored: KEY.PATH  no output line starts "ignored: KEY.PATH" (nor a key under it)
//   # expect-warning: TEXT          an output line starts "warning: TEXT"
// Every os.environ/NAME a file reads gets a dummy value in the child's environment, unless the
// file's environment_variables section defines NAME.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

namespace fs = std::filesystem;

std::string configDir() {
  if (const char* env = std::getenv("SWITCHYARD_SOURCE_DIR"); env && *env) {
    return std::string(env) + "/tests/configs/litellm";
  }
#ifdef SWITCHYARD_SOURCE_DIR
  return SWITCHYARD_SOURCE_DIR "/tests/configs/litellm";
#else
  return "tests/configs/litellm";
#endif
}

// The .yaml file names in the folder, sorted.
std::vector<std::string> configFiles() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(configDir(), ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == ".yaml") {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

struct Expectations {
  std::vector<std::string> ignored, not_ignored, warnings;
};

Expectations expectationsOf(const std::string& text) {
  static const std::regex kExpect(R"(#\s*expect-(not-)?ignored:\s*(\S+))");
  static const std::regex kWarning(R"(#\s*expect-warning:\s*(\S.*\S|\S))");
  Expectations e;
  for (const std::string& line : splitLines(text)) {
    std::smatch m;
    if (std::regex_search(line, m, kWarning)) {
      e.warnings.push_back(m[1].str());
    } else if (std::regex_search(line, m, kExpect)) {
      (m[1].matched ? e.not_ignored : e.ignored).push_back(m[2].str());
    }
  }
  return e;
}

// The names the top-level `environment_variables:` mapping (block style) defines.
std::set<std::string> definedVariables(const std::string& text) {
  static const std::regex kKey(R"(^[ \t]+["']?([A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*:)");
  std::set<std::string> names;
  bool inside = false;
  for (const std::string& line : splitLines(text)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    if (first == 0) {
      inside = startsWith(line, "environment_variables:");
      continue;
    }
    std::smatch m;
    if (inside && std::regex_search(line, m, kKey)) names.insert(m[1].str());
  }
  return names;
}

// A value the key it is read for accepts: ports must be integers.
std::string dummyValue(const std::string& name) {
  if (name.size() >= 5 && name.compare(name.size() - 5, 5, "_PORT") == 0) return "6379";
  return "dummy-" + name;
}

// os.environ/NAME for every NAME the file reads and does not define itself.
std::map<std::string, std::string> childEnvironment(const std::string& text) {
  static const std::regex kRef(R"(os\.environ/([A-Za-z_][A-Za-z0-9_]*))");
  const std::set<std::string> defined = definedVariables(text);
  std::map<std::string, std::string> env;
  for (std::sregex_iterator it(text.begin(), text.end(), kRef), end; it != end; ++it) {
    const std::string name = (*it)[1].str();
    if (!defined.count(name)) env[name] = dummyValue(name);
  }
  return env;
}

// True if a line reports `path`, or a key under it, as ignored.
bool reportsIgnored(const std::vector<std::string>& out, const std::string& path) {
  const std::string prefix = "ignored: " + path;
  for (const std::string& line : out) {
    if (!startsWith(line, prefix)) continue;
    if (line.size() == prefix.size()) return true;
    const char next = line[prefix.size()];
    if (next == ' ' || next == ':' || next == '.' || next == '[') return true;
  }
  return false;
}

// True if the file writes the last key of `path` ("model_list[2].litellm_params.model" -> a
// "model:" key), so an expect-not-ignored line cannot pass for a key the file does not have.
bool writesKey(const std::string& text, const std::string& path) {
  std::string key = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  key = key.substr(0, key.find('['));
  const std::regex written("(^|[\\s{,])" + key + ":", std::regex::multiline);
  return std::regex_search(text, written);
}

std::string testName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

TEST(LitellmConfigsFolder, HoldsAtLeastTwelveConfigs) {
  const std::vector<std::string> files = configFiles();
  EXPECT_GE(files.size(), 12u) << "in " << configDir();
}

class LitellmConfigs : public ::testing::TestWithParam<std::string> {};

TEST_P(LitellmConfigs, CheckConfigPassesWithItsExpectations) {
  const std::string path = configDir() + "/" + GetParam();
  const std::string text = readFile(path);
  ASSERT_FALSE(text.empty()) << "cannot read " << path;
  ASSERT_TRUE(startsWith(text, "#")) << path << " must open with a comment saying what it covers";
  const Expectations expect = expectationsOf(text);
  EXPECT_FALSE(expect.ignored.empty() && expect.not_ignored.empty())
      << path << " has no expect-ignored / expect-not-ignored comments";

  const std::map<std::string, std::string> env = childEnvironment(text);
  const RunResult r = runBinary(switchyardBinary(), {"--config", path, "--check-config"},
                                std::chrono::milliseconds(10000), env);
  std::string env_names;
  for (const auto& [name, value] : env) env_names += " " + name;
  const std::string report = "switchyard --config " + path + " --check-config\nexit code " +
                             std::to_string(r.exit_code) + "; dummy variables:" + env_names +
                             "\n---- stdout ----\n" + r.out + "---- stderr ----\n" + r.err +
                             "---- end ----";

  ASSERT_FALSE(r.timed_out) << report;
  EXPECT_EQ(r.exit_code, 0) << report;
  const std::vector<std::string> out = splitLines(r.out);
  EXPECT_TRUE(std::any_of(out.begin(), out.end(),
                          [](const std::string& l) { return startsWith(l, "config OK: "); }))
      << "no line starts with \"config OK: \"\n"
      << report;
  for (const std::string& line : out) {
    EXPECT_FALSE(startsWith(line, "error:")) << line << "\n" << report;
  }
  for (const std::string& key : expect.ignored) {
    EXPECT_TRUE(reportsIgnored(out, key))
        << "expect-ignored: no line starts with \"ignored: " << key << "\"\n"
        << report;
  }
  for (const std::string& text : expect.warnings) {
    EXPECT_TRUE(
        std::any_of(out.begin(), out.end(),
                    [&](const std::string& l) { return startsWith(l, "warning: " + text); }))
        << "expect-warning: no line starts with \"warning: " << text << "\"\n"
        << report;
  }
  for (const std::string& key : expect.not_ignored) {
    EXPECT_TRUE(writesKey(text, key)) << "expect-not-ignored: the file has no key " << key;
    EXPECT_FALSE(reportsIgnored(out, key))
        << "expect-not-ignored: a line reports \"" << key << "\" (or a key under it) ignored\n"
        << report;
  }
}

INSTANTIATE_TEST_SUITE_P(LitellmConfigs, LitellmConfigs, ::testing::ValuesIn(configFiles()),
                         testName);

}  // namespace
}  // namespace switchyard::test
