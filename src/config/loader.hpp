#pragma once
// The config.yaml loader (private to the config module): one Loader per load, its sections in
// model_list.cpp (model_list, credential_list) and settings.cpp (router_settings, litellm_settings,
// general_settings), the document and the ids in config.cpp.

#include <string>
#include <vector>

#include "reader.hpp"

namespace switchyard::config {

class Loader : public Reader {
 public:
  explicit Loader(std::string source) : Reader(std::move(source)) {
    environment_ = &result_.config.environment_variables;
  }

  CheckResult load(const std::string& yaml);

 private:
  // model_list.cpp
  void parseCredentialList(const Value& v);
  void parseModelList(const Value& v);
  void parseDeployment(const Value& v, Deployment& d, int& id_line);
  void parseLitellmParams(const Value& v, Deployment& d);
  void applyCredential(const Value& name, Deployment& d);
  void parseModelInfo(const Value& v, Deployment& d, int& id_line);
  // settings.cpp
  void parseRouterSettings(const Value& v);
  void parseModelGroupAlias(const Value& v);
  void parseRoutingStrategyArgs(const Value& v);
  void parseLitellmSettings(const Value& v);
  void parseCacheParams(const Value& v);
  void parseGeneralSettings(const Value& v);
  // A setting kept as JSON for a later feature: a list of mappings, else an error.
  std::shared_ptr<const nlohmann::json> keepList(const Entry& e, std::string_view area);
  // callbacks.cpp
  void parseCallbackSettings(const Value& v);
  void resolveCallbacks();  // after every section: callbacks -> otel, webhooks
  // config.cpp
  void processIncludes(YAML::Node& root);
  void parseEnvironment(const Value& v);
  void assignIds();

  // A named credential of credential_list (secrets: never logged).
  struct Credential {
    std::string api_key, api_base, api_version;
  };

  // A callback_settings entry, until the callbacks lists are known.
  struct PendingCallback {
    std::string type, path;
    int line = 0;
    WebhookSettings webhook;
  };
  std::map<std::string, PendingCallback> callback_settings_;
  // litellm_settings.callbacks / success_callback / failure_callback, where they were written.
  struct CallbackList {
    std::vector<std::string> names;
    std::string path;
    int line = 0;
  };
  CallbackList callbacks_, callbacks_success_, callbacks_failure_;

  LoadResult result_;
  std::map<std::string, Credential> credentials_;
  bool master_key_set_ = false;
  bool database_url_set_ = false;
  bool alerting_webhook_ = false;   // general_settings.alerting names "webhook"
  bool budget_alert_types_ = true;  // general_settings.alert_types absent or has "budget_alerts"
  std::vector<int> id_lines_;  // per deployment: line of an explicit model_info.id, else 0
};

}  // namespace switchyard::config
