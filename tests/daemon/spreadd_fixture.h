#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon_process.h"

namespace spread::testing {

/// A test that runs the real spreadd (built at SPREAD_SPREADD_PATH) with the fake
/// transport, in a temporary directory of its own that is removed afterwards.
class SpreaddTest : public ::testing::Test {
 protected:
  // Generous bounds for a loaded two-core machine; waits return as soon as they can.
  static constexpr std::chrono::seconds kStartTimeout{20};
  static constexpr std::chrono::seconds kExitTimeout{20};

  void SetUp() override;
  void TearDown() override;

  /// Writes `text` to <temporary directory>/<name> and returns its path.
  std::string writeFile(const std::string& name, const std::string& text) const;

  /// A configuration that runs the fake transport from the build's lib directory, followed
  /// by `extraLines` (each a full line, e.g. "spread.executorThreads = 3").
  std::string fakeConfig(const std::vector<std::string>& extraLines = {}) const;

  /// Starts spreadd with `args` in the temporary directory.
  std::unique_ptr<DaemonProcess> spawn(const std::vector<std::string>& args);

  /// Starts spreadd with the config file `config` and waits for its readiness line.
  std::unique_ptr<DaemonProcess> startReady(const std::string& config);

  /// Runs spreadd with `args` to its end (it is expected not to serve) and returns status.
  ExitStatus runToExit(const std::vector<std::string>& args, std::string* errors = nullptr,
                       std::string* output = nullptr);

  std::filesystem::path directory_;
};

}  // namespace spread::testing
