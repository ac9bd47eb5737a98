// FakeCollector (collector.hpp).

#include "support/collector.hpp"

#include <thread>

#include "support/otlp_decode.hpp"

namespace switchyard::test {
namespace {

using nlohmann::json;

class CollectorDialect final : public FakeDialect {
 public:
  std::string modelOf(const RecordedRequest&) const override { return ""; }
  bool serve(const RecordedRequest& req, const Behavior& b, FakeResponder& out) override {
    if (b.kind == Behavior::Kind::kError) {
      return out.respond(b.status, "application/json",
                         b.body.empty() ? R"({"code":14,"message":"unavailable"})" : b.body);
    }
    return out.respond(200, "application/json", "{}");
  }
};

FakeOpenAI::Options options() {
  FakeOpenAI::Options o;
  o.dialect = std::make_shared<CollectorDialect>();
  return o;
}

}  // namespace

FakeCollector::FakeCollector() : server_(options()) {}

std::string FakeCollector::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
}

std::vector<json> FakeCollector::spans() const {
  std::vector<json> out;
  for (const RecordedRequest& r : server_.requests()) {
    // Protobuf (OTLP/HTTP's default) or JSON, read into the same shape.
    json body = r.header("content-type") == "application/x-protobuf" ? otlpProtoToJson(r.body)
                                                                      : r.json();
    if (!body.is_object() || !body.contains("resourceSpans")) continue;
    for (const json& rs : body["resourceSpans"]) {
      std::string service;
      for (const json& a : rs["resource"]["attributes"])
        if (a["key"] == "service.name") service = a["value"]["stringValue"];
      for (const json& ss : rs["scopeSpans"]) {
        for (json s : ss["spans"]) {
          s["_service"] = service;
          out.push_back(std::move(s));
        }
      }
    }
  }
  return out;
}

bool FakeCollector::waitForSpans(std::size_t n, Millis timeout) const {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (spans().size() >= n) return true;
    std::this_thread::sleep_for(Millis(20));
  }
  return spans().size() >= n;
}

json spanAttribute(const json& span, const std::string& key) {
  if (!span.contains("attributes")) return nullptr;
  for (const json& a : span["attributes"]) {
    if (a["key"] != key) continue;
    const json& v = a["value"];
    if (v.contains("stringValue")) return v["stringValue"];
    if (v.contains("intValue")) return std::stoll(v["intValue"].get<std::string>());
    if (v.contains("doubleValue")) return v["doubleValue"];
    if (v.contains("boolValue")) return v["boolValue"];
  }
  return nullptr;
}

}  // namespace switchyard::test
