#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "spread/core/topic_registry.h"

namespace spread::sim {

/// What the probe sees pass between the broker and the sessions. Called on the executor's
/// thread, possibly during a fan-out: a listener only records.
class ProbeListener {
 public:
  virtual ~ProbeListener() = default;

  /// The broker created a topic called `topic`: a new publish log, whose sequence numbers
  /// start at 1 again if an earlier topic of that name was freed.
  virtual void onTopicCreated(const std::string& topic) = 0;
  /// A topic accepted a message: the entry `sequence` of its publish log, as published (the
  /// topic of that `epoch` may stamp its position into what it sends: see history).
  virtual void onAccepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes,
                          std::uint64_t epoch) = 0;
  /// A subscriber joined `topic`, which had accepted `acceptedBefore` messages so far.
  /// Returns a tag that names the subscription in the calls below.
  virtual std::uint64_t onSubscribed(const std::string& topic, std::uint64_t acceptedBefore) = 0;
  /// The subscription starts from history: it is owed the messages after `offset`, not
  /// only those accepted after it joined (a resume or last=N replays some before).
  virtual void onStartsAfter(std::uint64_t tag, std::uint64_t offset) = 0;
  /// The topic is about to offer a message to the subscription. The session may take it
  /// from the queue and send it before the offer returns; onOffered() follows.
  virtual void onOffering(std::uint64_t tag) = 0;
  /// The topic offered `message` to the subscription and got `outcome`.
  virtual void onOffered(std::uint64_t tag, const core::MessagePtr& message, core::Delivery outcome) = 0;
  /// The topic ended the subscription; `acceptedNow` is the topic's log length by then.
  virtual void onEnded(std::uint64_t tag, core::CloseReason reason, std::uint64_t acceptedNow) = 0;
};

/// Deliberate bugs at the edge between the broker's fan-out and the sessions, which a test
/// switches on to prove the checker catches them (the others live in the sim transport).
struct ProbeBugs {
  bool stopOffering = false;  // a topic stops offering messages to every second subscription
                              // after its third, without a word

  /// Switches on the bug called `name`; false if there is none here.
  bool enable(std::string_view name);
};

/// A TopicRegistry that forwards everything to the real broker and tells a listener what
/// went through: each accepted publish, and each offer to and end of a subscription. The
/// simulator hands it to the transport and the publish path in place of the broker, so
/// the checker sees the core's queues from outside without the session or the broker
/// changing at all.
class ProbeRegistry final : public core::TopicRegistry {
 public:
  /// Both must outlive the registry and every topic it handed out.
  ProbeRegistry(core::TopicRegistry& broker, ProbeListener& listener)
      : broker_(broker), listener_(listener) {}

  core::TopicLookup topic(std::string_view name) override;
  std::shared_ptr<core::Topic> find(std::string_view name) const override;
  std::vector<std::string> topicNames() const override { return broker_.topicNames(); }
  void closeTopic(std::string_view name, core::Duration deadline, core::CloseCallback done) override {
    broker_.closeTopic(name, deadline, std::move(done));
  }
  void shutdown(core::Duration grace, core::CloseCallback done) override {
    broker_.shutdown(grace, std::move(done));
  }

  ProbeBugs& bugs() { return bugs_; }

 private:
  std::shared_ptr<core::Topic> wrap(std::shared_ptr<core::Topic> topic) const;

  core::TopicRegistry& broker_;
  ProbeListener& listener_;
  ProbeBugs bugs_;
};

}  // namespace spread::sim
