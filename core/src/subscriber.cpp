#include "spread/core/subscriber.h"

namespace spread::core {

BatchDelivery Subscriber::deliverAll(std::span<const MessagePtr> messages) {
  if (messages.empty()) return {};
  const Delivery outcome = deliver(messages.front());
  return BatchDelivery{outcome == Delivery::kAccepted ? 1u : 0u, outcome};
}

}  // namespace spread::core
