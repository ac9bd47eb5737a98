#pragma once
// The fixture of the multi-instance suites (multi_instance_test.cpp, team_multi_instance_test.cpp):
// one real PostgreSQL per suite, a database and a password-protected redis-server per test, and
// `launch(n)` gateway instances on both, each subscribed to the key-events channel before the
// test relies on it. A suite gives its config (yaml(), with redisSettings()).

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/gateway_process.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

namespace switchyard::test {
namespace {

class SharedStoreInstancesTest : public ::testing::Test {
 protected:
  static constexpr const char* kRedisPassword = "mipw";

  static void SetUpTestSuite() { pg_ = new PostgresServer(); }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(pg_->started()) << pg_->startError();
    db_ = "mi" + std::to_string(::getpid()) + "_" + std::to_string(++counter_);
    ASSERT_TRUE(pg_->createDatabase(db_));
    redis_ = std::make_unique<RedisServer>(RedisServer::Options{.password = kRedisPassword});
    ASSERT_TRUE(redis_->started()) << redis_->startError();
  }
  void TearDown() override {
    gw_.clear();
    if (pg_->started()) pg_->execute("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
  }

  // The gateway config of every instance.
  virtual std::string yaml() const = 0;
  // The test's Redis in router_settings.
  ConfigBuilder& redisSettings(ConfigBuilder& c) const {
    return c.router("redis_host", "127.0.0.1")
        .router("redis_port", std::to_string(redis_->port()))
        .router("redis_password", kRedisPassword);
  }

  // Starts n instances on the test's database and Redis.
  void launch(int n) {
    for (int i = 0; i < n; ++i) {
      GatewayOptions o;
      o.binary = switchyardBinary();
      o.workers = 2;
      o.env["DATABASE_URL"] = pg_->urlForDatabase(db_);
      auto gw = std::make_unique<GatewayProcess>(yaml(), o);
      ASSERT_TRUE(gw->started()) << gw->startError();
      ASSERT_TRUE(gw->waitForLog("key events: subscribed", std::chrono::seconds(5)))
          << gw->logText();
      gw_.push_back(std::move(gw));
    }
  }
  std::uint16_t port(std::size_t i) const { return gw_[i]->port(); }
  std::string sql(const std::string& query) const { return pg_->query(query, db_); }

  static inline PostgresServer* pg_ = nullptr;
  static inline int counter_ = 0;
  std::string db_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<GatewayProcess>> gw_;
};

}  // namespace
}  // namespace switchyard::test
