#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "endpoint.h"
#include "event_loop.h"
#include "options.h"
#include "proc_stats.h"
#include "publisher.h"
#include "rate_pacer.h"
#include "run_result.h"
#include "subscriber_set.h"

namespace spread::bench {

/// One spread-bench run, start to finish, on the calling thread: connect the subscribers;
/// with --idle hold them; otherwise connect the publishers, publish a probe until every
/// subscriber saw one (so every subscription is registered), publish for the duration
/// (flat out or at the rate), stop, and wait for the last deliveries. Throws
/// std::runtime_error for a setup problem (bad URL, no epoll).
class LoadRun final : public PublisherListener, public EventHandler {
 public:
  explicit LoadRun(const BenchOptions& options);
  ~LoadRun() override;

  RunResult run();

  void onReady(Publisher& publisher) override;
  void onEvents(std::uint32_t events) override;  // the rate timer fired

 private:
  enum class Phase { kSetup, kPublishing, kStopped };

  // Runs the loop until `done()` or `deadlineUs`; false on the deadline.
  template <class Done>
  bool runUntil(std::int64_t deadlineUs, Done done);
  void connectSubscribers(RunResult& result);
  void connectPublishers();
  void probe();
  void publishForDuration(RunResult& result);
  void drain();
  void pump(Publisher& publisher);
  void armTimer();
  void printStatus(std::int64_t now);
  std::optional<ProcessSample> sampleServer() const;
  std::optional<ProcessSample> sampleRedis() const;
  void sampleBefore(RunResult& result) const;
  void sampleAfter(RunResult& result) const;
  void fill(RunResult& result) const;

  const BenchOptions& options_;
  const Endpoint endpoint_;
  const Endpoint subscriberEndpoint_;  // endpoint_, or the TLS one of --tls-url
  const Endpoint publisherEndpoint_;   // endpoint_, or another node's with --publish-url
  EventLoop loop_;
  SubscriberSet subscribers_;
  std::vector<std::unique_ptr<Publisher>> publishers_;
  std::unique_ptr<Timer> timer_;
  std::optional<RatePacer> pacer_;  // with --rate
  Phase phase_ = Phase::kSetup;
  const bool statusEnabled_;
  const std::int64_t startedUs_;
  std::int64_t nextStatusUs_ = 0;
  std::uint64_t statusDeliveries_ = 0;
  std::uint64_t statusPublishes_ = 0;
  std::int64_t publishStartUs_ = 0;
  std::int64_t publishEndUs_ = 0;
  std::int64_t windowStartUs_ = 0;   // the CPU window: publishing (or, idle, connecting) to the end
  std::int64_t windowEndUs_ = 0;
  double selfCpuStart_ = 0;
  double selfCpuEnd_ = 0;
};

}  // namespace spread::bench
