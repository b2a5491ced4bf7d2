#include "proc_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace spread::bench {

std::optional<ProcessSample> sampleProcess(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  ProcessSample sample;
  {
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // After the name come state (field 3) ... utime (14) and stime (15).
    for (int index = 3; index <= 15 && fields >> field; ++index) {
      if (index == 14) utime = std::stoull(field);
      if (index == 15) stime = std::stoull(field);
    }
    if (!fields) return std::nullopt;
    sample.cpuSeconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status(dir + "/status");
  std::string key;
  std::uint64_t kib = 0;
  while (status >> key) {
    if (key == "VmRSS:" && status >> kib) sample.rssBytes = kib * 1024;
    else if (key == "VmHWM:" && status >> kib) sample.rssPeakBytes = kib * 1024;
    else if (key == "Threads:") status >> sample.threads;
    status.ignore(1 << 16, '\n');
  }
  if (sample.threads == 0) return std::nullopt;
  return sample;
}

std::optional<ProcessSample> sampleProcesses(const std::vector<int>& pids) {
  if (pids.empty()) return std::nullopt;
  ProcessSample total;
  for (int pid : pids) {
    const std::optional<ProcessSample> one = sampleProcess(pid);
    if (!one) return std::nullopt;
    total.cpuSeconds += one->cpuSeconds;
    total.rssBytes += one->rssBytes;
    total.rssPeakBytes += one->rssPeakBytes;
    total.threads += one->threads;
  }
  return total;
}

std::optional<std::uint32_t> countDescriptors(int pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return std::nullopt;
  std::uint32_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

double selfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace spread::bench
