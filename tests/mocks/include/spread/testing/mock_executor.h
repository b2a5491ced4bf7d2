#pragma once

#include <gmock/gmock.h>

#include "spread/core/clock.h"
#include "spread/core/executor.h"

namespace spread::testing {

class MockClock : public core::Clock {
 public:
  MOCK_METHOD(core::TimePoint, now, (), (const, override));
};

/// By default post() accepts (returns true) and refusedTasks() is zero; a test that needs a
/// refusal says so with Return(false) or Return(core::TimerId::kNone).
class MockExecutor : public core::Executor {
 public:
  MockExecutor() { ON_CALL(*this, post).WillByDefault(::testing::Return(true)); }

  MOCK_METHOD(bool, post, (core::Task task), (override));
  MOCK_METHOD(core::TimerId, postAfter, (core::Duration delay, core::Task task), (override));
  MOCK_METHOD(bool, cancel, (core::TimerId id), (override));
  MOCK_METHOD(std::uint64_t, refusedTasks, (), (const, override));
};

}  // namespace spread::testing
