#pragma once

#include <string>

#include "scenario.h"

namespace spread::sim {

/// A scenario's `set NAME VALUE` line: sets one of `settings`, or throws
/// scenario_values::LineError naming the setting or the value that is wrong.
void applySetting(Settings& settings, const std::string& name, const std::string& value);

}  // namespace spread::sim
