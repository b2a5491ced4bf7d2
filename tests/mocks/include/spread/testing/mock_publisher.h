#pragma once

#include <gmock/gmock.h>

#include "spread/core/publisher.h"

namespace spread::testing {

class MockPublisher : public core::Publisher {
 public:
  MOCK_METHOD(core::PublishOutcome, tryPublish, (core::Payload payload), (override));
  MOCK_METHOD(void, publish, (core::Payload payload, core::Duration waitMax, core::PublishCallback done),
              (override));
};

}  // namespace spread::testing
