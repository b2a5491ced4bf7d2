#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "property_file.h"
#include "spread/core/broker.h"
#include "spread/core/time.h"
#include "spread/transport/session_options.h"

namespace spread::daemon {

/// A configuration problem, located as precisely as its origin allows.
struct ConfigError {
  std::string source;  // the file, or "built-in defaults"
  int line = 0;        // 0 when the problem has no single line (a missing key)
  std::string key;
  std::string problem;
  /// "<source>:<line>: <key>: <problem>"
  std::string message() const;
};

/// A value and the place it came from, so that later errors can point at it.
struct Setting {
  std::string value;
  std::string source;
  int line = 0;
};

/// The keys handed to one transport, with the "transport.<name>." prefix removed.
struct TransportSettings {
  std::string name;
  std::vector<std::pair<std::string, Setting>> keys;  // in file order, one per key
};

/// The auth.* keys: who may subscribe and publish.
struct AuthSettings {
  bool jwt = false;       // auth.mode = jwt; otherwise none
  Setting hmacSecretFile;  // as written; empty: none
  Setting publicKeyFile;   // as written; empty: none
  core::Duration leeway{};
};

/// spread.engine and, for redis, the engine.redis.* keys (checked for type and range here;
/// the plugin checks how they combine, and its errors are located through `keys`).
struct EngineSelection {
  std::string name = "inprocess";                          // inprocess or redis
  std::vector<std::pair<std::string, Setting>> keys;       // engine.<name>.* without the prefix
};

/// Every daemon setting, validated. Built by readDaemonConfig() only.
struct DaemonConfig {
  std::vector<std::string> transports;  // plugin names, in start order
  std::string pluginDir;                // as written; empty means "next to the program"
  std::size_t executorThreads = 0;
  core::Duration shutdownGrace{};
  core::BrokerOptions broker;
  EngineSelection engine;
  std::string defaultTopic;
  transport::SessionOptions session;
  AuthSettings auth;
  int logPriority = 0;  // a Poco::Message::Priority, or 0 for "none"
  std::string logPattern;
  Setting logFile;                                   // the path as written, and where; an empty path means the console
  std::vector<TransportSettings> transportSettings;  // one per transport, same order
  /// Every daemon key's value as read (defaults included), to tell what a reload changes.
  std::map<std::string, std::string, std::less<>> values;
};

/// Merges `file` (if any) over `defaults` and validates the result. `defaults` defines the
/// known keys: every key it has outside transport.* is a daemon key. Keys under
/// transport.<name>. are collected for the transports listed in spread.transports; the
/// file naming a transport that is not listed is an error, while such keys in `defaults`
/// are ignored. Returns the configuration, or every error found (each naming the key, the
/// file and the line).
std::variant<DaemonConfig, std::vector<ConfigError>> readDaemonConfig(const PropertyFile& defaults,
                                                                      const PropertyFile* file);

/// "information" -> Poco::Message::PRIO_INFORMATION; "none" -> 0; unknown -> nullopt.
std::optional<int> parseLogLevel(std::string_view name);

/// If `error` mentions one of `settings`' keys (as a word, e.g. "unknown key 'bogus'"; the
/// first one it mentions), prefixes it with where that key was set: "<file>:<line>: transport.<name>.<key>: <error>"
/// (once: an error that starts with "transport.<name>.<key>: " loses that start).
/// Otherwise returns "transport '<name>': <error>".
std::string locateTransportError(const TransportSettings& settings, const std::string& error);

/// The keys whose value differs between `running` and `next` (present in one only, or with
/// another value), sorted. Keys are compared as written, so "10" and "010" differ.
std::vector<std::string> changedKeys(const std::map<std::string, std::string, std::less<>>& running,
                                     const std::map<std::string, std::string, std::less<>>& next);

/// `settings`' keys and values, for changedKeys().
std::map<std::string, std::string, std::less<>> valuesOf(const TransportSettings& settings);

}  // namespace spread::daemon
