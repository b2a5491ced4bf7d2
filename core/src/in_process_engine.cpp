#include "spread/core/in_process_engine.h"

#include <utility>

namespace spread::core {

void InProcessEngine::publish(std::string_view name, Payload payload, Duration waitMax, PublishCallback done) {
  std::shared_ptr<Topic> topic = topics_.find(name);
  if (!topic) {
    done(PublishOutcome::kAccepted);
    return;
  }
  topic->publish(std::move(payload), waitMax, std::move(done));
}

}  // namespace spread::core
