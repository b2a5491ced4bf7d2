#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "churn_result.h"

namespace spread::bench {

/// The most a figure may grow over its baseline: `percent` of it or `absolute`, whichever
/// is larger.
std::uint64_t allowedGrowth(std::uint64_t baseline, double percent, std::uint64_t absolute);

/// Judges a finished churn run: the server's RSS, descriptors and threads after the run
/// must be within their slack of the baseline (growth only: the server may end smaller);
/// every judged good reader must have received every message it was owed, once, in order;
/// at least --clean-min percent of the good readers whose lives ended on their own must
/// have closed cleanly (a server that stops serving new clients loses nothing, yet fails);
/// and the run must have judged at least one reader and had at least one publish accepted,
/// so a run in which nothing worked cannot pass. Returns one sentence per failure, naming
/// the figure and the limit; empty when the run passed.
std::vector<std::string> churnVerdict(const ChurnResult& result);

}  // namespace spread::bench
