#include "daemon_config.h"

#include <Poco/Message.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <thread>
#include <tuple>
#include <utility>

#include "spread/core/topic_name.h"

namespace spread::daemon {
namespace {

constexpr std::string_view kTransportPrefix = "transport.";

struct LevelName {
  std::string_view name;
  int priority;
};
constexpr std::array<LevelName, 9> kLevels{{
    {"none", 0},
    {"fatal", Poco::Message::PRIO_FATAL},
    {"critical", Poco::Message::PRIO_CRITICAL},
    {"error", Poco::Message::PRIO_ERROR},
    {"warning", Poco::Message::PRIO_WARNING},
    {"notice", Poco::Message::PRIO_NOTICE},
    {"information", Poco::Message::PRIO_INFORMATION},
    {"debug", Poco::Message::PRIO_DEBUG},
    {"trace", Poco::Message::PRIO_TRACE},
}};

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string trimmed(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// Reads typed values out of the merged settings, recording an error for each bad one.
class SettingReader {
 public:
  SettingReader(const std::map<std::string, Setting, std::less<>>& values, std::vector<ConfigError>& errors,
                std::string defaultsSource)
      : values_(values), errors_(errors), defaultsSource_(std::move(defaultsSource)) {}

  const Setting* find(std::string_view key) {
    auto found = values_.find(key);
    if (found != values_.end()) return &found->second;
    errors_.push_back(ConfigError{defaultsSource_, 0, std::string(key), "has no value (the defaults lack it)"});
    return nullptr;
  }

  void fail(std::string_view key, std::string problem) {
    const Setting* setting = find(key);
    if (setting != nullptr)
      errors_.push_back(ConfigError{setting->source, setting->line, std::string(key), std::move(problem)});
  }

  std::string text(std::string_view key) {
    const Setting* setting = find(key);
    return setting == nullptr ? std::string() : setting->value;
  }

  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const Setting* setting = find(key);
    if (setting == nullptr) return min;
    const std::string& value = setting->value;
    const std::string range =
        " (expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ")";
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || error == std::errc::invalid_argument || end != value.data() + value.size()) {
      fail(key, "'" + value + "' is not a number" + range);
      return min;
    }
    if (error == std::errc::result_out_of_range || number < min || number > max) {
      fail(key, value + " is out of range" + range);
      return min;
    }
    return number;
  }

  std::chrono::milliseconds milliseconds(std::string_view key, std::int64_t min, std::int64_t max) {
    return std::chrono::milliseconds(integer(key, min, max));
  }

 private:
  const std::map<std::string, Setting, std::less<>>& values_;
  std::vector<ConfigError>& errors_;
  std::string defaultsSource_;
};

std::vector<std::string> readTransportList(SettingReader& reader) {
  constexpr std::string_view kKey = "spread.transports";
  const std::string list = reader.text(kKey);
  if (trimmed(list).empty()) {
    reader.fail(kKey, "names no transport; at least one is needed");
    return {};
  }
  std::vector<std::string> names;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string name = trimmed(std::string_view(list).substr(start, comma - start));
    if (name.empty()) {
      reader.fail(kKey, "'" + list + "' has an empty name between its commas");
    } else if (!std::all_of(name.begin(), name.end(), isNameChar)) {
      reader.fail(kKey, "'" + name + "' is not a transport name (letters, digits, '_' and '-' only)");
    } else if (std::find(names.begin(), names.end(), name) != names.end()) {
      reader.fail(kKey, "'" + name + "' is listed twice");
    } else {
      names.push_back(std::move(name));
    }
    if (comma == list.size()) return names;
    start = comma + 1;
  }
}

// Every engine.redis.* key is read (and so checked) whichever engine is chosen, so that a
// mistake shows before the day the engine is switched on.
void readEngineKeys(SettingReader& reader, EngineSelection& engine) {
  constexpr std::int64_t kTimeoutMsMax = 600'000;
  engine.name = reader.text("spread.engine");
  if (engine.name != "inprocess" && engine.name != "redis") {
    reader.fail("spread.engine", "'" + engine.name + "' is not an engine (inprocess or redis)");
  }
  if (reader.text("engine.redis.host").empty()) reader.fail("engine.redis.host", "is empty");
  reader.integer("engine.redis.port", 1, 65535);
  reader.integer("engine.redis.db", 0, 65535);
  const std::string prefix = reader.text("engine.redis.prefix");
  if (prefix.find_first_of("{}") != std::string::npos) {
    reader.fail("engine.redis.prefix", "'" + prefix + "' contains '{' or '}', which would move the hash tag off the topic");
  }
  reader.integer("engine.redis.connectTimeoutMs", 1, kTimeoutMsMax);
  reader.integer("engine.redis.commandTimeoutMs", 1, kTimeoutMsMax);
  const auto backoffMin = reader.integer("engine.redis.backoffMinMs", 1, kTimeoutMsMax);
  const auto backoffMax = reader.integer("engine.redis.backoffMaxMs", 1, kTimeoutMsMax);
  if (backoffMax < backoffMin) reader.fail("engine.redis.backoffMaxMs", "is smaller than engine.redis.backoffMinMs");
  reader.integer("engine.redis.presenceTtlMs", 100, kTimeoutMsMax);
  if (engine.name != "redis") return;
  for (const char* key : {"host", "port", "password", "db", "prefix", "connectTimeoutMs", "commandTimeoutMs",
                          "backoffMinMs", "backoffMaxMs", "presenceTtlMs"}) {
    const std::string full = std::string("engine.redis.") + key;
    if (const Setting* setting = reader.find(full)) engine.keys.emplace_back(key, *setting);
  }
}

void readDaemonKeys(SettingReader& reader, DaemonConfig& config) {
  constexpr std::int64_t kMessagesMax = 1'000'000;
  constexpr std::int64_t kBytesMax = std::int64_t{1} << 30;
  constexpr std::int64_t kDayMs = 86'400'000;
  // Each topic's history holds this many shared messages at most, so memory stays bounded
  // by topicsMax times this times the largest message.
  constexpr std::int64_t kHistorySizeMax = 100'000;

  config.transports = readTransportList(reader);
  config.pluginDir = reader.text("spread.pluginDir");
  // 0: one per core. Measured on 2 cores, fan-out with the executor on both and one I/O loop
  // beat every other split (README, "Sizing the threads").
  const auto executorThreads = static_cast<std::size_t>(reader.integer("spread.executorThreads", 0, 256));
  config.executorThreads = executorThreads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : executorThreads;
  config.shutdownGrace = reader.milliseconds("spread.shutdownGraceMs", 0, 3'600'000);

  config.broker.topicsMax = static_cast<std::size_t>(reader.integer("broker.topicsMax", 1, kMessagesMax));
  config.broker.topic.inboundMessagesMax =
      static_cast<std::size_t>(reader.integer("broker.inboundMessagesMax", 1, kMessagesMax));
  config.broker.topic.deliveryDelayTarget = reader.milliseconds("broker.deliveryDelayTargetMs", 0, 60'000);
  config.broker.topicLinger = reader.milliseconds("broker.topicLingerMs", 0, kDayMs);
  config.broker.topic.historySize = static_cast<std::size_t>(reader.integer("history.size", 0, kHistorySizeMax));
  config.broker.topic.historyTtl = reader.milliseconds("history.ttlMs", 0, kDayMs);
  config.broker.topic.historyBytesMax = static_cast<std::size_t>(reader.integer("history.bytesMax", 1, kBytesMax));
  config.defaultTopic = reader.text("broker.defaultTopic");
  if (auto problem = core::checkTopicName(config.defaultTopic)) {
    reader.fail("broker.defaultTopic", "'" + config.defaultTopic + "' is not a topic name: " + *problem);
  }
  // The default topic is where a request naming none goes: other names must never lock it out.
  config.broker.reservedTopic = config.defaultTopic;

  auto& session = config.session;
  session.queue.messagesMax = static_cast<std::size_t>(reader.integer("session.queueMessagesMax", 1, kMessagesMax));
  session.queue.bytesMax = static_cast<std::size_t>(reader.integer("session.queueBytesMax", 1, kBytesMax));
  session.sendWindowBytes = static_cast<std::size_t>(reader.integer("session.sendWindowBytes", 1, kBytesMax));
  session.messageBytesMax = static_cast<std::size_t>(reader.integer("session.messageBytesMax", 1, 64 << 20));
  session.pingInterval = reader.milliseconds("session.pingIntervalMs", 1, kDayMs);
  session.idleTimeout = reader.milliseconds("session.idleTimeoutMs", 1, kDayMs);
  session.publishWaitMax = reader.milliseconds("session.publishWaitMs", 0, 60'000);
  session.publishesPerSecond = static_cast<double>(reader.integer("session.publishesPerSecond", 0, 100'000'000));
  session.publishBurst = static_cast<double>(reader.integer("session.publishBurst", 1, 100'000'000));
  session.nameBytesMax = static_cast<std::size_t>(reader.integer("session.nameBytesMax", 1, 64 << 10));

  readEngineKeys(reader, config.engine);

  const std::string mode = reader.text("auth.mode");
  if (mode != "none" && mode != "jwt") reader.fail("auth.mode", "'" + mode + "' is not an auth mode (none or jwt)");
  config.auth.jwt = mode == "jwt";
  if (const Setting* secret = reader.find("auth.jwt.hmacSecretFile")) config.auth.hmacSecretFile = *secret;
  if (const Setting* key = reader.find("auth.jwt.publicKeyFile")) config.auth.publicKeyFile = *key;
  config.auth.leeway = reader.milliseconds("auth.jwt.leewayMs", 0, 3'600'000);
  if (config.auth.jwt && config.auth.hmacSecretFile.value.empty() && config.auth.publicKeyFile.value.empty()) {
    reader.fail("auth.mode", "is jwt, but neither auth.jwt.hmacSecretFile nor auth.jwt.publicKeyFile names a key");
  }

  const std::string level = reader.text("logging.level");
  if (auto priority = parseLogLevel(level)) {
    config.logPriority = *priority;
  } else {
    std::string names;
    for (const auto& known : kLevels) names += (names.empty() ? "" : ", ") + std::string(known.name);
    reader.fail("logging.level", "'" + level + "' is not a log level (one of " + names + ")");
  }
  config.logPattern = reader.text("logging.pattern");
  if (config.logPattern.empty()) reader.fail("logging.pattern", "is empty");
  if (const Setting* logFile = reader.find("logging.file")) config.logFile = *logFile;
}

// Splits "transport.<name>.<key>" into name and key; nullopt if it has no key part, or a
// part of the name is empty ("transport.websocket..port"): a transport's configuration
// could not list such a key by its parts.
std::optional<std::pair<std::string, std::string>> splitTransportKey(std::string_view key) {
  const std::string_view rest = key.substr(kTransportPrefix.size());
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return std::nullopt;
  const std::string_view name = rest.substr(dot + 1);
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) return std::nullopt;
  return std::pair{std::string(rest.substr(0, dot)), std::string(name)};
}

void collectTransportKey(const PropertyEntry& entry, const std::string& source, bool fromDefaults, DaemonConfig& config,
                         std::vector<ConfigError>& errors) {
  auto split = splitTransportKey(entry.key);
  if (!split) {
    if (!fromDefaults) {
      errors.push_back(
          ConfigError{source, entry.line, entry.key, "is not of the form transport.<name>.<key>, with no empty part"});
    }
    return;
  }
  // Named references rather than a structured binding: clang before 16 (the fuzz preset's
  // clang++-14) cannot capture a binding in a lambda.
  const std::string& name = split->first;
  const std::string& key = split->second;
  auto transport = std::find_if(config.transportSettings.begin(), config.transportSettings.end(),
                                [&](const TransportSettings& settings) { return settings.name == name; });
  if (transport == config.transportSettings.end()) {
    if (!fromDefaults) {
      errors.push_back(ConfigError{source, entry.line, entry.key,
                                   "configures transport '" + name + "', which spread.transports does not list"});
    }
    return;
  }
  Setting setting{entry.value, source, entry.line};
  auto existing =
      std::find_if(transport->keys.begin(), transport->keys.end(), [&](const auto& pair) { return pair.first == key; });
  if (existing != transport->keys.end()) {
    existing->second = std::move(setting);
  } else {
    transport->keys.emplace_back(key, std::move(setting));
  }
}

}  // namespace

std::string ConfigError::message() const {
  std::string text = source;
  if (line > 0) text += ":" + std::to_string(line);
  return text + ": " + (key.empty() ? "(no key)" : key) + ": " + problem;
}

std::optional<int> parseLogLevel(std::string_view name) {
  for (const auto& level : kLevels) {
    if (equalsIgnoringCase(level.name, name)) return level.priority;
  }
  return std::nullopt;
}

std::variant<DaemonConfig, std::vector<ConfigError>> readDaemonConfig(const PropertyFile& defaults,
                                                                      const PropertyFile* file) {
  std::vector<ConfigError> errors;
  std::map<std::string, Setting, std::less<>> values;
  auto isTransportKey = [](const std::string& key) { return key.starts_with(kTransportPrefix); };

  for (const auto& entry : defaults.entries()) {
    if (!isTransportKey(entry.key)) values[entry.key] = Setting{entry.value, defaults.source(), entry.line};
  }
  if (file != nullptr) {
    for (const auto& entry : file->entries()) {
      if (entry.key.empty()) {
        errors.push_back(ConfigError{file->source(), entry.line, "", "the line has a value but no key"});
      } else if (isTransportKey(entry.key)) {
        continue;  // collected once the transport list is known
      } else if (values.find(entry.key) == values.end()) {
        errors.push_back(ConfigError{file->source(), entry.line, entry.key, "is not a known key"});
      } else {
        values[entry.key] = Setting{entry.value, file->source(), entry.line};
      }
    }
  }

  DaemonConfig config;
  SettingReader reader(values, errors, defaults.source());
  readDaemonKeys(reader, config);
  for (const auto& [key, setting] : values) config.values.emplace(key, setting.value);

  for (const auto& name : config.transports) config.transportSettings.push_back(TransportSettings{name, {}});
  for (const auto& entry : defaults.entries()) {
    if (isTransportKey(entry.key)) collectTransportKey(entry, defaults.source(), true, config, errors);
  }
  if (file != nullptr) {
    for (const auto& entry : file->entries()) {
      if (isTransportKey(entry.key)) collectTransportKey(entry, file->source(), false, config, errors);
    }
  }

  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.source, a.line) < std::tie(b.source, b.line);
    });
    return errors;
  }
  return config;
}

std::string locateTransportError(const TransportSettings& settings, const std::string& error) {
  auto isKeyChar = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  };
  const std::string fullPrefix = "transport." + settings.name + ".";
  // The key the error names first is the one it is about: an unknown key's error may go
  // on to list the keys that are known. Where two keys start at one place ("port" and a key
  // "port x" with a space in it), the longer is the one named.
  const std::pair<std::string, Setting>* best = nullptr;
  std::size_t bestAt = std::string::npos;
  for (const auto& candidate : settings.keys) {
    const std::string& key = candidate.first;
    for (std::size_t at = error.find(key); at != std::string::npos && at <= bestAt; at = error.find(key, at + 1)) {
      const bool startsWord =
          at == 0 || !isKeyChar(error[at - 1]) || std::string_view(error).substr(0, at).ends_with(fullPrefix);
      const std::size_t end = at + key.size();
      // A sentence may end right after the key, so a final '.' still ends the word.
      const bool endsWord = end == error.size() || !isKeyChar(error[end]) ||
                            (error[end] == '.' && (end + 1 == error.size() || !isKeyChar(error[end + 1])));
      if (!startsWord || !endsWord) continue;
      if (best == nullptr || at < bestAt || (at == bestAt && candidate.first.size() > best->first.size())) {
        best = &candidate;
        bestAt = at;
      }
      break;
    }
  }
  if (best == nullptr) return "transport '" + settings.name + "': " + error;
  const std::string fullKey = fullPrefix + best->first;
  // A transport that already starts its sentence with the full key would otherwise have
  // it printed twice.
  const std::string keyLead = fullKey + ": ";
  const std::string problem = error.starts_with(keyLead) ? error.substr(keyLead.size()) : error;
  return ConfigError{best->second.source, best->second.line, fullKey, problem}.message();
}

std::vector<std::string> changedKeys(const std::map<std::string, std::string, std::less<>>& running,
                                     const std::map<std::string, std::string, std::less<>>& next) {
  std::vector<std::string> changed;
  for (const auto& [key, value] : running) {
    const auto found = next.find(key);
    if (found == next.end() || found->second != value) changed.push_back(key);
  }
  for (const auto& [key, value] : next) {
    if (!running.contains(key)) changed.push_back(key);
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

std::map<std::string, std::string, std::less<>> valuesOf(const TransportSettings& settings) {
  std::map<std::string, std::string, std::less<>> values;
  for (const auto& [key, setting] : settings.keys) values.emplace(key, setting.value);
  return values;
}

}  // namespace spread::daemon
