#pragma once

#include <string>

#include "churn_result.h"

namespace spread::bench {

/// The churn run as one JSON object on one line (snake_case keys, units in their names),
/// with nested objects for the mix, each kind's outcomes and each server sample, and
/// "pass" and "failures" for the verdict.
std::string toChurnJsonLine(const ChurnResult& result);

/// The same for a human: outcomes per kind, the good readers' figures, the server before
/// and after, and the verdict with what failed.
std::string toChurnSummary(const ChurnResult& result);

}  // namespace spread::bench
