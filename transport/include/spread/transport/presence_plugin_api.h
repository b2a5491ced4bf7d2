#pragma once

#include <cstdint>
#include <string>

#include "spread/transport/engine_plugin_api.h"
#include "spread/transport/presence.h"

namespace spread::transport {

/// Bumped whenever PresencePlugin or Presence change layout or meaning.
inline constexpr std::uint32_t kPresencePluginAbiVersion = 1;

/// The presence an engine plugin shares between nodes, beside its backplane: what the entry
/// point kPresencePluginSymbol of libspread_engine_<name>.so returns. It reads the same
/// EngineSettings as EnginePlugin::create. No function may throw.
struct PresencePlugin {
  std::uint32_t abiVersion;
  /// A presence that has started nothing, or null with `problem` set to a sentence that
  /// starts with the key it is about ("presenceTtlMs: ...").
  Presence* (*create)(const EngineSettings& settings, std::string& problem);
  /// Connects in the background (list() answers the problem until it is connected).
  /// False, with `problem` set, when a thread cannot start.
  bool (*start)(Presence& presence, std::string& problem);
  /// Takes this node's members out of the shared store (bounded by the command timeout),
  /// stops, and frees. REQUIRES: no session is still in the presence's topics.
  void (*destroy)(Presence* presence);
};

inline constexpr const char* kPresencePluginSymbol = "spread_engine_presence";

}  // namespace spread::transport
