#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "endpoint.h"
#include "event_loop.h"
#include "latency_histogram.h"
#include "ws_client.h"

namespace spread::bench {

/// The probe a run publishes before measuring carries this publisher number; it proves
/// every subscription is registered at the server, and is not counted as a delivery.
inline constexpr std::uint32_t kProbePublisher = 4'000'000'000u;

/// The subscribers of one run and what they saw. Connects them at most `concurrencyMax`
/// at a time and checks each delivery's stamp: per (subscriber, publisher) it keeps the
/// highest sequence seen, so a lower one is a reorder and an equal one a duplicate, and it
/// records latency as the receive time minus the stamp's send time (same clock, same
/// process). Runs on the loop's thread.
class SubscriberSet final : public WsListener {
 public:
  SubscriberSet(EventLoop& loop, const Endpoint& endpoint, std::uint32_t count, std::uint32_t publishers,
                std::uint32_t concurrencyMax);

  /// Starts as many connects as the concurrency limit allows; call again after events.
  void connectMore();
  bool allSettled() const { return open_ + ended_ == clients_.size(); }
  void abandonAll();

  void onOpen(WsClient& client) override;
  void onText(WsClient& client, std::string_view text, std::int64_t receivedAtUs) override;
  void onEnded(WsClient& client, EndKind kind, int code, const std::string& detail) override;

  /// Forgets deliveries, latencies and probes seen so far (the warm-up's).
  void resetDeliveries();
  std::uint32_t probesSeen() const { return probesSeen_; }

  /// Deliveries still owed to subscribers that are open, when each publisher p had
  /// accepted[p] messages; 0 once everything arrived.
  std::uint64_t missing(const std::vector<std::uint64_t>& accepted) const;
  /// Cheap test for the drain loop: every open subscriber has `acceptedTotal` distinct messages.
  bool complete(std::uint64_t acceptedTotal) const { return uniqueOpen_ >= acceptedTotal * open_; }

  std::uint32_t requested() const { return static_cast<std::uint32_t>(clients_.size()); }
  std::uint32_t open() const { return open_; }
  std::uint32_t everOpened() const { return everOpened_; }
  std::uint32_t connectFailures() const { return connectFailures_; }
  std::uint32_t droppedSlow() const { return droppedSlow_; }  // closed by the server with 1008
  std::uint32_t closedOther() const { return closedOther_; }  // any other end after opening
  std::uint64_t deliveries() const { return deliveries_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t reorders() const { return reorders_; }
  std::uint64_t unparsable() const { return unparsable_; }
  std::int64_t lastDeliveryUs() const { return lastDeliveryUs_; }
  const LatencyHistogram& latencyUs() const { return latencyUs_; }
  const LatencyHistogram& connectUs() const { return connectUs_; }
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  void note(std::string text);

  const std::uint32_t publishers_;
  const std::uint32_t concurrencyMax_;
  std::vector<std::unique_ptr<WsClient>> clients_;
  std::vector<std::uint64_t> lastSequence_;  // [subscriber * publishers + publisher]
  std::vector<std::uint64_t> unique_;        // same layout: distinct messages received
  std::vector<std::uint8_t> probed_;         // per subscriber: saw a probe since the reset
  std::size_t nextToStart_ = 0;
  std::uint32_t connecting_ = 0;
  std::uint32_t open_ = 0;
  std::uint32_t ended_ = 0;
  std::uint32_t everOpened_ = 0;
  std::uint32_t connectFailures_ = 0;
  std::uint32_t droppedSlow_ = 0;
  std::uint32_t closedOther_ = 0;
  std::uint32_t probesSeen_ = 0;
  std::uint64_t deliveries_ = 0;
  std::uint64_t uniqueOpen_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t reorders_ = 0;
  std::uint64_t unparsable_ = 0;
  std::int64_t lastDeliveryUs_ = 0;
  LatencyHistogram latencyUs_;
  LatencyHistogram connectUs_;
  std::vector<std::string> notes_;
};

}  // namespace spread::bench
