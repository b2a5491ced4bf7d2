#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>

#include "spread/core/topic_registry.h"

namespace spread::testing {

class MockTopicRegistry : public core::TopicRegistry {
 public:
  MOCK_METHOD(core::TopicLookup, topic, (std::string_view name), (override));
  MOCK_METHOD(std::shared_ptr<core::Topic>, find, (std::string_view name), (const, override));
  MOCK_METHOD(std::vector<std::string>, topicNames, (), (const, override));
  MOCK_METHOD(void, closeTopic, (std::string_view name, core::Duration deadline, core::CloseCallback done),
              (override));
  MOCK_METHOD(void, shutdown, (core::Duration grace, core::CloseCallback done), (override));
};

}  // namespace spread::testing
