#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/backplane.h"
#include "spread/core/message.h"
#include "spread/core/publisher.h"
#include "spread/core/time.h"

namespace spread::core {

/// A topic's inlet for an engine that numbers messages itself (ClusterEngine): what the
/// engine takes from its backplane goes in here, and the topic fans it out and keeps it as
/// history like a message it accepted. Thread-safe.
class TopicFeed {
 public:
  virtual ~TopicFeed() = default;
  virtual const std::string& name() const = 0;
  /// The newest offset the topic took (0: none yet).
  virtual std::uint64_t lastOffset() const = 0;
  virtual std::uint64_t epoch() const = 0;
  /// Messages taken and not yet fanned out.
  virtual std::size_t backlog() const = 0;
  /// Whether this node's topic would admit a publish now, by the rules a topic that numbers
  /// its own messages applies (TopicOptions::inboundMessagesMax and deliveryDelayTarget).
  virtual bool hasRoom() const = 0;

  /// Takes `entries` (oldest first) as live messages. One at or below lastOffset() is a
  /// duplicate and skipped. One past lastOffset() + 1 is taken all the same: the log no
  /// longer had what lies between, and history restarts after the jump, so that a resume
  /// into the gap is told it came too late. An `epoch` other than the topic's replaces it
  /// and empties the history first. Never refused for room: the engine bounds what it
  /// feeds by backlog().
  virtual void ingest(std::uint64_t epoch, std::vector<LogEntry> entries) = 0;

  /// Ends the topic's warm-up with what the log held before it was followed: `older`
  /// (oldest first, consecutive) goes into history where it joins what the topic holds,
  /// or becomes it if it holds nothing yet; nothing of it is delivered live. Subscriptions
  /// that asked for history during the warm-up are served now, before any later message.
  /// With `available` false the log could not be read: they are told history is
  /// unavailable and go on live.
  virtual void warmed(std::uint64_t epoch, std::vector<LogEntry> older, bool available) = 0;
};

/// The engine side of a broker whose topics are fed (BrokerOptions::feeder): told when a
/// topic comes and goes, and handed what is published to a fed topic directly (through
/// Topic's Publisher interface). Calls come without any lock of the broker held.
class TopicFeeder {
 public:
  virtual ~TopicFeeder() = default;
  /// A topic was created warming: it serves history only once warmed() is called.
  virtual void topicCreated(const std::shared_ptr<TopicFeed>& feed) = 0;
  /// `feed` was freed or closed (Broker documents when); a later topic of the same name is
  /// a new one, and may have been created (and told) already.
  virtual void topicFreed(const TopicFeed& feed) = 0;
  /// A publish made through the topic itself: Engine::publish's contract.
  virtual void publish(std::string_view name, Payload payload, Duration waitMax, PublishCallback done) = 0;
};

}  // namespace spread::core
