#pragma once

#include <gmock/gmock.h>

#include "spread/core/subscriber.h"

namespace spread::testing {

class MockSubscriber : public core::Subscriber {
 public:
  MOCK_METHOD(core::Delivery, deliver, (const core::MessagePtr& message), (override));
  MOCK_METHOD(void, close, (core::CloseReason reason), (override));
};

}  // namespace spread::testing
