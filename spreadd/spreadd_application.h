#pragma once

#include <Poco/Util/ServerApplication.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon_config.h"
#include "transport_set.h"

namespace spread::daemon {

/// spreadd: reads its configuration, loads and starts the configured transports over one
/// broker, prints its readiness, waits for SIGINT, SIGTERM or SIGQUIT, then shuts down
/// gracefully (see shutdown_sequence.h). Shaped like Poco's Util SampleServer.
///
/// REQUIRES: the termination signals are blocked (blockTerminationSignals()) before run(),
/// so that every thread the server starts inherits the mask and only sigwait() sees them.
///
/// Exit status: 0 after a graceful shutdown (also when a transport had to be abandoned at
/// the end of the grace period) and for --help and a good --check-config; EXIT_CONFIG (78)
/// for a configuration or plugin error; EXIT_UNAVAILABLE (69) when a transport fails to
/// start; EXIT_USAGE (64) for stray arguments.
class SpreaddApplication final : public Poco::Util::ServerApplication {
 public:
  SpreaddApplication();

  /// Blocks SIGINT, SIGTERM and SIGQUIT in the calling thread. Call first thing in main().
  static void blockTerminationSignals();

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  void displayHelp() const;
  // Reads and validates the configuration; reports errors and returns nullopt if bad.
  std::optional<DaemonConfig> readConfig(std::string& describedSource) const;
  // Sends logging where the configuration says (making logging.file absolute first).
  bool setUpLogging(DaemonConfig& config) const;
  std::string resolvePluginDir(const std::string& configured) const;
  std::string fromStartDirectory(const std::string& path) const;
  int serve(const DaemonConfig& config, TransportSet& transports);
  [[noreturn]] void exitAbandoningTransports(int status);

  // The working directory at launch. --daemon moves to "/" before main() runs, so every
  // relative path from the command line or the configuration is resolved against this.
  const std::string startDirectory_;
  std::string configPath_;  // absolute; empty when --config was not given
  std::string pidFile_;     // absolute; empty when --pidfile was not given
  bool helpRequested_ = false;
  bool checkOnly_ = false;
};

}  // namespace spread::daemon
