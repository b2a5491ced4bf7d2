#pragma once

#include <Poco/Util/ServerApplication.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon_config.h"
#include "detachment.h"
#include "engine_plugin.h"
#include "transport_set.h"

namespace spread::daemon {

/// spreadd: reads its configuration, loads and starts the configured transports over one
/// broker, prints its readiness, waits for SIGINT, SIGTERM or SIGQUIT (reloading the
/// transports' credentials on each SIGHUP meanwhile), then shuts down gracefully (see
/// shutdown_sequence.h). Shaped like Poco's Util SampleServer.
///
/// REQUIRES: the termination signals are blocked (blockTerminationSignals()) before run(),
/// so that every thread the server starts inherits the mask and only sigwait() sees them.
///
/// With --daemon, spreadd validates everything (as --check-config does) before it detaches,
/// and the launching process waits for the detached server to be ready (see Detachment):
/// it exits with the same status and prints the same messages as a run without --daemon.
///
/// Exit status (the README's table):
///   0                      after a graceful shutdown (also when a transport had to be
///                          abandoned at the end of the grace period), --help, --version,
///                          and a good --check-config;
///   EXIT_USAGE (64)        a command line it cannot parse: an unknown option, an option
///                          without its argument or given twice, a stray argument;
///   EXIT_CONFIG (78)       a value it cannot use, whoever checks it: a daemon key, a
///                          transport's key (Transport::checkConfig), the configuration or
///                          log or pid file that cannot be read or written, a transport
///                          plugin that is missing or unusable; --check-config finds all of
///                          these, and nothing has started when they are found;
///   EXIT_UNAVAILABLE (69)  a transport whose start() fails once its keys were accepted (a
///                          port in use, ...).
class SpreaddApplication final : public Poco::Util::ServerApplication {
 public:
  SpreaddApplication();

  /// Blocks SIGINT, SIGTERM, SIGQUIT and SIGHUP in the calling thread. Call first thing in main().
  static void blockTerminationSignals();

  /// Runs spreadd on its command line and returns the exit status above. Use it instead of
  /// run(argc, argv), which reports a command line it cannot parse as EXIT_CONFIG.
  int runCommandLine(int argc, char** argv);

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  // Called only once the command line has been parsed.
  void initialize(Poco::Util::Application& self) override;
  int main(const std::vector<std::string>& args) override;

 private:
  void displayHelp() const;
  // Reads and validates the configuration; reports errors and returns nullopt if bad.
  // Adds to `errors` (one message each) when the configuration cannot be read or used.
  std::optional<DaemonConfig> readConfig(std::string& describedSource, std::vector<std::string>& errors) const;
  // Sends logging where the configuration says (making logging.file absolute first).
  bool setUpLogging(DaemonConfig& config) const;
  std::string resolvePluginDir(const std::string& configured) const;
  std::string fromStartDirectory(const std::string& path) const;
  int serve(DaemonConfig& config, TransportSet& transports, const transport::auth::Authenticator* authenticator,
            EnginePlugin* enginePlugin);
  // SIGHUP: rereads the configuration and applies what can change to `running` and the
  // transports, or refuses it as start would and changes nothing.
  void reload(DaemonConfig& running, TransportSet& transports);
  [[noreturn]] void exitAbandoningTransports(const DaemonConfig& config, int status);
  // In the detached server: replaces the launcher's pid in --pidfile's file by its own.
  bool rewritePidFile() const;

  // The working directory at launch. --daemon moves to "/" when it detaches, so every
  // relative path from the command line or the configuration is resolved against this.
  const std::string startDirectory_;
  std::string configPath_;  // absolute; empty when --config was not given
  std::string pidFile_;     // absolute; empty when --pidfile was not given
  std::string pidFileError_;  // why --pidfile's file could not be written; empty if it was
  bool daemon_ = false;  // --daemon; Poco never sees it (see runCommandLine)
  std::optional<Detachment> detachment_;  // in the detached server, until it reports ready
  bool helpRequested_ = false;
  bool versionRequested_ = false;
  bool checkOnly_ = false;
  bool commandLineParsed_ = false;
};

}  // namespace spread::daemon
