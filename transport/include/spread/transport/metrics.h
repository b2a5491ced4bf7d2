#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/executor.h"
#include "spread/core/time.h"
#include "spread/core/topic_registry.h"

namespace spread::transport {

class Presence;

/// Why a request or message was refused, as counted in spread_rejected_total{reason=...}.
enum class Rejection : std::size_t {
  kBadRequest,        // malformed JSON, missing or empty fields, invalid UTF-8
  kBadTopic,          // topic name syntax
  kTooLarge,          // body or message over the limit
  kMethodNotAllowed,
  kNotFound,
  kUpgradeRequired,   // GET /subscribe without a WebSocket upgrade
  kBusy,              // topic inbound queue full past the publish wait
  kTooManyTopics,
  kDraining,          // the server is shutting down
  kProtocolError,     // a WebSocket frame broke RFC 6455
  kTooManyConnections,    // over a connection limit, in total or per client address
  kRateLimited,           // over a publish rate limit
  kForbiddenOrigin,       // a browser page from an origin that is not allowed
  kUnsupportedMediaType,  // POST /publish without Content-Type: application/json
  kTimeout,               // a request head or body not complete by its deadline
  kHeadTooLarge,          // a request head over its size or field count limit
  kUnreadReplies,         // a client provoking replies (errors) faster than it reads them
  kUnauthorized,          // no token, or one that does not verify (auth.mode = jwt)
  kForbidden,             // a token that does not allow the topic, or a name not its holder's
  kPrivateEndpoint,       // /metrics (or an admin route) asked for by a client not on this machine
  kEngineUnavailable,     // a publish the engine could not take to the other nodes (Redis lost)
  kCount,
};

std::string_view toString(Rejection rejection);

/// The configured limits, by the key that sets each, as counted in
/// spread_limit_refusals_total{key=...} each time one refuses a client.
enum class Limit : std::size_t {
  kConnectionsMax,
  kConnectionsPerAddressMax,
  kHeaderBytesMax,
  kHeaderTimeout,
  kBodyTimeout,
  kBodyBytesMax,
  kMessageBytesMax,
  kNameBytesMax,
  kPublishesPerSecond,
  kAddressPublishesPerSecond,
  kSendWindow,
  kTopicsMax,
  kCount,
};

/// The configuration key that sets `limit`, e.g. "transport.websocket.connectionsMax".
std::string_view configKey(Limit limit);

/// One metric about the engine, for /metrics (spread_engine_up, a backplane's counters).
struct EngineSample {
  std::string name;  // the full metric name
  std::string type;  // "gauge" or "counter"
  std::string help;
  double value = 0;
};

/// Counters every transport updates and /metrics renders. Lock-free; updated from any
/// thread. One instance per daemon, shared by its transports.
class Metrics {
 public:
  /// Upper bounds, in microseconds, of the publish-to-write latency buckets.
  static constexpr std::array<std::int64_t, 12> kLatencyBucketsUs{
      50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000};

  void connectionOpened() { connectionsOpen_.fetch_add(1), connectionsTotal_.fetch_add(1); }
  void connectionClosed() { connectionsOpen_.fetch_sub(1); }
  /// Every client TCP connection, HTTP or WebSocket, as the connection limits count them
  /// (connectionOpened/Closed count the WebSocket sessions).
  void clientConnected() { clientConnections_.fetch_add(1, std::memory_order_relaxed); }
  void clientDisconnected() { clientConnections_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t clientConnections() const { return clientConnections_.load(); }
  void published() { published_.fetch_add(1, std::memory_order_relaxed); }
  void slowConsumerDropped() { slowConsumersDropped_.fetch_add(1, std::memory_order_relaxed); }
  void rejected(Rejection why) { rejected_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed); }
  void limitRefused(Limit limit) {
    limitRefusals_[static_cast<std::size_t>(limit)].fetch_add(1, std::memory_order_relaxed);
  }
  /// One message written to a client, `latency` after its topic accepted it.
  void delivered(core::Duration latency);

  std::int64_t connectionsOpen() const { return connectionsOpen_.load(); }
  std::uint64_t connectionsTotalCount() const { return connectionsTotal_.load(); }
  std::uint64_t publishedCount() const { return published_.load(); }
  std::uint64_t deliveredCount() const { return delivered_.load(); }
  std::uint64_t slowConsumersDroppedCount() const { return slowConsumersDropped_.load(); }
  std::uint64_t rejectedCount(Rejection why) const { return rejected_[static_cast<std::size_t>(why)].load(); }
  std::uint64_t limitRefusalCount(Limit limit) const {
    return limitRefusals_[static_cast<std::size_t>(limit)].load();
  }
  /// Deliveries whose latency fell in bucket `index` alone (not cumulative): index i < the
  /// bound count is (kLatencyBucketsUs[i-1], kLatencyBucketsUs[i]], the last one is over every bound.
  /// REQUIRES: index <= kLatencyBucketsUs.size().
  std::uint64_t latencyBucketCount(std::size_t index) const { return latencyBuckets_[index].load(); }
  std::uint64_t latencySumUs() const { return latencySumUs_.load(); }

  /// What renderPrometheus adds about the engine. Set once, before any transport starts
  /// (it is read without a lock); called from the thread that renders.
  void setEngineSamples(std::function<std::vector<EngineSample>()> source) { engineSamples_ = std::move(source); }

  /// Prometheus text exposition format (version 0.0.4), including subscribers per topic
  /// read from `broker`, the tasks `executor` refused and, given a `presence`, its entries.
  std::string renderPrometheus(const core::TopicRegistry& broker, const core::Executor& executor,
                               const Presence* presence = nullptr) const;

 private:
  std::atomic<std::int64_t> connectionsOpen_{0};
  std::atomic<std::uint64_t> connectionsTotal_{0};
  std::atomic<std::int64_t> clientConnections_{0};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> slowConsumersDropped_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Rejection::kCount)> rejected_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Limit::kCount)> limitRefusals_{};
  std::array<std::atomic<std::uint64_t>, kLatencyBucketsUs.size() + 1> latencyBuckets_{};  // last is +Inf
  std::atomic<std::uint64_t> latencySumUs_{0};
  std::function<std::vector<EngineSample>()> engineSamples_;
};

}  // namespace spread::transport
