#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proc_stats.h"

namespace spread::bench {

/// Everything one spread-bench run measured. Counts are over the measured window: from
/// the first publish to the end of the drain (warm-up probes excluded).
struct RunResult {
  std::string label;
  std::string mode;          // "load" or "idle"
  std::string publishVia;    // "http" or "ws"
  double rateTarget = 0;     // 0: flat out
  double durationS = 0;

  std::uint32_t subscribersRequested = 0;
  std::uint32_t subscribersConnected = 0;  // ever completed the upgrade
  std::uint32_t subscribersOpenAtEnd = 0;
  std::uint32_t connectFailures = 0;
  double connectAllMs = 0;                 // first connect started to last one settled
  double connectP50Ms = 0, connectP99Ms = 0, connectMaxMs = 0;

  std::uint32_t publishers = 0;
  std::uint64_t publishesSent = 0;
  std::uint64_t publishes = 0;             // accepted by the server
  std::uint64_t publishErrors = 0;
  double publishSeconds = 0;
  double publishesPerS = 0;

  std::uint64_t deliveries = 0;            // stamped messages received, duplicates included
  double deliveriesPerS = 0;               // over first publish to last delivery
  std::uint64_t lost = 0;                  // owed to subscribers still open, never received
  std::uint64_t reorders = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t unparsable = 0;
  std::uint32_t subscribersDropped = 0;    // closed by the server with 1008
  std::uint32_t subscribersClosedOther = 0;

  std::uint64_t latencySamples = 0;
  double latencyP50Ms = 0, latencyP99Ms = 0, latencyP999Ms = 0, latencyMaxMs = 0;

  std::vector<int> serverPids;                 // several: the nodes of a cluster, figures summed
  std::optional<ProcessSample> serverBefore;   // at the start of the CPU window
  std::optional<ProcessSample> serverAfter;    // at the end, connections still open
  double serverCpuSeconds = 0;                 // over the measured window
  double serverCpuUsPerDelivery = 0;           // 0 when nothing was delivered
  double serverCpuUsPerPublish = 0;
  double serverRssPerConnectionBytes = 0;      // (after - before) / subscribers connected

  std::optional<int> redisPid;                 // the nodes' Redis, reported apart from them
  std::optional<ProcessSample> redisBefore, redisAfter;
  double redisCpuSeconds = 0;                  // over the same window as the servers'
  double redisCpuUsPerDelivery = 0;
  double redisCpuUsPerPublish = 0;

  double benchCpuSeconds = 0;                  // spread-bench's own CPU time, same window
  double benchCpuPercent = 0;                  // of one core: near 100, the tool may be the limit

  std::vector<std::string> notes;              // first few errors, for the human
};

}  // namespace spread::bench
