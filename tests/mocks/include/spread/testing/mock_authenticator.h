#pragma once

#include <gmock/gmock.h>

#include <string_view>
#include <variant>

#include "spread/transport/auth/authenticator.h"

namespace spread::testing {

/// Decides what each token grants, for tests of sessions and transports with tokens in use.
class MockAuthenticator : public transport::auth::Authenticator {
 public:
  MOCK_METHOD((std::variant<transport::auth::Grant, transport::auth::AuthFailure>), authenticate,
              (std::string_view token), (const, override));
};

}  // namespace spread::testing
