#pragma once
// A local collector for the exporters' tests: an OTLP/HTTP receiver or a webhook endpoint.
//
// FakeOpenAI's machinery with a dialect that answers every POST 200 `{}` (OTLP's
// ExportTraceServiceResponse). Faults come from the same Behavior queue (hang, error statuses,
// close), so a test can make the collector dead, slow or failing. Every request is recorded.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_openai.hpp"

namespace switchyard::test {

class FakeCollector {
 public:
  FakeCollector();
  FakeOpenAI& server() { return server_; }
  std::string url(const std::string& path) const;  // "http://127.0.0.1:PORT" + path
  std::vector<RecordedRequest> posts() const { return server_.requests(); }

  // OTLP: every span of every post received so far, flattened, each with its resource's
  // service.name added as "_service".
  std::vector<nlohmann::json> spans() const;
  // Waits until at least `n` spans arrived.
  bool waitForSpans(std::size_t n, Millis timeout) const;

 private:
  FakeOpenAI server_;
};

// An OTLP attribute's value as JSON (string, int as number, double, bool); null when absent.
nlohmann::json spanAttribute(const nlohmann::json& span, const std::string& key);

}  // namespace switchyard::test
