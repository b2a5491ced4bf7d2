// The presence entry point of the real libspread_engine_redis.so, loaded as spreadd would:
// it makes a RedisPresence from engine.redis.* keys that lists what it was told, and refuses
// a bad key by name.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "link_probe.h"
#include "redis_server.h"
#include "spread/transport/presence_plugin_api.h"

namespace spread::plugins::redis::testing {
namespace {

using ::testing::HasSubstr;
using transport::EngineSettings;
using transport::PresencePlugin;

const PresencePlugin* loadPlugin() {
  void* library = dlopen(SPREAD_ENGINE_REDIS_PATH, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return nullptr;  // kept open: the presence's code lives in it
  using Entry = const PresencePlugin* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(library, transport::kPresencePluginSymbol));
  return entry == nullptr ? nullptr : entry();
}

TEST(RedisPresencePluginTest, TheEntryPointMakesAPresenceFromTheEngineKeys) {
  RedisServer server;
  server.start();
  const PresencePlugin* plugin = loadPlugin();
  ASSERT_NE(plugin, nullptr) << dlerror();
  ASSERT_EQ(plugin->abiVersion, transport::kPresencePluginAbiVersion);

  EngineSettings settings;
  settings.keys = {{"host", "127.0.0.1"}, {"port", std::to_string(server.port())}, {"prefix", "plug:"},
                   {"backoffMinMs", "10"}, {"backoffMaxMs", "50"}, {"presenceTtlMs", "2000"}};
  std::string problem;
  transport::Presence* presence = plugin->create(settings, problem);
  ASSERT_NE(presence, nullptr) << problem;
  ASSERT_TRUE(plugin->start(*presence, problem)) << problem;
  presence->join("chat", "ann", nullptr);

  // Lists until the link is up and the join written, within the deadline.
  transport::PresenceListing seen;
  const auto deadline = std::chrono::steady_clock::now() + kAwaitDeadline;
  do {
    auto answer = std::make_shared<std::promise<transport::PresenceListing>>();
    auto listing = answer->get_future();
    presence->list("chat", 10, [answer](transport::PresenceListing got) { answer->set_value(std::move(got)); });
    if (listing.wait_for(kAwaitDeadline) != std::future_status::ready) break;
    seen = listing.get();
  } while (seen.list.count != 1 && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(seen.list.count, 1u) << seen.problem;
  EXPECT_EQ(seen.list.members.at(0).name, "ann");
  plugin->destroy(presence);
}

TEST(RedisPresencePluginTest, ABadTtlIsRefusedNamingTheKey) {
  const PresencePlugin* plugin = loadPlugin();
  ASSERT_NE(plugin, nullptr) << dlerror();
  EngineSettings settings;
  settings.keys = {{"presenceTtlMs", "5"}};
  std::string problem;
  EXPECT_EQ(plugin->create(settings, problem), nullptr);
  EXPECT_THAT(problem, HasSubstr("presenceTtlMs"));
}

}  // namespace
}  // namespace spread::plugins::redis::testing
