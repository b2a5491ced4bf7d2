#include "churn_slot.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "message_stamp.h"

namespace spread::bench {
namespace {

constexpr std::int64_t kConnectWaitUs = 10'000'000;
constexpr std::int64_t kConfirmWaitMinUs = 5'000'000;
constexpr std::int64_t kCloseWaitUs = 5'000'000;
// How long a staller or flooder reads again, at the end, to learn whether the server had
// closed it: long enough to read through a backed-up socket to a close frame.
constexpr std::int64_t kDrainUs = 2'000'000;
constexpr std::int64_t kFloodTickUs = 10'000;
// A life that could not even connect waits this long before the next one, as a real client
// backs off: a server refusing connections should not turn every slot into a retry loop.
constexpr std::int64_t kRetryBackoffUs = 1'000'000;
// Backlog a flooder keeps queued at most; when it stays this full for kBlockedUs, the
// server has stopped reading it.
constexpr std::size_t kFloodBacklogBytes = 64 * 1024;
constexpr std::int64_t kBlockedUs = 500'000;
constexpr std::size_t kPingPayloadBytes = 125;
constexpr std::size_t kPingFrameBytes = 2 + 4 + kPingPayloadBytes;
// Misbehavers get small socket buffers and segments so that what they refuse to read (or
// the server refuses to read from them) backs up within seconds instead of megabytes.
constexpr SocketLimits kBackedUpLimits{4096, 16384, 536};

std::string secondsText(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", seconds);
  return text;
}

std::string endLabel(EndKind kind, int code) {
  switch (kind) {
    case EndKind::kConnectFailed: return "connect failed";
    case EndKind::kHandshakeRejected: return "refused " + std::to_string(code);
    case EndKind::kServerClose: return "closed " + std::to_string(code);
    case EndKind::kEof: return "eof";
    case EndKind::kError:
      if (code == ECONNRESET) return "reset";
      if (code == EPIPE) return "broken pipe";
      if (code == 1002) return "bad frame from server";
      return "socket error";
  }
  return "unknown";
}

}  // namespace

const char* ChurnSlot::stepName(Step step) {
  switch (step) {
    case Step::kHalted: return "halted";
    case Step::kBetween: return "between lives";
    case Step::kConnecting: return "connecting";
    case Step::kConfirming: return "waiting for its first message";
    case Step::kReading: return "reading";
    case Step::kSettling: return "waiting for what it is owed";
    case Step::kClosing: return "closing";
    case Step::kStalling: return "stalling";
    case Step::kFlooding: return "flooding";
    case Step::kDraining: return "draining";
    case Step::kHalfOpen: return "half-open";
  }
  return "?";
}

ChurnSlot::ChurnSlot(ChurnContext& context, std::uint32_t index)
    : context_(context), index_(index), picker_(context.options, index) {}

ChurnSlot::~ChurnSlot() = default;

void ChurnSlot::arm(std::int64_t atUs) { context_.deadlines.schedule(atUs, index_, ++token_); }

void ChurnSlot::begin(std::int64_t atUs) {
  plan_ = picker_.next();
  step_ = Step::kBetween;
  arm(atUs);
}

void ChurnSlot::halt() {
  const bool wasLive = live();
  step_ = Step::kHalted;
  ++token_;
  if (wasLive) finish(kOutcomeEndedByRun);
}

void ChurnSlot::startLife() {
  ws_.reset();
  halfOpen_.reset();
  const std::int64_t now = nowUs();
  context_.tally.started(plan_.kind);
  const Endpoint& endpoint = context_.topics[plan_.topic];
  if (plan_.kind == LifeKind::kHalfOpen) {
    step_ = Step::kHalfOpen;
    halfOpenSent_ = true;  // until the connect is known to have failed
    arm(now + static_cast<std::int64_t>(context_.options.halfOpenWaitS * 1e6));
    halfOpen_ = std::make_unique<HalfOpenClient>(context_.loop, endpoint, *this);
    halfOpen_->start(plan_.prefixPermille);
    return;
  }
  if (plan_.kind == LifeKind::kGoodReader) ledger_.reset(context_.publishersOf[plan_.topic]);
  step_ = Step::kConnecting;
  arm(now + kConnectWaitUs);
  ws_ = std::make_unique<WsClient>(context_.loop, endpoint, *this, index_);
  const bool backsUp = plan_.kind == LifeKind::kStaller || plan_.kind == LifeKind::kPingFlooder;
  ws_->start(backsUp ? kBackedUpLimits : SocketLimits{});
}

void ChurnSlot::onOpen(WsClient&) {
  const std::int64_t now = nowUs();
  activeEndUs_ = now + plan_.activeUs;
  switch (plan_.kind) {
    case LifeKind::kGoodReader: {
      // The first message must come within a few of the topic's publishing intervals.
      const double topicIntervalUs = 1e6 * context_.options.topics / context_.options.rate;
      step_ = Step::kConfirming;
      arm(now + std::max(kConfirmWaitMinUs, static_cast<std::int64_t>(4 * topicIntervalUs)));
      break;
    }
    case LifeKind::kStaller:
      ws_->pauseReading();
      step_ = Step::kStalling;
      arm(activeEndUs_);
      break;
    case LifeKind::kPingFlooder:
      ws_->pauseReading();
      step_ = Step::kFlooding;
      lastFloodUs_ = lastRoomUs_ = now;
      floodCredit_ = 0;
      floodBlocked_ = false;
      flood(now);
      if (step_ == Step::kFlooding) arm(now + kFloodTickUs);
      break;
    case LifeKind::kVanisher:
      step_ = Step::kReading;
      arm(activeEndUs_);
      break;
    case LifeKind::kHalfOpen:
      break;
  }
}

void ChurnSlot::onText(WsClient& client, std::string_view text, std::int64_t receivedAtUs) {
  if (plan_.kind != LifeKind::kGoodReader) return;
  ChurnTally& tally = context_.tally;
  const auto msg = findMsgField(text);
  const auto stamp = msg ? parseStamp(*msg) : std::nullopt;
  if (!stamp) {
    if (++tally.unparsable == 1) tally.note("unparsable message: " + std::string(text.substr(0, 120)));
    return;
  }
  ++tally.deliveries;
  switch (ledger_.receive(stamp->publisher, stamp->sequence)) {
    case ReaderLedger::Receipt::kNew: break;
    case ReaderLedger::Receipt::kDuplicate:
      if (++tally.duplicates <= 3) {
        tally.note("duplicate: slot " + std::to_string(index_) + " got p" + std::to_string(stamp->publisher) + " s" +
                   std::to_string(stamp->sequence) + " again");
      }
      break;
    case ReaderLedger::Receipt::kReorder:
      if (++tally.reorders <= 3) {
        tally.note("reorder: slot " + std::to_string(index_) + " got p" + std::to_string(stamp->publisher) + " s" +
                   std::to_string(stamp->sequence) + " after a later one");
      }
      break;
    case ReaderLedger::Receipt::kForeign:
      if (++tally.foreign <= 3) {
        tally.note("slot " + std::to_string(index_) + " on topic " + std::to_string(plan_.topic) +
                   " got a message from publisher " + std::to_string(stamp->publisher) + " of another topic");
      }
      break;
  }
  if (step_ == Step::kConfirming) {
    ledger_.confirm(context_.logs);
    tally.confirmUs.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, receivedAtUs - client.openedAtUs())));
    step_ = Step::kReading;
    arm(receivedAtUs + plan_.activeUs);
  } else if (step_ == Step::kSettling && ledger_.count(context_.logs).missing == 0) {
    judge();
    startClose();
  }
}

void ChurnSlot::onEnded(WsClient&, EndKind kind, int code, const std::string& detail) {
  if (step_ == Step::kHalted) return;
  std::string outcome = endLabel(kind, code);
  if (plan_.kind == LifeKind::kGoodReader) {
    if (step_ == Step::kClosing && kind == EndKind::kServerClose && code == 1000) {
      outcome = kOutcomeClean;
    } else {
      context_.tally.note("good reader (slot " + std::to_string(index_) + ") ended while " + stepName(step_) + ": " +
                          outcome + (detail.empty() ? "" : " (" + detail + ")"));
    }
  }
  finish(outcome);
}

void ChurnSlot::onHalfOpenEnded(HalfOpenClient&, End end, int status, std::int64_t heldUs) {
  if (step_ == Step::kHalted) return;
  std::string outcome;
  switch (end) {
    case End::kConnectFailed: outcome = "connect failed"; break;
    case End::kServerClosed: outcome = status != 0 ? "answered " + std::to_string(status) : "closed by server"; break;
    case End::kReset: outcome = "reset"; break;
    case End::kError: outcome = "socket error"; break;
  }
  halfOpenSent_ = end != End::kConnectFailed;
  if (end == End::kServerClosed || end == End::kReset) {
    context_.tally.halfOpenHeldUs.record(static_cast<std::uint64_t>(heldUs));
  }
  finish(outcome);
}

void ChurnSlot::onTimer(std::uint64_t token) {
  if (token != token_) return;
  const std::int64_t now = nowUs();
  switch (step_) {
    case Step::kHalted: return;
    case Step::kBetween: startLife(); return;
    case Step::kConnecting: finish("connect timeout"); return;
    case Step::kConfirming: finish("no message in time"); return;
    case Step::kReading:
      if (plan_.kind == LifeKind::kVanisher) {
        ws_->vanish(plan_.reset);
        finish(plan_.reset ? "vanished rst" : "vanished fin");
        return;
      }
      // The good reader decides to leave: it is owed what was accepted until now.
      ledger_.freeze(context_.logs);
      step_ = Step::kSettling;
      if (ledger_.count(context_.logs).missing == 0) {
        judge();
        startClose();
      } else {
        arm(now + static_cast<std::int64_t>(context_.options.readerSettleS * 1e6));
      }
      return;
    case Step::kSettling:
      judge();
      startClose();
      return;
    case Step::kClosing: finish("close not answered"); return;
    case Step::kStalling: startDraining(now); return;
    case Step::kFlooding:
      if (now >= activeEndUs_) {
        startDraining(now);
        return;
      }
      flood(now);
      if (step_ == Step::kFlooding) arm(now + kFloodTickUs);
      return;
    case Step::kDraining:
      if (plan_.kind == LifeKind::kStaller) finish("not dropped");
      else finish(floodBlocked_ ? "stopped reading" : "still reading");
      return;
    case Step::kHalfOpen: finish("not closed by server"); return;
  }
}

void ChurnSlot::flood(std::int64_t now) {
  const std::size_t unsent = ws_->unsentBytes();
  if (unsent < kFloodBacklogBytes) lastRoomUs_ = now;
  const std::size_t room = unsent < kFloodBacklogBytes ? (kFloodBacklogBytes - unsent) / kPingFrameBytes : 0;
  std::size_t pings = room;
  if (context_.options.floodRate > 0) {
    floodCredit_ += context_.options.floodRate * static_cast<double>(now - lastFloodUs_) / 1e6;
    pings = std::min(room, static_cast<std::size_t>(floodCredit_));
    // Credit the server did not take does not pile up into a burst later.
    floodCredit_ = pings == room ? 0 : floodCredit_ - static_cast<double>(pings);
  }
  lastFloodUs_ = now;
  static const std::string payload(kPingPayloadBytes, 'p');
  if (pings > 0) ws_->sendPings(payload, pings);
}

void ChurnSlot::startDraining(std::int64_t now) {
  floodBlocked_ = plan_.kind == LifeKind::kPingFlooder && now - lastRoomUs_ >= kBlockedUs;
  step_ = Step::kDraining;
  arm(now + kDrainUs);
  ws_->resumeReading();
}

void ChurnSlot::judge() {
  ChurnTally& tally = context_.tally;
  const ReaderLedger::Count count = ledger_.count(context_.logs);
  ++tally.readersJudged;
  tally.owed += count.owed;
  tally.missing += count.missing;
  tally.skipped += count.skipped;
  tally.phantom += count.phantom;
  if (count.missing > 0) {
    ++tally.readersWithLoss;
    tally.note("loss: slot " + std::to_string(index_) + " on topic " + std::to_string(plan_.topic) + " missed " +
               std::to_string(count.missing) + " of " + std::to_string(count.owed) + " owed messages (" +
               std::to_string(count.skipped) + " skipped, the rest still missing after waiting " +
               secondsText(context_.options.readerSettleS) + ")");
  }
}

void ChurnSlot::startClose() {
  step_ = Step::kClosing;
  arm(nowUs() + kCloseWaitUs);
  ws_->sendClose(1000);  // may end the life at once if the socket has failed
}

void ChurnSlot::finish(const std::string& outcome) {
  context_.tally.ended(plan_.kind, outcome);
  // Only closed here: finish() may run inside the client's own callback, so the objects
  // are destroyed when the next life starts.
  if (ws_) ws_->abandon();
  if (halfOpen_) halfOpen_->abandon();
  if (step_ == Step::kHalted) return;
  const bool neverConnected = step_ == Step::kConnecting || (step_ == Step::kHalfOpen && !halfOpenSent_);
  plan_ = picker_.next();
  step_ = Step::kBetween;
  arm(nowUs() + plan_.gapUs + (neverConnected ? kRetryBackoffUs : 0));
}

}  // namespace spread::bench
