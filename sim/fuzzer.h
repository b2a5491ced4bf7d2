#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario.h"

namespace spread::sim {

/// The faults and shapes a generated scenario may use. Each seed switches on a random
/// subset (swarm testing): a run with few kinds of trouble probes each one harder than a
/// run that mixes them all.
struct Swarm {
  bool stalls = false;
  bool slowReaders = false;
  bool disconnects = false;
  bool leaves = false;
  bool bursts = false;
  bool jitter = false;
  bool earlyShutdown = false;
  bool publishDuringShutdown = false;
  bool manyRooms = false;
  bool smallWindows = false;
  bool smallQueues = false;
  bool keepalive = false;  // short ping interval and idle timeout
  bool frames = false;     // clients publish over their WebSocket too
  bool lateJoiners = false;
  bool busyTopics = false;   // a small inbound queue and publish wait
  bool bigMessages = false;  // large bursts against a small queue byte bound
  bool topicChurn = false;   // a short topic linger, and a client entering and leaving a room
  bool hostileBytes = false;  // byte-level clients send malformed HTTP and WebSocket frames

  /// The names of the switched-on faults, space-separated, for the scenario's header.
  std::string describe() const;
};

/// Builds random scenarios from a seed. Every number comes from SplitMix's raw output, so
/// a seed gives the same scenario everywhere. The result has been written out and parsed
/// back, so its line numbers are the ones a saved copy has.
class Fuzzer {
 public:
  static Swarm swarmFor(std::uint64_t seed);
  static Scenario generate(std::uint64_t seed);
};

}  // namespace spread::sim
