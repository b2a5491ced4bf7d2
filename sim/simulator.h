#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "checker.h"
#include "scenario.h"

namespace spread::sim {

class Timeline;

struct RunOptions {
  /// Directory holding libspread_transport_sim.so.
  std::string pluginDir;
  /// Deliberate bugs to switch on (tests only), by name: in the real server code
  /// (core::InjectedFaults), at the probe (ProbeBugs) or in the sim plugin.
  std::vector<std::string> bugs;
  /// Where to write the JSON-lines trace; null hashes it only.
  std::ostream* traceOut = nullptr;
  Timeline* timeline = nullptr;
  /// Replaces the scenario's seed when set.
  std::optional<std::uint64_t> seed;
  /// Every run is bounded: at most this many executor tasks.
  std::size_t stepsMax = 20'000'000;
  /// Quiet time after the last event before the implicit shutdown of a scenario that
  /// has none.
  core::Duration settle = std::chrono::seconds(1);
};

struct RunStats {
  std::uint64_t connections = 0;  // client sessions opened on the server
  std::uint64_t deliveries = 0;   // messages read by clients
  std::uint64_t accepted = 0;     // messages accepted by topics
  std::uint64_t steps = 0;        // executor tasks run
  core::Duration virtualTime{};   // where the clock ended
};

struct RunResult {
  /// Set when the run could not even start (the plugin did not load, a bug name is
  /// unknown); the scenario was not judged.
  std::string setupError;
  std::optional<Violation> violation;
  int line = 0;            // the scenario line in effect when the violation happened
  std::string lineText;    // that line's event, as written
  int connectionLine = 0;  // the line that opened the connection at fault, if any
  std::uint64_t seed = 0;
  std::uint64_t traceHash = 0;
  std::uint64_t traceLines = 0;
  RunStats stats;

  bool ok() const { return setupError.empty() && !violation; }
  /// "<file>:<line>: invariant <name> broken (seed N): <detail>", then the line's event,
  /// or the setup error.
  std::string describe(const std::string& file) const;
};

/// Runs one scenario against the real broker, PublishService and Session logic through
/// the simulated transport plugin (loaded with PluginLoader), on a ManualClock and
/// ManualExecutor: one thread, virtual time, every task in a fixed order. After every
/// executor task the Checker's invariants are checked; the run stops at the first
/// violation. The same scenario, seed and options give a byte-identical trace.
RunResult runScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace spread::sim
