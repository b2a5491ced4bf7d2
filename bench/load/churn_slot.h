#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "churn_options.h"
#include "churn_tally.h"
#include "deadline_queue.h"
#include "delivery_ledger.h"
#include "endpoint.h"
#include "event_loop.h"
#include "half_open_client.h"
#include "life_plan.h"
#include "ws_client.h"

namespace spread::bench {

/// What every slot of a churn run shares. Owned by the run, which outlives its slots.
struct ChurnContext {
  EventLoop& loop;
  DeadlineQueue& deadlines;
  const ChurnOptions& options;
  const std::vector<Endpoint>& topics;                       // one per topic, /subscribe?topic=...
  const std::vector<std::vector<std::uint32_t>>& publishersOf;  // per topic: the publishers on it
  const std::vector<PublishLog>& logs;                       // per publisher
  ChurnTally& tally;
};

/// One client slot of a churn run: it lives one life after another, each chosen by its
/// LifePicker, with one connection at a time. A good reader checks every delivery against
/// the publishers' logs (ReaderLedger) and is judged when it decides to leave; every other
/// kind misbehaves and records how the server dealt with it. Every step has a deadline in
/// the run's DeadlineQueue, so no life waits forever. Runs on the loop's thread.
class ChurnSlot final : public WsListener, public HalfOpenListener {
 public:
  ChurnSlot(ChurnContext& context, std::uint32_t index);
  ~ChurnSlot() override;
  ChurnSlot(const ChurnSlot&) = delete;
  ChurnSlot& operator=(const ChurnSlot&) = delete;

  /// Starts the first life (or, after halt(), the next one) at `atUs`.
  void begin(std::int64_t atUs);
  /// Ends the life in progress at once (its socket is closed, its outcome "ended by the
  /// run") and starts no other until begin().
  void halt();
  /// A deadline this slot scheduled fired; stale tokens are ignored.
  void onTimer(std::uint64_t token);

  /// True while a life holds (or is opening) a connection.
  bool live() const { return step_ != Step::kHalted && step_ != Step::kBetween; }

  void onOpen(WsClient& client) override;
  void onText(WsClient& client, std::string_view text, std::int64_t receivedAtUs) override;
  void onEnded(WsClient& client, EndKind kind, int code, const std::string& detail) override;
  void onHalfOpenEnded(HalfOpenClient& client, End end, int status, std::int64_t heldUs) override;

 private:
  enum class Step {
    kHalted,
    kBetween,     // waiting for the next life's start
    kConnecting,  // TCP connect and upgrade
    kConfirming,  // good reader: waiting for its first message
    kReading,     // good reader or vanisher: reading for plan_.activeUs
    kSettling,    // good reader: waiting for every message it is owed
    kClosing,     // good reader: sent close 1000, waiting for the server's
    kStalling,    // staller: not reading
    kFlooding,    // flooder: sending pings, not reading
    kDraining,    // staller or flooder: reading again, to see whether the server closed it
    kHalfOpen,    // half-open handshaker: waiting for the server to hang up
  };

  static const char* stepName(Step step);
  void arm(std::int64_t atUs);
  void startLife();
  void flood(std::int64_t now);
  void judge();
  void startClose();
  void startDraining(std::int64_t now);
  // Records the life's outcome, closes what is left of its connection and schedules the
  // next life. Safe to call from inside the connection's own callbacks.
  void finish(const std::string& outcome);

  ChurnContext& context_;
  const std::uint32_t index_;
  LifePicker picker_;
  LifePlan plan_;
  Step step_ = Step::kHalted;
  std::uint64_t token_ = 0;
  std::unique_ptr<WsClient> ws_;
  std::unique_ptr<HalfOpenClient> halfOpen_;
  ReaderLedger ledger_;
  std::int64_t activeEndUs_ = 0;
  std::int64_t lastFloodUs_ = 0;
  std::int64_t lastRoomUs_ = 0;   // the last flood tick when the backlog had room
  double floodCredit_ = 0;
  bool floodBlocked_ = false;     // the server stopped reading our pings
  bool halfOpenSent_ = false;     // the half-open handshaker connected (false: connect failed)
};

}  // namespace spread::bench
