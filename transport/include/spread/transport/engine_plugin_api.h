#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "spread/core/backplane.h"
#include "spread/core/time.h"

namespace spread::transport {

/// Bumped whenever EnginePlugin, EngineSettings or core::Backplane change layout or meaning.
/// The daemon refuses a plugin built against another version.
inline constexpr std::uint32_t kEngineAbiVersion = 1;

/// What the daemon hands an engine plugin: its keys (engine.<name>.* with that prefix
/// removed, in file order; the daemon has checked their types and ranges), and how much
/// history the shared log should keep (history.size, history.ttlMs).
struct EngineSettings {
  std::vector<std::pair<std::string, std::string>> keys;
  std::size_t historySize = 0;
  core::Duration historyTtl{};
};

/// One counter a backplane reports for /metrics: rendered as spread_engine_<name>.
struct EngineCounter {
  std::string name;  // snake_case, ends in _total for a counter
  std::string help;
  std::uint64_t value = 0;
};

/// What an engine plugin's entry point returns (libspread_engine_<name>.so, symbol
/// kEnginePluginSymbol). create() makes a Backplane that has started nothing, or returns null
/// and sets `problem` to a sentence that starts with the key it is about ("port: ...").
/// No function may throw.
struct EnginePlugin {
  std::uint32_t abiVersion;
  const char* name;
  core::Backplane* (*create)(const EngineSettings& settings, std::string& problem);
  void (*destroy)(core::Backplane* backplane);
  std::vector<EngineCounter> (*counters)(const core::Backplane& backplane);
  /// Where the backplane goes, for log lines ("redis 127.0.0.1:6379").
  std::string (*describe)(const core::Backplane& backplane);
};

inline constexpr const char* kEnginePluginSymbol = "spread_engine_plugin";

}  // namespace spread::transport
