#pragma once

// Helpers shared by the simulator's tests: run options pointing at the built plugin, and
// a parser wrapper that fails the test on a bad scenario.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "scenario_parser.h"
#include "simulator.h"

namespace spread::sim::testing {

inline RunOptions runOptions() {
  RunOptions options;
  options.pluginDir = SPREAD_SIM_PLUGIN_DIR;
  return options;
}

inline Scenario parsed(const std::string& text, const std::string& name = "test.scn") {
  ParseResult result = parseScenario(text, name);
  if (auto* error = std::get_if<ParseError>(&result)) ADD_FAILURE() << error->text();
  return std::holds_alternative<Scenario>(result) ? std::get<Scenario>(result) : Scenario{};
}

}  // namespace spread::sim::testing
