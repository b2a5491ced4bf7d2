#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace spread::bench {

/// One reading of a process's resource use from /proc/<pid>.
struct ProcessSample {
  double cpuSeconds = 0;          // user + system, every thread
  std::uint64_t rssBytes = 0;     // resident now (VmRSS)
  std::uint64_t rssPeakBytes = 0; // resident high-water mark (VmHWM)
  std::uint32_t threads = 0;
};

/// Reads /proc/<pid>/stat and /proc/<pid>/status; nullopt if the process is gone or the
/// files cannot be parsed.
std::optional<ProcessSample> sampleProcess(int pid);

/// The sum of one reading of each of `pids` (CPU, RSS, peak RSS and threads added up: the
/// nodes of a cluster read as one server); nullopt if `pids` is empty or any one is unreadable,
/// so that a figure never silently covers fewer processes than asked.
std::optional<ProcessSample> sampleProcesses(const std::vector<int>& pids);

/// How many descriptors process `pid` has open (entries of /proc/<pid>/fd); nullopt if
/// the process is gone or the directory cannot be read (another user's process).
std::optional<std::uint32_t> countDescriptors(int pid);

/// This process's own user + system CPU time (getrusage), in seconds.
double selfCpuSeconds();

}  // namespace spread::bench
