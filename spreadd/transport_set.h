#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "spread/transport/stream_endpoint.h"

#include "daemon_config.h"
#include "server_runtime.h"
#include "spread/transport/plugin_loader.h"
#include "spread/transport/transport.h"

namespace Poco::Util {
class MapConfiguration;
}

namespace spread::daemon {

/// The transports the configuration lists, loaded from their plugins, and the context each
/// was started with (a transport may keep referring to it until it has stopped).
/// Every method runs on the daemon's main thread.
class TransportSet {
 public:
  using WallClock = std::chrono::steady_clock;

  TransportSet() = default;
  ~TransportSet();
  TransportSet(TransportSet&&) noexcept;
  TransportSet& operator=(TransportSet&&) noexcept;

  /// Loads the plugin of every transport in `config`, from `pluginDir`, and keeps each
  /// one's keys. Loading starts no thread. On failure returns one message per plugin that
  /// failed, each naming the file and the reason.
  static std::variant<TransportSet, std::vector<std::string>> load(const DaemonConfig& config,
                                                                   const std::string& pluginDir);

  /// Asks every transport whether it accepts its keys in `config` and `config`'s session
  /// options (Transport::checkConfig), starting nothing: the configuration it was loaded
  /// with, or one read for a reload. Returns one message per transport that refused, in
  /// order, located as start() locates its errors; empty if all accept.
  std::vector<std::string> checkConfig(const DaemonConfig& config) const;

  /// Starts the transports in order, each with its own keys and a logger named
  /// "spread.transport.<name>". Stops at the first failure and returns its message; when the
  /// message names one of the transport's keys, it is located as "<file>:<line>: <key>: ...".
  /// Transports started before the failure stay started (shut them down as usual).
  /// REQUIRES: checkConfig(config) returned no error, so a failure here is a resource.
  /// `authenticator`: what checks clients' tokens, or null (auth.mode = none); it must
  /// outlive the transports.
  std::optional<std::string> start(ServerRuntime& runtime, const DaemonConfig& config,
                                   const transport::auth::Authenticator* authenticator);

  /// (name, endpoint) of each started transport, in start order.
  std::vector<std::pair<std::string, std::string>> endpoints() const;

  /// What a reload did to the transports: full keys ("transport.<name>.<key>").
  struct ReloadReport {
    std::vector<std::string> applied;
    std::vector<std::string> needsRestart;
    std::vector<std::string> errors;  // what a transport could not apply, one sentence each
  };

  /// Hands every started transport its keys in `next` and the ones that changed since it
  /// started or last applied them (Transport::reload); a transport `next` does not list is
  /// left as it is. REQUIRES: checkConfig(next) returned no error.
  ReloadReport reload(const DaemonConfig& next);

  /// beginDrain() on every started transport.
  void beginDrain();

  /// Stops every started transport, telling each to close what is left at `closeBy`, and
  /// waits for them until `waitUntil`. Returns the names of those that did not report
  /// completion by then.
  std::vector<std::string> stop(WallClock::time_point closeBy, WallClock::time_point waitUntil);

  /// Destroys every transport. REQUIRES: none is running (never started, or stopped).
  void unload();

  /// Gives up ownership without destroying anything: used when a transport did not stop,
  /// since destroying it, or anything it may still use, could block or crash.
  void abandon();

 private:
  struct Entry;
  // Before entries_, so that it outlives every transport that registered in it.
  std::unique_ptr<transport::StreamEndpoints> streams_ = std::make_unique<transport::StreamEndpoints>();
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace spread::daemon
