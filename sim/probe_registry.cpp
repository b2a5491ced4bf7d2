#include "probe_registry.h"

#include <utility>

namespace spread::sim {

namespace {

class ProbeSubscriber final : public core::Subscriber {
 public:
  ProbeSubscriber(std::shared_ptr<core::Subscriber> inner, std::shared_ptr<core::Topic> topic,
                  ProbeListener& listener, std::uint64_t tag, bool stopOffering)
      : inner_(std::move(inner)), topic_(std::move(topic)), listener_(listener), tag_(tag),
        stopOffering_(stopOffering) {}

  core::Delivery deliver(const core::MessagePtr& message) override {
    // The deliberate bug: after three messages, this subscription is skipped, silently.
    if (stopOffering_ && ++offers_ > 3) return core::Delivery::kAccepted;
    listener_.onOffering(tag_);
    const core::Delivery outcome = inner_->deliver(message);
    listener_.onOffered(tag_, message, outcome);
    return outcome;
  }

  void close(core::CloseReason reason) override {
    listener_.onEnded(tag_, reason, topic_->stats().accepted);
    inner_->close(reason);
  }

  void whenFinished(std::function<void()> finished) override { inner_->whenFinished(std::move(finished)); }

 private:
  const std::shared_ptr<core::Subscriber> inner_;
  const std::shared_ptr<core::Topic> topic_;
  ProbeListener& listener_;
  const std::uint64_t tag_;
  const bool stopOffering_;
  std::uint64_t offers_ = 0;
};

class ProbeTopic final : public core::Topic, public std::enable_shared_from_this<ProbeTopic> {
 public:
  ProbeTopic(std::shared_ptr<core::Topic> inner, ProbeListener& listener, const ProbeBugs& bugs)
      : inner_(std::move(inner)), listener_(listener), bugs_(bugs) {}

  const std::string& name() const override { return inner_->name(); }

  core::PublishOutcome tryPublish(core::Payload payload) override {
    const std::string bytes = payload.bytes;
    const core::PublishOutcome outcome = inner_->tryPublish(std::move(payload));
    if (outcome == core::PublishOutcome::kAccepted) accepted(bytes);
    return outcome;
  }

  void publish(core::Payload payload, core::Duration waitMax, core::PublishCallback done) override {
    // The topic reports acceptance before it fans the message out, and in log order.
    std::string bytes = payload.bytes;
    inner_->publish(std::move(payload), waitMax,
                    [self = shared_from_this(), bytes = std::move(bytes),
                     done = std::move(done)](core::PublishOutcome outcome) {
                      if (outcome == core::PublishOutcome::kAccepted) self->accepted(bytes);
                      done(outcome);
                    });
  }

  using core::Topic::subscribe;
  core::SubscribeResult subscribe(std::shared_ptr<core::Subscriber> subscriber,
                                  const core::SubscribeFrom& from) override {
    const std::uint64_t tag = listener_.onSubscribed(name(), inner_->stats().accepted);
    // The stop-offering bug strikes every second subscription, so that others see the
    // messages it misses.
    const bool stopOffering = bugs_.stopOffering && tag % 2 == 0;
    core::SubscribeResult result = inner_->subscribe(
        std::make_shared<ProbeSubscriber>(std::move(subscriber), inner_, listener_, tag, stopOffering), from);
    if (result.ok() && result.replayed != 0) listener_.onStartsAfter(tag, result.liveAfter - result.replayed);
    return result;
  }
  std::uint64_t epoch() const override { return inner_->epoch(); }

  void close(core::Duration deadline, core::CloseCallback done) override {
    inner_->close(deadline, std::move(done));
  }
  bool closed() const override { return inner_->closed(); }
  core::TopicStats stats() const override { return inner_->stats(); }

 private:
  void accepted(const std::string& bytes) {
    listener_.onAccepted(name(), inner_->stats().accepted, bytes, inner_->epoch());
  }

  const std::shared_ptr<core::Topic> inner_;
  ProbeListener& listener_;
  const ProbeBugs& bugs_;
};

}  // namespace

bool ProbeBugs::enable(std::string_view name) {
  if (name != "stop-offering") return false;
  stopOffering = true;
  return true;
}

std::shared_ptr<core::Topic> ProbeRegistry::wrap(std::shared_ptr<core::Topic> topic) const {
  if (!topic) return topic;
  return std::make_shared<ProbeTopic>(std::move(topic), listener_, bugs_);
}

core::TopicLookup ProbeRegistry::topic(std::string_view name) {
  core::TopicLookup lookup = broker_.topic(name);
  if (lookup.status == core::TopicLookup::Status::kCreated) listener_.onTopicCreated(std::string(name));
  lookup.topic = wrap(std::move(lookup.topic));
  return lookup;
}

std::shared_ptr<core::Topic> ProbeRegistry::find(std::string_view name) const {
  return wrap(broker_.find(name));
}

}  // namespace spread::sim
