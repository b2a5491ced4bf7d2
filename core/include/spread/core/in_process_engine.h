#pragma once

#include "spread/core/engine.h"
#include "spread/core/topic_registry.h"

namespace spread::core {

/// The one-node engine: a message goes to this process's topic of that name, which numbers
/// it. A topic that does not exist has no subscriber, so the message is accepted and
/// dropped (a publish never creates a topic). Always available.
class InProcessEngine final : public Engine {
 public:
  explicit InProcessEngine(TopicRegistry& topics) : topics_(topics) {}

  void publish(std::string_view name, Payload payload, Duration waitMax, PublishCallback done) override;
  EngineHealth health() const override { return {}; }

 private:
  TopicRegistry& topics_;
};

}  // namespace spread::core
