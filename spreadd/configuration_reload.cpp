#include "configuration_reload.h"

#include "logging_setup.h"

namespace spread::daemon {

namespace {

std::string joined(const std::vector<std::string>& keys) {
  std::string text;
  for (const std::string& key : keys) text += (text.empty() ? "" : ", ") + key;
  return text;
}

}  // namespace

bool isReloadableDaemonKey(std::string_view key) { return key == "logging.level"; }

ReloadSummary applyDaemonKeys(DaemonConfig& running, const DaemonConfig& next) {
  ReloadSummary summary;
  for (const std::string& key : changedKeys(running.values, next.values)) {
    if (!isReloadableDaemonKey(key)) {
      summary.needsRestart.push_back(key);
      continue;
    }
    if (key == "logging.level") {
      setLogPriority(next.logPriority);
      running.logPriority = next.logPriority;
    }
    running.values[key] = next.values.at(key);
    summary.applied.push_back(key);
  }
  return summary;
}

std::string describeReload(const std::string& source, const ReloadSummary& summary) {
  std::string text = "configuration reloaded from " + source + ": ";
  if (summary.applied.empty() && summary.needsRestart.empty()) return text + "nothing changed";
  text += summary.applied.empty() ? "nothing applied" : "applied " + joined(summary.applied);
  if (!summary.needsRestart.empty()) text += "; needs a restart to take effect: " + joined(summary.needsRestart);
  return text;
}

}  // namespace spread::daemon
