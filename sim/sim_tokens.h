#pragma once

#include <memory>
#include <string>

#include "spread/core/clock.h"
#include "spread/transport/auth/authenticator.h"

namespace spread::sim {

/// Tokens for a run with `set tokens on`: the server's authenticator (HS256, no leeway) and
/// the token each client carries, both on the run's virtual time, so that expiry happens
/// at the same virtual moment in every run. The wall clock tokens are dated by is a fixed
/// epoch plus the virtual time.
class SimTokens {
 public:
  explicit SimTokens(core::Clock& clock);
  ~SimTokens();

  const transport::auth::Authenticator& authenticator() const { return *authenticator_; }

  /// The token a client joined at `joinedAt` carries, by its join line's `token=` (`spec`):
  /// "forever" (also the default) never expires, a lifetime expires that long after the
  /// join, "forged" is signed with another secret, and "none" is no token (empty). Its
  /// subject is the client's name; it allows every topic.
  std::string tokenFor(const std::string& client, const std::string& spec, core::TimePoint joinedAt) const;

 private:
  core::Clock& clock_;
  std::unique_ptr<transport::auth::Authenticator> authenticator_;
};

}  // namespace spread::sim
