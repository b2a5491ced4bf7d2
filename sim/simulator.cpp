#include "simulator.h"

#include "cluster_run.h"
#include "simulation_run.h"

namespace spread::sim {

RunResult runScenario(const Scenario& scenario, const RunOptions& options) {
  if (scenario.settings.nodes > 1) {
    ClusterRun run(scenario, options);
    return run.execute();
  }
  SimulationRun run(scenario, options);
  return run.execute();
}

std::string RunResult::describe(const std::string& file) const {
  if (!setupError.empty()) return "spread-sim: " + setupError;
  if (!violation) return file + ": ok";
  std::string text = file + ":" + std::to_string(line) + ": invariant " + violation->invariant +
                     " broken (seed " + std::to_string(seed) + "): " + violation->detail;
  if (connectionLine != 0) text += " [connection opened at line " + std::to_string(connectionLine) + "]";
  if (!lineText.empty()) text += "\n  line " + std::to_string(line) + ": " + lineText;
  return text;
}

}  // namespace spread::sim