#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <gmock/gmock.h>

#include "spread/core/message.h"
#include "spread/transport/close_code.h"
#include "spread/transport/connection.h"

namespace spread::testing {

// Needs spread::transport as well as spread::testing.
class MockConnection : public transport::Connection {
 public:
  MOCK_METHOD(void, send, (std::span<const core::MessagePtr> messages), (override));
  MOCK_METHOD(void, sendText, (std::string text), (override));
  MOCK_METHOD(void, ping, (), (override));
  MOCK_METHOD(void, close, (transport::CloseCode code, std::string_view reason), (override));
  MOCK_METHOD(std::size_t, bytesQueued, (), (const, override));
  MOCK_METHOD(void, holdReading, (bool held), (override));
  MOCK_METHOD(std::optional<core::Duration>, admitPublish, (), (override));
};

}  // namespace spread::testing
