#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "spread/transport/auth/authenticator.h"

namespace Poco::JWT {
class Signer;
}

namespace spread::transport::auth {

struct JwtOptions {
  /// The HS256 secret; empty: HS256 is not accepted. At least 32 bytes (RFC 7518 3.2).
  std::string hmacSecret;
  /// A PEM public key, RSA (RS256 is accepted) or EC P-256 (ES256); empty: neither.
  std::string publicKeyFile;
  /// How far `exp`, `nbf` and `iat` may be off, for clocks that disagree.
  core::Duration leeway = std::chrono::seconds(5);
  /// The longest `sub` accepted: it becomes the name on the holder's messages.
  std::size_t subjectBytesMax = 64;
  /// Wall-clock time, which `exp`, `nbf` and `iat` are in; tests set their own.
  std::function<std::chrono::system_clock::time_point()> wallClock = [] { return std::chrono::system_clock::now(); };
};

/// Verifies JSON Web Tokens (RFC 7519) signed with the configured key, and reads the grant
/// from their claims: `sub` (required), `subscribe` and `publish` (lists of topic names and
/// patterns), `exp`, `nbf` and `iat`. Only the algorithms the configured keys are for are
/// accepted: never `none`, and never HS256 with a public key as its secret. Poco's Signer
/// checks the signature only, so the times are checked here.
class JwtAuthenticator final : public Authenticator {
 public:
  /// The authenticator, or a sentence naming what is wrong with the keys.
  static std::variant<std::unique_ptr<JwtAuthenticator>, std::string> create(JwtOptions options);
  ~JwtAuthenticator() override;

  std::variant<Grant, AuthFailure> authenticate(std::string_view token) const override;

  /// "HS256", "RS256", "ES256": what the configured keys verify.
  const std::set<std::string>& algorithms() const;

  /// The most bytes a token may have; longer ones are refused unread.
  static constexpr std::size_t kTokenBytesMax = 4096;

 private:
  JwtAuthenticator(JwtOptions options, std::unique_ptr<Poco::JWT::Signer> signer);

  const JwtOptions options_;
  const std::unique_ptr<Poco::JWT::Signer> signer_;
};

}  // namespace spread::transport::auth
