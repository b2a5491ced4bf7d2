#include "spread/transport/auth/jwt_authenticator.h"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cmath>
#include <optional>

#include "spread/core/utf8.h"

namespace spread::transport::auth {

namespace {

using Seconds = std::chrono::duration<double>;

// A token valid for longer than this is treated as one without `exp`: no process runs that
// long, and a nanosecond count of a much later `exp` would overflow.
constexpr double kValidForMaxSeconds = 100.0 * 365 * 24 * 3600;

// A NumericDate claim (RFC 7519 2): seconds since the epoch, a JSON number. nullopt if the
// claim is absent; a failure if it is anything but a finite number.
std::variant<std::optional<double>, AuthFailure> numericDate(const Poco::JSON::Object& claims, const char* claim) {
  if (!claims.has(claim)) return std::optional<double>{};
  const Poco::Dynamic::Var& value = claims.get(claim);
  if (!value.isNumeric()) return AuthFailure{std::string("claim '") + claim + "' is not a number of seconds"};
  const double seconds = value.convert<double>();
  if (!std::isfinite(seconds)) return AuthFailure{std::string("claim '") + claim + "' is not a number of seconds"};
  return std::optional<double>{seconds};
}

// A list-of-topics claim; absent means none.
std::optional<AuthFailure> readTopics(const Poco::JSON::Object& claims, const char* claim, TopicPatterns& into) {
  if (!claims.has(claim)) return std::nullopt;
  const Poco::JSON::Array::Ptr list = claims.getArray(claim);
  if (list.isNull()) return AuthFailure{std::string("claim '") + claim + "' is not a list of topics"};
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Poco::Dynamic::Var& entry = list->get(static_cast<unsigned>(i));
    if (!entry.isString()) {
      return AuthFailure{std::string("claim '") + claim + "' entry " + std::to_string(i) + " is not a string"};
    }
    if (auto problem = into.add(entry.extract<std::string>())) {
      return AuthFailure{std::string("claim '") + claim + "' entry " + std::to_string(i) + ": " + *problem};
    }
  }
  return std::nullopt;
}

// The public key in the PEM file at `path`, or why not. Read with OpenSSL directly: Poco
// 1.11's EVPPKey leaks what it allocated when a file is not a key.
std::variant<Poco::Crypto::EVPPKey, std::string> readPublicKey(const std::string& path) {
  auto failure = [&path](const std::string& what) {
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    std::string text = "cannot read a PEM public key from '" + path + "': " + what;
    if (code != 0) {
      char reason[256];
      ERR_error_string_n(code, reason, sizeof reason);
      text += std::string(" (") + reason + ")";
    }
    return text;
  };
  BIO* file = BIO_new_file(path.c_str(), "r");
  if (file == nullptr) return failure("the file cannot be opened");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(file, nullptr, nullptr, nullptr);
  BIO_free(file);
  if (key == nullptr) return failure("it holds no public key");
  Poco::Crypto::EVPPKey wrapped(key);  // a copy of its own
  EVP_PKEY_free(key);
  return wrapped;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::variant<std::unique_ptr<JwtAuthenticator>, std::string> JwtAuthenticator::create(JwtOptions options) {
  auto signer = std::make_unique<Poco::JWT::Signer>();
  std::set<std::string> algorithms;
  if (!options.hmacSecret.empty()) {
    if (options.hmacSecret.size() < 32) {
      return "the HS256 secret has " + std::to_string(options.hmacSecret.size()) +
             " bytes; at least 32 are needed (RFC 7518 3.2)";
    }
    signer->setHMACKey(options.hmacSecret);
    algorithms.insert(Poco::JWT::Signer::ALGO_HS256);
  }
  if (!options.publicKeyFile.empty()) {
    auto read = readPublicKey(options.publicKeyFile);
    if (auto* problem = std::get_if<std::string>(&read)) return *problem;
    const Poco::Crypto::EVPPKey& key = std::get<Poco::Crypto::EVPPKey>(read);
    try {
      if (key.type() == EVP_PKEY_RSA) {
        signer->setRSAKey(new Poco::Crypto::RSAKey(key));
        algorithms.insert(Poco::JWT::Signer::ALGO_RS256);
      } else if (key.type() == EVP_PKEY_EC) {
        char curve[64] = "";
        std::size_t length = 0;
        EVP_PKEY_get_group_name(static_cast<const EVP_PKEY*>(key), curve, sizeof curve, &length);
        if (std::string_view(curve) != "prime256v1") {
          return "'" + options.publicKeyFile + "' is an EC key on curve '" + curve +
                 "'; ES256 needs P-256 (prime256v1)";
        }
        signer->setECKey(new Poco::Crypto::ECKey(key));
        algorithms.insert(Poco::JWT::Signer::ALGO_ES256);
      } else {
        return "'" + options.publicKeyFile + "' holds neither an RSA nor an EC public key";
      }
    } catch (const Poco::Exception& error) {
      return "cannot use the public key in '" + options.publicKeyFile + "': " + error.displayText();
    }
  }
  if (algorithms.empty()) return "no key is configured: give an HS256 secret file or a public key file";
  signer->setAlgorithms(algorithms);
  return std::unique_ptr<JwtAuthenticator>(new JwtAuthenticator(std::move(options), std::move(signer)));
}

JwtAuthenticator::JwtAuthenticator(JwtOptions options, std::unique_ptr<Poco::JWT::Signer> signer)
    : options_(std::move(options)), signer_(std::move(signer)) {}

JwtAuthenticator::~JwtAuthenticator() = default;

const std::set<std::string>& JwtAuthenticator::algorithms() const { return signer_->getAlgorithms(); }

std::variant<Grant, AuthFailure> JwtAuthenticator::authenticate(std::string_view text) const {
  if (text.empty()) return AuthFailure{"the token is empty"};
  if (text.size() > kTokenBytesMax) {
    return AuthFailure{"the token is longer than " + std::to_string(kTokenBytesMax) + " bytes"};
  }
  const std::string jwt(text);
  // Read unverified first, only to name a refused algorithm; nothing else of it is trusted
  // until the signature is.
  std::string algorithm;
  try {
    algorithm = Poco::JWT::Token(jwt).getAlgorithm();
  } catch (const Poco::Exception&) {
    return AuthFailure{"the token is not a well-formed JWT"};
  } catch (const std::exception&) {
    return AuthFailure{"the token is not a well-formed JWT"};
  }
  if (algorithm.empty() || algorithm == "none" || algorithm == "NONE" || algorithm == "None") {
    return AuthFailure{"the token is not signed (alg 'none' is never accepted)"};
  }
  if (algorithms().count(algorithm) == 0) {
    return AuthFailure{"the token's algorithm " + algorithm + " is not accepted here (accepted: " +
                       joined(algorithms()) + ")"};
  }
  Poco::JWT::Token token;
  try {
    if (!signer_->tryVerify(jwt, token)) return AuthFailure{"the token's signature does not verify"};
  } catch (const Poco::Exception&) {
    return AuthFailure{"the token's signature does not verify"};
  } catch (const std::exception&) {
    return AuthFailure{"the token's signature does not verify"};
  }

  const Poco::JSON::Object& claims = token.payload();
  Grant grant;
  if (!claims.has("sub") || !claims.get("sub").isString()) return AuthFailure{"the token has no 'sub' claim"};
  grant.subject = claims.get("sub").extract<std::string>();
  if (grant.subject.empty()) return AuthFailure{"the token's 'sub' claim is empty"};
  if (grant.subject.size() > options_.subjectBytesMax) {
    return AuthFailure{"the token's 'sub' claim is longer than " + std::to_string(options_.subjectBytesMax) +
                       " bytes"};
  }
  if (core::findInvalidUtf8(grant.subject)) return AuthFailure{"the token's 'sub' claim is not valid UTF-8"};
  if (auto failure = readTopics(claims, "subscribe", grant.subscribe)) return *failure;
  if (auto failure = readTopics(claims, "publish", grant.publish)) return *failure;

  const double now = Seconds(options_.wallClock().time_since_epoch()).count();
  const double leeway = Seconds(options_.leeway).count();
  auto expires = numericDate(claims, "exp");
  auto notBefore = numericDate(claims, "nbf");
  auto issuedAt = numericDate(claims, "iat");
  for (auto* date : {&expires, &notBefore, &issuedAt}) {
    if (auto* failure = std::get_if<AuthFailure>(date)) return *failure;
  }
  if (auto exp = std::get<std::optional<double>>(expires)) {
    if (now >= *exp + leeway) return AuthFailure{"the token has expired"};
    const double remaining = *exp + leeway - now;
    if (remaining < kValidForMaxSeconds) grant.validFor = std::chrono::duration_cast<core::Duration>(Seconds(remaining));
  }
  if (auto nbf = std::get<std::optional<double>>(notBefore); nbf && now + leeway < *nbf) {
    return AuthFailure{"the token is not valid yet (its 'nbf' is in the future)"};
  }
  if (auto iat = std::get<std::optional<double>>(issuedAt); iat && now + leeway < *iat) {
    return AuthFailure{"the token was issued in the future (its 'iat')"};
  }
  return grant;
}

}  // namespace spread::transport::auth
