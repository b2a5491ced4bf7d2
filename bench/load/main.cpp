// spread-bench: a load generator for Spread's chat protocol (see bench/README.md). Prints
// one JSON line on stdout and a human summary (and, on long runs, a live status line) on
// stderr. Exit status: 0 after a run, 2 for bad arguments, 1 if the run could not start,
// 3 if it ran but nothing got through (no subscriber connected, or no publish accepted).
#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "load_run.h"
#include "options.h"
#include "report.h"

namespace {

// Each subscriber and publisher is a socket; 10,000+ connections need more than the usual
// soft limit of 1024 descriptors.
void raiseFileLimit(std::uint64_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur >= needed) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max > needed ? needed : limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < needed) {
    std::fprintf(stderr, "spread-bench: warning: only %llu file descriptors allowed, %llu wanted\n",
                 static_cast<unsigned long long>(limit.rlim_cur), static_cast<unsigned long long>(needed));
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = spread::bench::parseOptions(argc, argv);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    const bool help = *error == spread::bench::usage();
    (help ? std::cout : std::cerr) << (help ? "" : "spread-bench: ") << *error << (help ? "" : "\n");
    return help ? 0 : 2;
  }
  const auto& options = std::get<spread::bench::BenchOptions>(parsed);
  raiseFileLimit(std::uint64_t{options.subscribers} + options.publishers + 64);
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
