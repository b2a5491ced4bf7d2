#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon_config.h"

namespace spread::daemon {

/// What a reload (SIGHUP) changed, by full key.
struct ReloadSummary {
  std::vector<std::string> applied;
  std::vector<std::string> needsRestart;
};

/// Whether a daemon key (outside transport.*) takes a new value without a restart. Only
/// logging.level does: the broker, the executor, the session options every open session
/// shares, the token keys and the log's file and pattern are built once, at start.
bool isReloadableDaemonKey(std::string_view key);

/// Compares `next`'s daemon keys with `running`'s, applies those that can change now (the log
/// level, at once) and records them in `running`, so that a later reload compares with what
/// is in effect. Keys that need a restart are reported and left as they were in `running`.
ReloadSummary applyDaemonKeys(DaemonConfig& running, const DaemonConfig& next);

/// The log line of a reload: "configuration reloaded from <source>: applied a, b; needs a
/// restart to take effect: c", or "...: nothing changed".
std::string describeReload(const std::string& source, const ReloadSummary& summary);

}  // namespace spread::daemon
