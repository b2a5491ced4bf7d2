#pragma once

#include <string>

#include "run_result.h"

namespace spread::bench {

/// One JSON object on one line, keys in snake_case with units in their names, for
/// scripts (bench/compare reads it). Server figures appear only with --server-pid.
std::string toJsonLine(const RunResult& result);

/// A few aligned lines for a human.
std::string toSummary(const RunResult& result);

}  // namespace spread::bench
