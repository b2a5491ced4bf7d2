#pragma once

#include <gmock/gmock.h>

#include "spread/core/clock.h"
#include "spread/core/executor.h"

namespace spread::testing {

class MockClock : public core::Clock {
 public:
  MOCK_METHOD(core::TimePoint, now, (), (const, override));
};

class MockExecutor : public core::Executor {
 public:
  MOCK_METHOD(void, post, (core::Task task), (override));
  MOCK_METHOD(core::TimerId, postAfter, (core::Duration delay, core::Task task), (override));
  MOCK_METHOD(bool, cancel, (core::TimerId id), (override));
};

}  // namespace spread::testing
