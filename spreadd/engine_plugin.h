#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "daemon_config.h"
#include "spread/core/backplane.h"
#include "spread/transport/engine_plugin_api.h"
#include "spread/transport/presence_plugin_api.h"

namespace Poco {
class SharedLibrary;
}

namespace spread::daemon {

/// The backplane of spread.engine = redis (or any engine plugin), made by its plugin
/// libspread_engine_<name>.so, which stays loaded while the backplane lives; and the
/// presence the plugin shares between nodes, if it offers one (kPresencePluginSymbol).
class EnginePlugin {
 public:
  /// Loads the plugin of `config.engine` from `pluginDir` and lets it check its keys; nothing
  /// starts. Returns the errors (the plugin file and the reason, or the key, file and line).
  static std::variant<std::unique_ptr<EnginePlugin>, std::string> load(const DaemonConfig& config,
                                                                       const std::string& pluginDir);
  ~EnginePlugin();
  EnginePlugin(const EnginePlugin&) = delete;
  EnginePlugin& operator=(const EnginePlugin&) = delete;

  core::Backplane& backplane() const { return *backplane_; }
  const std::string& name() const { return name_; }
  /// "redis 127.0.0.1:6379".
  std::string describe() const { return plugin_->describe(*backplane_); }
  std::vector<transport::EngineCounter> counters() const { return plugin_->counters(*backplane_); }
  /// The plugin's shared presence, not started; null if the plugin has none.
  transport::Presence* presence() const { return presence_; }
  /// Starts the shared presence connecting; false with `problem` set if it cannot.
  bool startPresence(std::string& problem) const;

 private:
  EnginePlugin(std::unique_ptr<Poco::SharedLibrary> library, const transport::EnginePlugin* plugin,
               core::Backplane* backplane, std::string name);
  // Creates the plugin's presence if it offers one; the problem (located) when it refuses.
  std::string loadPresence(const DaemonConfig& config, const transport::EngineSettings& settings);

  std::unique_ptr<Poco::SharedLibrary> library_;
  const transport::EnginePlugin* plugin_;
  core::Backplane* backplane_;
  std::string name_;
  const transport::PresencePlugin* presencePlugin_ = nullptr;
  transport::Presence* presence_ = nullptr;
};

}  // namespace spread::daemon
