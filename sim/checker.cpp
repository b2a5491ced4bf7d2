#include "checker.h"

#include <algorithm>
#include <utility>

#include "spread/transport/close_code.h"

namespace spread::sim {

namespace {
std::string conn(ConnectionId id) { return "connection " + std::to_string(id); }
std::string ms(core::Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(duration).count() / 1000.0) +
         "ms";
}
}  // namespace

void Checker::fail(std::string invariant, ConnectionId id, std::string detail) {
  if (!violation_) violation_ = Violation{std::move(invariant), std::move(detail), id};
}

Checker::Connection* Checker::find(ConnectionId id) {
  auto found = connections_.find(id);
  return found == connections_.end() ? nullptr : &found->second;
}

void Checker::connected(ConnectionId id, const std::string& topic, QueueBound bound) {
  Connection& c = connections_[id];
  c.topic = topic;
  c.bound = bound;
}

std::shared_ptr<Checker::Log>& Checker::logOf(const std::string& topic) {
  std::shared_ptr<Log>& log = logs_[topic];
  if (!log) log = std::make_shared<Log>();
  return log;
}

void Checker::topicCreated(const std::string& topic) { logs_[topic] = std::make_shared<Log>(); }

void Checker::subscribed(ConnectionId id, std::uint64_t acceptedBefore) {
  if (Connection* c = find(id)) {
    c->subscribed = true;
    c->acceptedBefore = acceptedBefore;
    c->log = logOf(c->topic);
  }
}

void Checker::startsAfter(ConnectionId id, std::uint64_t offset) {
  if (Connection* c = find(id)) c->acceptedBefore = offset;
}

void Checker::published(const std::string& publisher, const std::string& topic, const std::string& bytes) {
  const std::uint64_t index = ++issuedBy_[publisher + "\n" + topic];
  outstanding_[topic][bytes].push_back(Issued{publisher, index});
}

void Checker::accepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes,
                       const std::string& sent) {
  if (auto byTopic = outstanding_.find(topic); byTopic != outstanding_.end()) {
    if (auto same = byTopic->second.find(bytes); same != byTopic->second.end()) {
      std::deque<Issued>& issued = same->second;
      if (issued.size() == 1) {
        const Issued& it = issued.front();
        std::uint64_t& last = lastAcceptedOf_[it.publisher + "\n" + topic];
        if (it.index < last) {
          fail("publisher-order", 0,
               "topic '" + topic + "' accepted publish " + std::to_string(it.index) + " of " + it.publisher +
                   " as sequence " + std::to_string(sequence) + " after its publish " + std::to_string(last) +
                   ": a later publish overtook it");
        }
        last = std::max(last, it.index);
      }
      // With several identical publishes outstanding (a refused one among them, perhaps),
      // which one this was cannot be told: the oldest goes, unchecked.
      issued.pop_front();
      if (issued.empty()) byTopic->second.erase(same);
    }
  }
  Log& log = *logOf(topic);
  if (sequence != log.entries.size() + 1) {
    fail("log-order", 0,
         "topic '" + topic + "' accepted a message as sequence " + std::to_string(sequence) + " after " +
             std::to_string(log.entries.size()) + " messages: its log has a gap or a repeat");
  }
  log.entries.push_back(sent);
}

void Checker::offered(ConnectionId id, const core::MessagePtr& message, core::Delivery outcome) {
  Connection* c = find(id);
  if (c == nullptr) return;
  const std::uint64_t seq = message->sequence();
  if (c->queueEnd) {
    fail("after-end", id,
         "topic '" + c->topic + "' offered sequence " + std::to_string(seq) + " to " + conn(id) +
             " after its subscription ended (" + std::string(core::toString(*c->queueEnd)) + ")");
    return;
  }
  const std::size_t size = message->bytes().size();
  if (c->log) c->log->fannedOut = std::max(c->log->fannedOut, seq);
  if (seq <= c->acceptedBefore) {
    fail("new-subscription", id,
         "topic '" + c->topic + "' offered " + conn(id) + " sequence " + std::to_string(seq) +
             ", which it had accepted before the subscription (accepted then: " +
             std::to_string(c->acceptedBefore) + ")");
    return;
  }
  switch (outcome) {
    case core::Delivery::kAccepted: {
      if (c->lastOffered != 0 && seq != c->lastOffered + 1) {
        fail("no-loss", id,
             "topic '" + c->topic + "' offered " + conn(id) + " sequence " + std::to_string(seq) +
                 " right after " + std::to_string(c->lastOffered) + ": it skipped messages");
      } else if (c->lastOffered == 0 && seq > c->acceptedBefore + 1) {
        fail("no-loss", id,
             conn(id) + " subscribed when '" + c->topic + "' had accepted " +
                 std::to_string(c->acceptedBefore) + " messages, but its first message is sequence " +
                 std::to_string(seq));
      }
      c->lastOffered = seq;
      c->queued.push_back(Queued{seq, size});
      c->queuedBytes += size;
      if (c->queued.size() > c->bound.messagesMax) {
        fail("queue-bound", id,
             conn(id) + " holds " + std::to_string(c->queued.size()) +
                 " messages in its queue; the bound is " + std::to_string(c->bound.messagesMax));
      } else if (c->queued.size() > 1 && c->queuedBytes > c->bound.bytesMax) {
        fail("queue-bound", id,
             conn(id) + " holds " + std::to_string(c->queuedBytes) + " bytes in its queue; the bound is " +
                 std::to_string(c->bound.bytesMax));
      }
      break;
    }
    case core::Delivery::kFull: {
      const bool full = c->queued.size() >= c->bound.messagesMax ||
                        (!c->queued.empty() && c->queuedBytes + size > c->bound.bytesMax);
      if (!full) {
        fail("drop-justified", id,
             conn(id) + " refused sequence " + std::to_string(seq) + " with " +
                 std::to_string(c->queued.size()) + " of " + std::to_string(c->bound.messagesMax) +
                 " messages (" + std::to_string(c->queuedBytes) + " of " + std::to_string(c->bound.bytesMax) +
                 " bytes) queued: it was not full");
      }
      c->refusedDelivery = true;
      break;
    }
    case core::Delivery::kFailed:
      fail("drop-justified", id, conn(id) + "'s queue reported a failed delivery, which a queue never does");
      break;
  }
}

void Checker::queueEnded(ConnectionId id, core::CloseReason reason, std::uint64_t acceptedNow) {
  Connection* c = find(id);
  if (c == nullptr) return;
  c->queueEnd = reason;
  checkOfferedAll(id, *c, reason);
  if (reason != core::CloseReason::kGoingAway) return;
  const std::uint64_t last = c->lastOffered != 0 ? c->lastOffered : c->acceptedBefore;
  if (last != acceptedNow) {
    fail("no-loss", id,
         "topic '" + c->topic + "' closed after accepting " + std::to_string(acceptedNow) +
             " messages, but " + conn(id) + " was offered messages only up to sequence " +
             std::to_string(last));
  }
}

void Checker::checkOfferedAll(ConnectionId id, const Connection& c, core::CloseReason reason) {
  // A drop ends the offers at the refused message; a failed handler is not a queue's end.
  if (!c.subscribed || !c.log || reason == core::CloseReason::kSlowConsumer) return;
  // The fan-out offers one message to every subscriber before the next, so by any end of
  // this subscription it has been offered everything its topic offered anyone since it
  // subscribed.
  const std::uint64_t reached = std::max(c.lastOffered, c.acceptedBefore);
  if (reached < c.log->fannedOut) {
    fail("no-loss", id,
         "the subscription of " + conn(id) + " ended (" + std::string(core::toString(reason)) +
             ") having been offered messages of topic '" + c.topic + "' up to sequence " +
             std::to_string(reached) + ", but the topic had offered others up to sequence " +
             std::to_string(c.log->fannedOut));
  }
}

void Checker::sent(ConnectionId id, const core::MessagePtr& message) {
  Connection* c = find(id);
  if (c == nullptr) return;
  const std::uint64_t seq = message->sequence();
  if (c->closeCode) {
    fail("after-end", id,
         "the session sent sequence " + std::to_string(seq) + " on " + conn(id) + " after closing it with " +
             std::to_string(static_cast<int>(*c->closeCode)));
    return;
  }
  if (c->queued.empty() || c->queued.front().sequence != seq) {
    fail("no-loss", id,
         "the session handed " + conn(id) + " sequence " + std::to_string(seq) +
             " but its queue's next was " +
             (c->queued.empty() ? std::string("nothing") : std::to_string(c->queued.front().sequence)));
    return;
  }
  c->queuedBytes -= c->queued.front().bytes;
  c->queued.pop_front();
  c->unread.push_back(seq);
}

void Checker::read(ConnectionId id, const core::MessagePtr& message) {
  Connection* c = find(id);
  if (c == nullptr) return;
  const std::uint64_t seq = message->sequence();
  if (c->ends > 0) {
    fail("after-end", id,
         "the client of " + conn(id) + " read sequence " + std::to_string(seq) +
             " after its connection ended");
    return;
  }
  static const Log kNoLog;
  const std::vector<std::string>& log = (c->log ? *c->log : kNoLog).entries;
  if (seq == 0 || seq > log.size() || log[seq - 1] != message->bytes()) {
    fail("log-order", id,
         "the client of " + conn(id) + " read sequence " + std::to_string(seq) + ", which is not entry " +
             std::to_string(seq) + " of topic '" + c->topic + "''s publish log");
    return;
  }
  if (seq <= c->lastRead) {
    fail("log-order", id,
         "the client of " + conn(id) + " read sequence " + std::to_string(seq) + " after sequence " +
             std::to_string(c->lastRead) + (seq == c->lastRead ? ": a duplicate" : ": out of order"));
    return;
  }
  if (c->unread.empty() || c->unread.front() != seq) {
    fail("no-loss", id,
         "the client of " + conn(id) + " read sequence " + std::to_string(seq) +
             " but the next one sent was " +
             (c->unread.empty() ? std::string("nothing") : std::to_string(c->unread.front())) +
             ": the link lost or reordered messages");
    return;
  }
  c->unread.pop_front();
  c->lastRead = seq;
}

void Checker::closeRequested(ConnectionId id, transport::CloseCode code, std::string_view reason,
                             core::TimePoint at) {
  Connection* c = find(id);
  if (c == nullptr) return;
  if (reason.empty())
    fail("close-once", id,
         conn(id) + " was closed with code " + std::to_string(static_cast<int>(code)) + " and no reason");
  const bool tooSlow = code == transport::CloseCode::kPolicyViolation && reason == transport::kReasonTooSlow;
  if (tooSlow && !c->refusedDelivery) {
    fail("drop-justified", id, conn(id) + " was closed as too slow, but its queue never refused a message");
  }
  const bool pastDeadline = shutdownDeadline_ && at >= *shutdownDeadline_;
  if (!c->closeCode && c->refusedDelivery && !tooSlow && !pastDeadline) {
    fail("drop-justified", id,
         conn(id) + " was dropped because its queue was full, but closed with " +
             std::to_string(static_cast<int>(code)) + " \"" + std::string(reason) + "\" instead of 1008 \"" +
             std::string(transport::kReasonTooSlow) + "\"");
  }
  const bool lossJustified = pastDeadline || c->refusedDelivery ||
                             (code != transport::CloseCode::kNormal && code != transport::CloseCode::kGoingAway) ||
                             (code == transport::CloseCode::kGoingAway && reason == transport::kReasonIdle);
  if (!c->closeCode && !c->queued.empty() && !lossJustified) {
    fail("no-loss", id,
         "the server closed " + conn(id) + " with " + std::to_string(static_cast<int>(code)) + " \"" +
             std::string(reason) + "\" while " + std::to_string(c->queued.size()) +
             " messages accepted into its queue were still unsent (first: sequence " +
             std::to_string(c->queued.front().sequence) + ")");
  }
  if (!c->closeCode) c->closeCode = code;
}

void Checker::ended(ConnectionId id, const plugins::sim::ConnectionEnd& end) {
  Connection* c = find(id);
  if (c == nullptr) return;
  if (++c->ends > 1) {
    fail("close-once", id,
         conn(id) + " ended a second time (code " + std::to_string(static_cast<int>(end.code)) + ", \"" +
             end.reason + "\")");
    return;
  }
  c->endedByClient = end.by == plugins::sim::ClosedBy::kClient;
  if (end.reason.empty()) fail("close-once", id, conn(id) + " ended without a reason");
  if (end.by == plugins::sim::ClosedBy::kServer && end.frameRead && !c->unread.empty()) {
    fail("no-loss", id,
         "the client of " + conn(id) + " read the close frame with " + std::to_string(c->unread.size()) +
             " messages sent before it still unread (first: sequence " + std::to_string(c->unread.front()) +
             ")");
  }
}

void Checker::link(ConnectionId id, const plugins::sim::LinkState& state) {
  if (!state.known || state.ended) return;
  if (state.windowUsedBytes > state.windowBytes) {
    fail("queue-bound", id,
         "the receive window of " + conn(id) + " holds " + std::to_string(state.windowUsedBytes) +
             " bytes; it is " + std::to_string(state.windowBytes) + " bytes");
  }
}

void Checker::wireViolation(ConnectionId id, std::string_view problem) {
  fail("wire", id, "the client of " + conn(id) + " read " + std::string(problem));
}

void Checker::shutdownBegan(core::TimePoint at, core::Duration grace) {
  if (!shutdownDeadline_) shutdownDeadline_ = at + grace;
}

void Checker::stopped(core::TimePoint at, std::uint64_t connectionsOpen) {
  stopped_ = true;
  if (shutdownDeadline_ && at > *shutdownDeadline_) {
    fail("shutdown-grace", 0,
         "shutdown completed " + ms(at - *shutdownDeadline_) + " after its grace period ended");
  }
  if (connectionsOpen != 0) {
    fail("shutdown-grace", 0,
         "shutdown completed with " + std::to_string(connectionsOpen) + " connections still open");
  }
}

void Checker::escapedExceptions(std::size_t count) {
  if (count != 0)
    fail("no-exception", 0, std::to_string(count) + " executor task(s) let an exception escape");
}

void Checker::refusedTasks(std::uint64_t count) {
  if (count != 0) fail("no-refused-task", 0, std::to_string(count) + " executor task(s) or timer(s) refused");
}

void Checker::finish(std::int64_t connectionsOpenInMetrics) {
  if (shutdownDeadline_ && !stopped_) fail("shutdown-grace", 0, "shutdown never completed");
  if (connectionsOpenInMetrics != 0) {
    fail("close-once", 0,
         "the metrics count " + std::to_string(connectionsOpenInMetrics) + " connections open after the run");
  }
  checkStreamsEnded();
  for (const auto& [id, c] : connections_) {
    if (c.ends == 0) fail("close-once", id, conn(id) + " never ended");
    if (c.refusedDelivery && !c.closeCode && !c.endedByClient) {
      fail("drop-justified", id, conn(id) + " was dropped by its topic but its client was never told");
    }
  }
}

bool Checker::isLive(ConnectionId id) const {
  auto found = connections_.find(id);
  return found != connections_.end() && found->second.ends == 0;
}

std::vector<ConnectionId> Checker::live() const {
  std::vector<ConnectionId> out;
  for (const auto& [id, c] : connections_) {
    if (c.ends == 0) out.push_back(id);
  }
  return out;
}

}  // namespace spread::sim
