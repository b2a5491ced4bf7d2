#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon_process.h"
#include "spread/client/publisher.h"

namespace spread::testing {

/// The real spreadd with the WebSocket transport on 127.0.0.1, for the client's tests: started
/// on port 0 from a config in a temporary directory of its own (removed afterwards), then
/// stoppable and restartable on the port it bound first. Every wait has a deadline.
class RunningSpreadd {
 public:
  static constexpr std::chrono::seconds kStartTimeout{20};
  static constexpr std::chrono::seconds kStopTimeout{20};

  /// `extraLines` are config lines added to the base (each "key = value"). Starts nothing yet.
  explicit RunningSpreadd(const std::vector<std::string>& extraLines = {});
  /// Kills a spreadd still running, and removes the directory.
  ~RunningSpreadd();
  RunningSpreadd(const RunningSpreadd&) = delete;
  RunningSpreadd& operator=(const RunningSpreadd&) = delete;

  /// Starts spreadd and waits for its readiness. On the first start it takes any free port; on
  /// later ones, the port the first start bound. Returns false (with the reason added as a test
  /// failure) if it did not become ready.
  bool start();
  /// SIGTERM, then waits for exit code 0. False (and a test failure) otherwise.
  bool stop();

  std::uint16_t port() const { return port_; }
  /// A publisher's options for this daemon, the rest left at their defaults.
  client::PublisherOptions publisherOptions() const {
    client::PublisherOptions options;
    options.port = port_;
    return options;
  }
  /// Writes `text` into the temporary directory and returns its path.
  std::string writeFile(const std::string& name, const std::string& text) const;
  /// The config file (for spread-token --config), and the directory it and spreadd run in.
  std::string configPath() const { return configPath_; }
  std::string directory() const { return directory_.string(); }

 private:
  std::filesystem::path directory_;
  std::string configPath_;
  std::vector<std::string> extraLines_;
  std::uint16_t port_ = 0;
  std::unique_ptr<DaemonProcess> process_;
};

/// Runs spread-token with `args` in `workingDirectory` and returns the token it printed; empty
/// (and a test failure) if it did not print one within a deadline.
std::string mintToken(const std::vector<std::string>& args, const std::string& workingDirectory);

}  // namespace spread::testing
