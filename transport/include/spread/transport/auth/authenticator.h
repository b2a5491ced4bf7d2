#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "spread/transport/auth/grant.h"

namespace spread::transport::auth {

/// Why a token was refused: a sentence for the client, never containing the token.
struct AuthFailure {
  std::string reason;
};

/// Turns a bearer token into what its holder may do. With `auth.mode = none` there is no
/// Authenticator at all (TransportContext::auth is null) and every client may do anything.
/// Thread-safe: every transport thread verifies through one instance.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::variant<Grant, AuthFailure> authenticate(std::string_view token) const = 0;
};

}  // namespace spread::transport::auth
