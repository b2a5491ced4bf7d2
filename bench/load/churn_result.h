#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "churn_options.h"
#include "churn_tally.h"
#include "proc_stats.h"

namespace spread::bench {

/// One reading of the server: /proc/PID/status and stat, and its descriptor count.
struct ServerSample {
  ProcessSample process;
  std::uint32_t descriptors = 0;
};

/// Everything a churn run measured, for the verdict and the report.
struct ChurnResult {
  ChurnOptions options;
  ChurnTally tally;  // over the warm-up and the soak

  // Publishing, over the warm-up and the soak.
  std::uint64_t publishesSent = 0;
  std::uint64_t publishesAccepted = 0;
  std::uint64_t publishesRefused = 0;  // answered, but not 2xx
  std::uint64_t publishesUnknown = 0;  // the connection ended before the answer
  std::uint64_t publisherReconnects = 0;
  double soakSeconds = 0;
  double soakPublishesPerS = 0;        // accepted per second during the soak

  std::optional<ServerSample> cold;      // before anything connected
  std::optional<ServerSample> baseline;  // after the warm-up, everything closed, settled
  std::optional<ServerSample> peak;      // highest RSS, descriptors and threads seen in the soak
  std::optional<ServerSample> after;     // after the soak, everything closed, settled
  double baselineSettleS = 0;            // how long the server took to settle each time
  double afterSettleS = 0;
  bool baselineSettled = false;          // false: the deadline passed first
  bool afterSettled = false;
  double serverCpuSeconds = 0;           // over the soak

  double benchCpuSeconds = 0;
  double benchCpuPercent = 0;            // of one core, over the whole run

  std::vector<std::string> failures;     // what the verdict found wrong; empty: passed
  std::vector<std::string> notes;
};

}  // namespace spread::bench
