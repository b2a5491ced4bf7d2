#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "scenario.h"
#include "simulator.h"

namespace spread::sim {

struct ShrinkResult {
  Scenario scenario;     // the smallest failing scenario found, line numbers as written
  RunResult failure;     // its run
  std::size_t runs = 0;  // simulations tried
  std::size_t eventsBefore = 0;
};

/// Makes a failing scenario smaller while it keeps failing the same invariant:
/// delta debugging (ddmin) over the event list, dropping whole clients, smaller bursts and
/// fewer options, in rounds until one changes nothing, then default settings. A candidate that
/// no longer parses (a client used before it joined) counts as not failing. Bounded by
/// `runsMax` simulations.
class Shrinker {
 public:
  Shrinker(RunOptions options, std::size_t runsMax = 3000)
      : options_(std::move(options)), runsMax_(runsMax) {}

  /// REQUIRES: `failing` fails with `invariant` under the options given.
  ShrinkResult shrink(const Scenario& failing, const std::string& invariant);

 private:
  /// Runs `candidate` (after a write-and-read round trip); true if it fails the same way.
  bool fails(const Scenario& candidate, RunResult* result);
  /// ddmin over the events of `current`, which it leaves the smallest it found.
  void ddmin(Scenario& current, RunResult& last);
  /// Tries removing every line of each client in turn; true if any client went.
  bool dropWholeClients(Scenario& current, RunResult& last);
  /// Halves bursts and clears options, line by line, while the failure stays.
  void simplifyLines(Scenario& current, RunResult& last);

  RunOptions options_;
  std::size_t runsMax_;
  std::size_t runs_ = 0;
  std::string invariant_;
};

}  // namespace spread::sim
