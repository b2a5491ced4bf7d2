// The entry point of libspread_engine_redis.so: a RedisBackplane from the engine.redis.* keys.
#include <charconv>
#include <exception>
#include <string>

#include "redis_backplane.h"
#include "spread/transport/engine_plugin_api.h"

namespace spread::plugins::redis {
namespace {

// The daemon checked every value's type and range; what is left is how the keys combine.
bool readKeys(const transport::EngineSettings& settings, RedisBackplaneOptions& options, std::string& problem) {
  auto number = [&](const std::string& key, const std::string& value, long long& out) {
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
      problem = key + ": '" + value + "' is not a number";
      return false;
    }
    return true;
  };
  for (const auto& [key, value] : settings.keys) {
    long long n = 0;
    if (key == "host") {
      options.link.host = value;
    } else if (key == "password") {
      options.link.password = value;
    } else if (key == "prefix") {
      options.prefix = value;
    } else if (key == "port" || key == "db" || key.ends_with("Ms")) {
      if (!number(key, value, n)) return false;
      if (key == "port") options.link.port = static_cast<int>(n);
      else if (key == "db") options.link.db = static_cast<int>(n);
      else if (key == "connectTimeoutMs") options.link.connectTimeout = std::chrono::milliseconds(n);
      else if (key == "commandTimeoutMs") options.link.commandTimeout = std::chrono::milliseconds(n);
      else if (key == "backoffMinMs") options.link.backoffMin = std::chrono::milliseconds(n);
      else if (key == "backoffMaxMs") options.link.backoffMax = std::chrono::milliseconds(n);
      else if (key == "presenceTtlMs") continue;  // presence's (redis_presence_plugin.cpp)
      else {
        problem = key + ": is not a key of the redis engine";
        return false;
      }
    } else {
      problem = key + ": is not a key of the redis engine";
      return false;
    }
  }
  options.historySize = settings.historySize;
  options.historyTtl = std::chrono::duration_cast<std::chrono::milliseconds>(settings.historyTtl);
  if (options.link.host.empty()) problem = "host: is empty";
  else if (options.prefix.find_first_of("{}") != std::string::npos)
    problem = "prefix: '" + options.prefix + "' contains '{' or '}', which would break the Redis Cluster hash tag";
  else if (options.link.backoffMax < options.link.backoffMin) problem = "backoffMaxMs: is smaller than backoffMinMs";
  else if (std::string other = validateBackplaneOptions(options); !other.empty()) problem = other;
  return problem.empty();
}

core::Backplane* create(const transport::EngineSettings& settings, std::string& problem) {
  try {
    RedisBackplaneOptions options;
    if (!readKeys(settings, options, problem)) return nullptr;
    return new RedisBackplane(std::move(options));
  } catch (const std::exception& error) {
    problem = error.what();
    return nullptr;
  }
}

void destroy(core::Backplane* backplane) { delete backplane; }

std::vector<transport::EngineCounter> counters(const core::Backplane& backplane) {
  RedisBackplaneCounters c = static_cast<const RedisBackplane&>(backplane).counters();
  return {
      {"redis_appends_total", "Messages Redis numbered and published for this node.", c.appends},
      {"redis_append_failures_total", "Publishes that could not be appended (Redis lost, refused, or late).",
       c.appendFailures},
      {"redis_entries_received_total", "Messages the Redis feed brought for topics this node follows.",
       c.entriesReceived},
      {"redis_malformed_dropped_total", "Feed messages dropped because they were not '<epoch>:<offset>:<bytes>'.",
       c.malformedDropped},
      {"redis_reconnects_total", "Times the link to Redis came back after having been up.", c.reconnects},
  };
}

std::string describe(const core::Backplane& backplane) {
  return "redis " + static_cast<const RedisBackplane&>(backplane).server();
}

}  // namespace
}  // namespace spread::plugins::redis

extern "C" __attribute__((visibility("default"))) const ::spread::transport::EnginePlugin* spread_engine_plugin() {
  namespace redis = ::spread::plugins::redis;
  static const ::spread::transport::EnginePlugin plugin{::spread::transport::kEngineAbiVersion, "redis",
                                                        redis::create, redis::destroy, redis::counters,
                                                        redis::describe};
  return &plugin;
}
