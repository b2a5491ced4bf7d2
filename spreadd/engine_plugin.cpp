#include "engine_plugin.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/SharedLibrary.h>

namespace spread::daemon {

namespace {

// "port: is out of range" -> "<file>:<line>: engine.redis.port: is out of range", when the
// problem starts with one of the engine's keys; otherwise "engine 'redis': <problem>".
std::string located(const EngineSelection& engine, const std::string& problem) {
  for (const auto& [key, setting] : engine.keys) {
    if (problem.starts_with(key + ": ")) {
      return ConfigError{setting.source, setting.line, "engine." + engine.name + "." + key,
                         problem.substr(key.size() + 2)}
          .message();
    }
  }
  return "engine '" + engine.name + "': " + problem;
}

}  // namespace

EnginePlugin::EnginePlugin(std::unique_ptr<Poco::SharedLibrary> library, const transport::EnginePlugin* plugin,
                           core::Backplane* backplane, std::string name)
    : library_(std::move(library)), plugin_(plugin), backplane_(backplane), name_(std::move(name)) {}

EnginePlugin::~EnginePlugin() {
  // After the transports stopped: no session is in the presence any more.
  if (presence_ != nullptr) presencePlugin_->destroy(presence_);
  plugin_->destroy(backplane_);
  // Never unloaded, as transports are not: the backplane's threads may still be winding down.
}

std::variant<std::unique_ptr<EnginePlugin>, std::string> EnginePlugin::load(const DaemonConfig& config,
                                                                            const std::string& pluginDir) {
  const std::string& name = config.engine.name;
  Poco::Path path(pluginDir);
  path.makeDirectory();
  path.setFileName("libspread_engine_" + name + ".so");
  const std::string file = path.toString();
  const std::string lead = "spread.engine = " + name + ": " + file + ": ";
  auto library = std::make_unique<Poco::SharedLibrary>();
  try {
    if (!Poco::File(file).exists()) return lead + "no such file";
    library->load(file);
  } catch (const Poco::Exception& error) {
    return lead + "cannot be loaded as a shared library: " + error.displayText();
  }
  if (!library->hasSymbol(transport::kEnginePluginSymbol)) {
    return lead + "is not a Spread engine plugin (no '" + transport::kEnginePluginSymbol + "' symbol)";
  }
  using Entry = const transport::EnginePlugin* (*)();
  const transport::EnginePlugin* plugin = reinterpret_cast<Entry>(library->getSymbol(transport::kEnginePluginSymbol))();
  if (plugin == nullptr) return lead + "its entry point returned nothing";
  if (plugin->abiVersion != transport::kEngineAbiVersion) {
    return lead + "was built for engine ABI version " + std::to_string(plugin->abiVersion) +
           ", this spreadd needs version " + std::to_string(transport::kEngineAbiVersion);
  }
  if (!plugin->create || !plugin->destroy || !plugin->counters || !plugin->describe) {
    return lead + "its entry point lacks a function";
  }
  transport::EngineSettings settings;
  for (const auto& [key, setting] : config.engine.keys) settings.keys.emplace_back(key, setting.value);
  settings.historySize = config.broker.topic.historySize;
  settings.historyTtl = config.broker.topic.historyTtl;
  std::string problem;
  core::Backplane* backplane = plugin->create(settings, problem);
  if (backplane == nullptr) return located(config.engine, problem.empty() ? "its create function failed" : problem);
  std::unique_ptr<EnginePlugin> loaded(new EnginePlugin(std::move(library), plugin, backplane, name));
  if (std::string refused = loaded->loadPresence(config, settings); !refused.empty()) return refused;
  return loaded;
}

std::string EnginePlugin::loadPresence(const DaemonConfig& config, const transport::EngineSettings& settings) {
  if (!library_->hasSymbol(transport::kPresencePluginSymbol)) return {};
  using Entry = const transport::PresencePlugin* (*)();
  const transport::PresencePlugin* plugin =
      reinterpret_cast<Entry>(library_->getSymbol(transport::kPresencePluginSymbol))();
  const std::string lead = "spread.engine = " + name_ + ": its presence ";
  if (plugin == nullptr || !plugin->create || !plugin->start || !plugin->destroy) return lead + "entry point is incomplete";
  if (plugin->abiVersion != transport::kPresencePluginAbiVersion) {
    return lead + "was built for presence ABI version " + std::to_string(plugin->abiVersion) +
           ", this spreadd needs version " + std::to_string(transport::kPresencePluginAbiVersion);
  }
  std::string problem;
  transport::Presence* presence = plugin->create(settings, problem);
  if (presence == nullptr) return located(config.engine, problem.empty() ? "its presence could not be made" : problem);
  presencePlugin_ = plugin;
  presence_ = presence;
  return {};
}

bool EnginePlugin::startPresence(std::string& problem) const {
  return presence_ == nullptr || presencePlugin_->start(*presence_, problem);
}

}  // namespace spread::daemon
