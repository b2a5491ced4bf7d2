#pragma once

#include <cstddef>
#include <string>

#include "spread/core/executor.h"
#include "spread/core/time.h"
#include "spread/core/topic_registry.h"
#include "spread/transport/metrics.h"

namespace spread::transport {

/// How many topics /status.json lists, busiest first; the rest are only counted.
constexpr std::size_t kStatusTopicsShownMax = 20;

/// The snapshot GET /status.json serves and the status page plots, read from the same
/// sources as Metrics::renderPrometheus, as one JSON object:
///
///   {"clockMs": 1234,                      // `now` in ms since the Clock's epoch (steady, not wall time)
///    "connections": {"websocket": 1, "clients": 2, "websocketOpened": 5},
///    "messages": {"published": 10, "delivered": 20},           // counters since start
///    "drops": {"slow_consumer": 0, "executor_refused_task": 0}, // counters since start
///    "refusals": {"bad_request": 0, ...},  // every spread_rejected_total reason, in enum order
///    "topics": {"count": 3, "busiest": [{"topic": "chat", "subscribers": 2}, ...]},
///    "latency": {"boundsSeconds": [5e-05, ...], "cumulative": [..., n], "count": n, "sumSeconds": 0.01}}
///
/// Counters only grow, so a poller turns two snapshots into rates with clockMs. "busiest" holds
/// at most `topicsShownMax` topics, most subscribers first, ties by name; "count" counts them
/// all. "cumulative" has one entry per bound plus a last one for +Inf, as /metrics' buckets.
/// Safe on any thread, as renderPrometheus.
std::string renderStatusJson(const Metrics& metrics, const core::TopicRegistry& broker,
                             const core::Executor& executor, core::TimePoint now,
                             std::size_t topicsShownMax = kStatusTopicsShownMax);

}  // namespace spread::transport
