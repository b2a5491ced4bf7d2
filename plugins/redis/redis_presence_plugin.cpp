// The second entry point of libspread_engine_redis.so: a RedisPresence from the same
// engine.redis.* keys as the backplane, so every node lists every node's subscribers.
#include <charconv>
#include <exception>
#include <string>

#include "redis_presence.h"
#include "spread/transport/presence_plugin_api.h"

namespace spread::plugins::redis {
namespace {

// The daemon checked every value's type and range; the backplane's reader refuses an unknown
// key, so this one only picks out what presence uses.
bool readPresenceKeys(const transport::EngineSettings& settings, RedisPresenceOptions& options, std::string& problem) {
  for (const auto& [key, value] : settings.keys) {
    long long n = 0;
    const bool numeric = key == "port" || key == "db" || key.ends_with("Ms");
    if (numeric) {
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
        problem = key + ": '" + value + "' is not a number";
        return false;
      }
    }
    if (key == "host") options.link.host = value;
    else if (key == "password") options.link.password = value;
    else if (key == "prefix") options.prefix = value;
    else if (key == "port") options.link.port = static_cast<int>(n);
    else if (key == "db") options.link.db = static_cast<int>(n);
    else if (key == "connectTimeoutMs") options.link.connectTimeout = std::chrono::milliseconds(n);
    else if (key == "commandTimeoutMs") options.link.commandTimeout = std::chrono::milliseconds(n);
    else if (key == "backoffMinMs") options.link.backoffMin = std::chrono::milliseconds(n);
    else if (key == "backoffMaxMs") options.link.backoffMax = std::chrono::milliseconds(n);
    else if (key == "presenceTtlMs") options.ttl = std::chrono::milliseconds(n);
  }
  problem = validatePresenceOptions(options);
  return problem.empty();
}

transport::Presence* create(const transport::EngineSettings& settings, std::string& problem) {
  try {
    RedisPresenceOptions options;
    if (!readPresenceKeys(settings, options, problem)) return nullptr;
    return new RedisPresence(std::move(options));
  } catch (const std::exception& error) {
    problem = error.what();
    return nullptr;
  }
}

bool start(transport::Presence& presence, std::string& problem) {
  try {
    static_cast<RedisPresence&>(presence).start();
    return true;
  } catch (const std::exception& error) {
    problem = std::string("presence: ") + error.what();
    return false;
  }
}

void destroy(transport::Presence* presence) { delete presence; }

}  // namespace
}  // namespace spread::plugins::redis

extern "C" __attribute__((visibility("default"))) const ::spread::transport::PresencePlugin* spread_engine_presence() {
  namespace redis = ::spread::plugins::redis;
  static const ::spread::transport::PresencePlugin plugin{::spread::transport::kPresencePluginAbiVersion,
                                                          redis::create, redis::start, redis::destroy};
  return &plugin;
}
