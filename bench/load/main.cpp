// spread-bench: a load generator for Spread's chat protocol (see bench/README.md). Prints
// one JSON line on stdout and a human summary (and, on long runs, a live status line) on
// stderr. Exit status: 0 after a run, 2 for bad arguments, 1 if the run could not start,
// 3 if it ran but nothing got through (no subscriber connected, or no publish accepted).
// `spread-bench churn ...` is the soak of misbehaving clients: it exits 0 if its verdict
// passed and 1 if it failed or could not start.
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include "churn_options.h"
#include "churn_report.h"
#include "churn_run.h"
#include "load_run.h"
#include "options.h"
#include "report.h"

namespace {

// Each subscriber and publisher is a socket; thousands of connections need more than the
// usual soft limit of 1024 descriptors. Raises the soft limit as far as the hard one
// allows (at most to `wanted`, unless `toHard`); returns the limit now in force.
std::uint64_t raiseFileLimit(std::uint64_t wanted, bool toHard) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  const rlim_t target = toHard ? limit.rlim_max : static_cast<rlim_t>(wanted);
  if (limit.rlim_cur < target) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max > target ? target : limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

int runChurn(int argc, char** argv) {
  auto parsed = spread::bench::parseChurnOptions(argc, argv);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    const bool help = *error == spread::bench::churnUsage();
    (help ? std::cout : std::cerr) << (help ? "" : "spread-bench: ") << *error << (help ? "" : "\n");
    return help ? 0 : 2;
  }
  const auto& options = std::get<spread::bench::ChurnOptions>(parsed);
  // One socket per slot and per publisher, plus the loop's own and a margin.
  const std::uint64_t needed = std::uint64_t{options.clients} + options.publishers + 64;
  const std::uint64_t limit = raiseFileLimit(needed, true);
  if (limit < needed) {
    std::cerr << "spread-bench: churn: " << options.clients << " clients need about " << needed
              << " descriptors, but the hard limit (ulimit -Hn) allows " << limit
              << ": lower --clients or raise the limit\n";
    return 1;
  }
  try {
    spread::bench::ChurnRun run(options);
    const spread::bench::ChurnResult result = run.run();
    std::cout << spread::bench::toChurnJsonLine(result) << std::endl;
    if (!options.quiet || !result.failures.empty()) std::cerr << spread::bench::toChurnSummary(result) << std::flush;
    if (!result.failures.empty()) {
      std::cerr << "spread-bench: churn failed: " << result.failures.front()
                << (result.failures.size() > 1 ? " (and more, above)" : "") << "\n";
      return 1;
    }
  } catch (const std::exception& error) {
    std::cerr << "spread-bench: churn: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "churn") == 0) return runChurn(argc - 2, argv + 2);
  auto parsed = spread::bench::parseOptions(argc, argv);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    const bool help = *error == spread::bench::usage();
    (help ? std::cout : std::cerr) << (help ? "" : "spread-bench: ") << *error << (help ? "" : "\n");
    return help ? 0 : 2;
  }
  const auto& options = std::get<spread::bench::BenchOptions>(parsed);
  const std::uint64_t wanted = std::uint64_t{options.subscribers} + options.publishers + 64;
  if (raiseFileLimit(wanted, false) < wanted) {
    std::fprintf(stderr, "spread-bench: warning: only %llu file descriptors allowed, %llu wanted\n",
                 static_cast<unsigned long long>(raiseFileLimit(wanted, false)),
                 static_cast<unsigned long long>(wanted));
  }
  try {
    spread::bench::LoadRun run(options);
    const spread::bench::RunResult result = run.run();
    std::cout << spread::bench::toJsonLine(result) << std::endl;
    if (!options.quiet) std::cerr << spread::bench::toSummary(result) << std::flush;
    const bool noSubscriber = result.subscribersRequested > 0 && result.subscribersConnected == 0;
    const bool noPublish = !options.idle && result.publishers > 0 && result.publishes == 0;
    if (noSubscriber || noPublish) {
      std::cerr << "spread-bench: " << (noSubscriber ? "no subscriber could connect" : "no publish was accepted")
                << "\n";
      return 3;
    }
  } catch (const std::exception& error) {
    std::cerr << "spread-bench: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
