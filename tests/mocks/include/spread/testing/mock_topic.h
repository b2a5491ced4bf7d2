#pragma once

#include <memory>
#include <string>

#include <gmock/gmock.h>

#include "spread/core/topic.h"

namespace spread::testing {

class MockTopic : public core::Topic {
 public:
  MOCK_METHOD(const std::string&, name, (), (const, override));
  MOCK_METHOD(core::PublishOutcome, tryPublish, (core::Payload payload), (override));
  MOCK_METHOD(void, publish, (core::Payload payload, core::Duration waitMax, core::PublishCallback done),
              (override));
  using core::Topic::subscribe;
  MOCK_METHOD(core::SubscribeResult, subscribe,
              (std::shared_ptr<core::Subscriber> subscriber, const core::SubscribeFrom& from), (override));
  MOCK_METHOD(std::uint64_t, epoch, (), (const, override));
  MOCK_METHOD(void, close, (core::Duration deadline, core::CloseCallback done), (override));
  MOCK_METHOD(bool, closed, (), (const, override));
  MOCK_METHOD(core::TopicStats, stats, (), (const, override));
};

}  // namespace spread::testing
