#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "churn_options.h"
#include "churn_result.h"
#include "churn_slot.h"
#include "churn_tally.h"
#include "deadline_queue.h"
#include "delivery_ledger.h"
#include "endpoint.h"
#include "event_loop.h"
#include "http_publisher.h"
#include "rate_pacer.h"

namespace spread::bench {

/// One `spread-bench churn` run, start to finish, on the calling thread:
///
///  1. sample the server cold;
///  2. warm up: every client slot runs the same churn for --warmup seconds while the
///     publishers publish at --warmup-rate (3 x --rate unless set); then every connection
///     is closed and the server is given time to settle (its descriptor count back to the
///     cold one, or steady), and sampled: the baseline;
///  3. soak: the same again for --duration seconds, sampling the server's peak each second;
///  4. close everything, let the server settle (descriptors and threads back within their
///     slack of the baseline, or --server-settle passes), sample it, and judge.
///
/// The baseline is taken after a warm-up rather than cold because a server keeps some of
/// what its busiest moment made it allocate (memory its allocator holds for reuse, each
/// topic and its metrics, queues and tables grown to their high-water mark); that is paid
/// once, whatever the number of clients served, and is no leak. The warm-up therefore runs
/// every slot at once and publishes faster than the soak, so its backlogs and queues reach
/// deeper than the soak's will; what the soak then adds on top is what grows with use.
///
/// Throws std::runtime_error for a setup problem (bad URL, the server's /proc entry not
/// readable, no publisher able to connect).
class ChurnRun final : public PublisherListener {
 public:
  explicit ChurnRun(const ChurnOptions& options);
  ~ChurnRun() override;
  ChurnRun(const ChurnRun&) = delete;
  ChurnRun& operator=(const ChurnRun&) = delete;

  ChurnResult run();

  void onReady(Publisher& publisher) override;

 private:
  // A publish sent and not yet answered, with the publisher's counters at the time, so
  // the answer's kind can be told from which counter moved.
  struct Pending {
    std::uint64_t sequence = 0;  // 0: nothing pending
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
    std::uint64_t unanswered = 0;
  };

  // Serves the loop, the slots' deadlines and the publishing schedule until `done()` or
  // `deadlineUs`; false on the deadline.
  bool runUntil(std::int64_t deadlineUs, const std::function<bool()>& done);
  void startPublishers(double rate);
  void stopPublishers();
  void beginSlots();
  void haltSlots();
  void pump(std::size_t publisher, std::int64_t nowUs);
  void noteAnswer(std::size_t publisher);
  std::optional<ServerSample> sample() const;
  // Polls the server until its descriptors and threads are within slack of `reference`,
  // or (with `orSteady`) have not changed for a while, or the settle deadline passes.
  std::optional<ServerSample> settle(const ServerSample& reference, bool orSteady, double& seconds, bool& settled);
  void trackPeak(const ServerSample& sample);
  void printStatus(std::int64_t nowUs);

  const ChurnOptions& options_;
  std::vector<Endpoint> topics_;
  std::vector<std::vector<std::uint32_t>> publishersOf_;
  EventLoop loop_;
  DeadlineQueue deadlines_;
  std::vector<PublishLog> logs_;
  ChurnTally tally_;
  ChurnContext context_;
  std::vector<std::unique_ptr<HttpPublisher>> publishers_;
  std::vector<Pending> pending_;
  RatePacer pacer_;
  bool publishing_ = false;
  std::vector<std::unique_ptr<ChurnSlot>> slots_;

  const char* phase_ = "setup";
  const bool statusEnabled_;
  std::int64_t phaseStartUs_ = 0;
  std::int64_t nextStatusUs_ = 0;
  std::int64_t nextSampleUs_ = 0;
  bool trackingPeak_ = false;
  std::optional<ServerSample> latest_;
  std::optional<ServerSample> peak_;
  std::uint64_t statusAccepted_ = 0;
  std::uint64_t statusDeliveries_ = 0;
};

}  // namespace spread::bench
