// Proves the simulated transport is a real plugin: the real PluginLoader loads the built
// MODULE, SimControl is reached from its Transport by dynamic_cast with one shared
// type_info across the .so boundary, its config is checked, and a connection opened
// through it runs the real Session against the real broker.
#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include "spread/core/broker.h"
#include "spread/core/manual_executor.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/transport/plugin_loader.h"

namespace spread::plugins::sim {
namespace {

class PluginBoundaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport::LoadResult result = transport::PluginLoader::loadFile(SPREAD_SIM_PLUGIN_PATH);
    if (auto* error = std::get_if<transport::PluginError>(&result)) FAIL() << error->message();
    loaded_ = std::move(std::get<std::unique_ptr<transport::LoadedTransport>>(result));
  }

  transport::StartResult start() {
    context_ = std::make_unique<transport::TransportContext>(
        transport::TransportContext{broker_, clock_, executor_, metrics_, publisher_,
                                    transport::SessionOptions{}, *config_, Poco::Logger::get("test")});
    return loaded_->transport().start(*context_);
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  core::Broker broker_{clock_, executor_};
  transport::Metrics metrics_;
  transport::PublishService publisher_{broker_, metrics_, std::chrono::milliseconds(100), "chat"};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  std::unique_ptr<transport::TransportContext> context_;
  std::unique_ptr<transport::LoadedTransport> loaded_;
};

TEST_F(PluginBoundaryTest, LoaderFindsItByName) {
  transport::LoadResult result = transport::PluginLoader(SPREAD_SIM_PLUGIN_DIR).load("sim");
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<transport::LoadedTransport>>(result));
  EXPECT_EQ(std::get<std::unique_ptr<transport::LoadedTransport>>(result)->transport().name(), "sim");
}

TEST_F(PluginBoundaryTest, ControlIsReachedByDynamicCastWithOneSharedTypeInfo) {
  auto* control = dynamic_cast<SimControl*>(&loaded_->transport());
  ASSERT_NE(control, nullptr);
  // The same type_info object on both sides, not merely an equal name: the key function
  // lives in libspread_sim_control.so, which both link.
  EXPECT_EQ(&control->controlTypeSeenByPlugin(), &typeid(SimControl));
  // And the cast back lands on the same object.
  EXPECT_EQ(dynamic_cast<transport::Transport*>(control), &loaded_->transport());
}

TEST_F(PluginBoundaryTest, UnknownConfigKeyIsRefusedByName) {
  config_->setString("port", "8000");
  const transport::StartResult result = start();
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "unknown key 'port' for transport sim");
}

TEST_F(PluginBoundaryTest, BadCloseTimeoutIsRefusedByName) {
  config_->setString("closeTimeoutMs", "soon");
  const transport::StartResult result = start();
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error.rfind("closeTimeoutMs: ", 0), 0u) << result.error;
}

TEST_F(PluginBoundaryTest, ConnectionRunsARealSessionOnTheBroker) {
  ASSERT_TRUE(start().ok);
  auto* control = dynamic_cast<SimControl*>(&loaded_->transport());
  ASSERT_NE(control, nullptr);
  const ConnectionId id = control->connect(ConnectRequest{"alice", "chat", 8, LinkOptions{}});
  EXPECT_EQ(id, 1u);
  executor_.advanceBy(std::chrono::milliseconds(5));
  auto topic = broker_.find("chat");
  ASSERT_NE(topic, nullptr);
  EXPECT_EQ(topic->stats().subscribers, 1u);
  EXPECT_EQ(loaded_->transport().stats().sessionsOpen, 1u);

  control->leave(id);
  executor_.advanceBy(std::chrono::milliseconds(5));
  EXPECT_EQ(topic->stats().subscribers, 0u);
  EXPECT_EQ(loaded_->transport().stats().connectionsOpen, 0u);
  EXPECT_EQ(executor_.escapedExceptions(), 0u);
}

}  // namespace
}  // namespace spread::plugins::sim
