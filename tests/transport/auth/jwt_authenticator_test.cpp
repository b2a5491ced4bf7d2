// JwtAuthenticator against tokens signed here with Poco's Signer, on a wall clock the test
// sets: what a good token grants, and each way a token is refused.
#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JSON/Array.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "spread/transport/auth/jwt_authenticator.h"

namespace spread::transport::auth {
namespace {

using namespace std::chrono_literals;
using WallClock = std::chrono::system_clock;

const std::string kSecret = "a test secret of at least thirty-two bytes";
constexpr std::int64_t kNow = 1'800'000'000;  // seconds since the epoch, on the test's wall clock

Poco::JSON::Array::Ptr list(std::initializer_list<std::string> entries) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const std::string& entry : entries) array->add(entry);
  return array;
}

Poco::JWT::Token claims(const std::string& sub = "alice") {
  Poco::JWT::Token token;
  token.setType("JWT");
  if (!sub.empty()) token.payload().set("sub", sub);
  token.payload().set("subscribe", list({"chat", "room.*"}));
  token.payload().set("publish", list({"chat"}));
  token.payload().set("iat", kNow);
  token.payload().set("exp", kNow + 60);
  return token;
}

std::string sign(Poco::JWT::Token token, const std::string& algorithm = "HS256", const std::string& key = kSecret) {
  Poco::JWT::Signer signer(key);
  signer.addAlgorithm(algorithm);
  return signer.sign(token, algorithm);
}

std::string base64url(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder << text;
  encoder.close();
  return out.str();
}

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  JwtAuthenticator& authenticator(JwtOptions options = {}) {
    if (options.hmacSecret.empty() && options.publicKeyFile.empty()) options.hmacSecret = kSecret;
    options.leeway = leeway_;
    options.wallClock = [this] { return now_; };
    auto created = JwtAuthenticator::create(std::move(options));
    if (auto* error = std::get_if<std::string>(&created)) ADD_FAILURE() << *error;
    made_ = std::move(std::get<std::unique_ptr<JwtAuthenticator>>(created));
    return *made_;
  }

  std::string refusal(const std::string& token) {
    auto result = authenticator().authenticate(token);
    if (auto* failure = std::get_if<AuthFailure>(&result)) return failure->reason;
    return "(accepted)";
  }

  WallClock::time_point now_ = WallClock::time_point(std::chrono::seconds(kNow));
  core::Duration leeway_ = 5s;
  std::unique_ptr<JwtAuthenticator> made_;
};

TEST_F(JwtAuthenticatorTest, AGoodTokenGrantsWhatItsClaimsSay) {
  auto result = authenticator().authenticate(sign(claims()));
  ASSERT_TRUE(std::holds_alternative<Grant>(result)) << std::get<AuthFailure>(result).reason;
  const Grant& grant = std::get<Grant>(result);
  EXPECT_EQ(grant.subject, "alice");
  EXPECT_TRUE(grant.subscribe.allows("chat"));
  EXPECT_TRUE(grant.subscribe.allows("room.a"));
  EXPECT_FALSE(grant.subscribe.allows("lobby"));
  EXPECT_TRUE(grant.publish.allows("chat"));
  EXPECT_FALSE(grant.publish.allows("room.a"));
  ASSERT_TRUE(grant.validFor.has_value());
  EXPECT_EQ(*grant.validFor, 65s) << "60 s to exp, plus the 5 s leeway";
}

TEST_F(JwtAuthenticatorTest, ATokenWithoutExpNeverExpiresAndWithoutListsAllowsNothing) {
  Poco::JWT::Token token;
  token.payload().set("sub", "bob");
  auto result = authenticator().authenticate(sign(token));
  ASSERT_TRUE(std::holds_alternative<Grant>(result));
  EXPECT_FALSE(std::get<Grant>(result).validFor.has_value());
  EXPECT_FALSE(std::get<Grant>(result).subscribe.allows("chat"));
  EXPECT_FALSE(std::get<Grant>(result).publish.allows("chat"));
}

TEST_F(JwtAuthenticatorTest, AnExpiryCenturiesAwayCountsAsNone) {
  // Found by the token fuzzer: this many nanoseconds do not fit a duration.
  Poco::JWT::Token distant = claims();
  distant.payload().set("exp", 160000099999999.0);
  auto result = authenticator().authenticate(sign(distant));
  ASSERT_TRUE(std::holds_alternative<Grant>(result)) << std::get<AuthFailure>(result).reason;
  EXPECT_FALSE(std::get<Grant>(result).validFor.has_value());
}

TEST_F(JwtAuthenticatorTest, ExpiryCountsTheLeeway) {
  now_ += 64s;
  EXPECT_EQ(refusal(sign(claims())), "(accepted)");
  now_ += 1s;
  EXPECT_EQ(refusal(sign(claims())), "the token has expired");
}

TEST_F(JwtAuthenticatorTest, NotBeforeAndIssuedAtInTheFutureAreRefusedPastTheLeeway) {
  Poco::JWT::Token early = claims();
  early.payload().set("nbf", kNow + 6);
  EXPECT_EQ(refusal(sign(early)), "the token is not valid yet (its 'nbf' is in the future)");
  early.payload().set("nbf", kNow + 5);
  EXPECT_EQ(refusal(sign(early)), "(accepted)");
  Poco::JWT::Token future = claims();
  future.payload().set("iat", kNow + 6);
  EXPECT_EQ(refusal(sign(future)), "the token was issued in the future (its 'iat')");
}

TEST_F(JwtAuthenticatorTest, ABadSignatureOrAnotherSecretIsRefused) {
  std::string token = sign(claims());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(token), "the token's signature does not verify");
  EXPECT_EQ(refusal(sign(claims(), "HS256", "another secret, just as long as the first")),
            "the token's signature does not verify");
}

TEST_F(JwtAuthenticatorTest, AlgNoneIsNeverAccepted) {
  const std::string header = base64url(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = base64url(R"({"sub":"mallory","publish":["*"]})");
  EXPECT_EQ(refusal(header + "." + payload + "."), "the token is not signed (alg 'none' is never accepted)");
}

TEST_F(JwtAuthenticatorTest, AnAlgorithmNoKeyIsConfiguredForIsRefusedByName) {
  EXPECT_EQ(refusal(sign(claims(), "HS384")), "the token's algorithm HS384 is not accepted here (accepted: HS256)");
}

TEST_F(JwtAuthenticatorTest, MalformedTokensAndClaimsAreRefusedWithTheReason) {
  EXPECT_EQ(refusal(""), "the token is empty");
  EXPECT_EQ(refusal("not-a-jwt"), "the token is not a well-formed JWT");
  EXPECT_EQ(refusal(std::string(JwtAuthenticator::kTokenBytesMax + 1, 'a')),
            "the token is longer than 4096 bytes");
  EXPECT_EQ(refusal(sign(claims(""))), "the token has no 'sub' claim");
  EXPECT_EQ(refusal(sign(claims(std::string(65, 's')))), "the token's 'sub' claim is longer than 64 bytes");
  Poco::JWT::Token notAList = claims();
  notAList.payload().set("publish", "chat");
  EXPECT_EQ(refusal(sign(notAList)), "claim 'publish' is not a list of topics");
  Poco::JWT::Token badEntry = claims();
  badEntry.payload().set("subscribe", list({"chat", "no spaces"}));
  EXPECT_EQ(refusal(sign(badEntry)).rfind("claim 'subscribe' entry 1: 'no spaces' is not a topic name", 0), 0u);
  Poco::JWT::Token textExpiry = claims();
  textExpiry.payload().set("exp", "tomorrow");
  EXPECT_EQ(refusal(sign(textExpiry)), "claim 'exp' is not a number of seconds");
}

TEST_F(JwtAuthenticatorTest, KeysAreCheckedWhenItIsCreated) {
  auto withSecret = [](std::string secret) {
    JwtOptions options;
    options.hmacSecret = std::move(secret);
    return options;
  };
  auto withKeyFile = [](std::string path) {
    JwtOptions options;
    options.publicKeyFile = std::move(path);
    return options;
  };
  auto error = [](JwtOptions options) {
    auto created = JwtAuthenticator::create(std::move(options));
    return std::holds_alternative<std::string>(created) ? std::get<std::string>(created) : std::string("(created)");
  };
  EXPECT_EQ(error({}), "no key is configured: give an HS256 secret file or a public key file");
  EXPECT_EQ(error(withSecret("short")), "the HS256 secret has 5 bytes; at least 32 are needed (RFC 7518 3.2)");
  Poco::TemporaryFile notAKey;
  std::ofstream(notAKey.path()) << "hello\n";
  EXPECT_EQ(error(withKeyFile(notAKey.path())).rfind("cannot read a PEM public key from '" + notAKey.path(), 0),
            0u);
  EXPECT_EQ(error(withKeyFile("/no/such/key.pem")).rfind(
                "cannot read a PEM public key from '/no/such/key.pem': the file cannot be opened", 0),
            0u);
  Poco::TemporaryFile p384;
  Poco::Crypto::ECKey("secp384r1").save(p384.path());
  EXPECT_EQ(error(withKeyFile(p384.path())),
            "'" + p384.path() + "' is an EC key on curve 'secp384r1'; ES256 needs P-256 (prime256v1)");
}

// RS256 and ES256: the authenticator reads only the public key; the private one signs here.
void checkPublicKey(Poco::Crypto::KeyPair& pair, const std::string& algorithm,
                    const std::function<void(Poco::JWT::Signer&)>& setPrivateKey) {
  Poco::TemporaryFile publicKey;
  pair.save(publicKey.path());
  JwtOptions options;
  options.publicKeyFile = publicKey.path();
  auto created = JwtAuthenticator::create(std::move(options));
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<JwtAuthenticator>>(created)) << std::get<std::string>(created);
  const JwtAuthenticator& authenticator = *std::get<std::unique_ptr<JwtAuthenticator>>(created);
  EXPECT_EQ(authenticator.algorithms(), std::set<std::string>{algorithm});
  Poco::JWT::Signer signer;
  setPrivateKey(signer);
  signer.addAlgorithm(algorithm);
  Poco::JWT::Token token;
  token.payload().set("sub", "keyholder");
  auto result = authenticator.authenticate(signer.sign(token, algorithm));
  ASSERT_TRUE(std::holds_alternative<Grant>(result)) << std::get<AuthFailure>(result).reason;
  EXPECT_EQ(std::get<Grant>(result).subject, "keyholder");
  // The classic confusion: an HS256 token "signed" with the public key as its secret.
  std::ostringstream pem;
  pair.save(&pem);
  auto confused = authenticator.authenticate(sign(token, "HS256", pem.str()));
  ASSERT_TRUE(std::holds_alternative<AuthFailure>(confused));
  EXPECT_EQ(std::get<AuthFailure>(confused).reason,
            "the token's algorithm HS256 is not accepted here (accepted: " + algorithm + ")");
}

TEST(JwtPublicKeyTest, Rs256WithAnRsaPublicKey) {
  auto key = Poco::SharedPtr<Poco::Crypto::RSAKey>(
      new Poco::Crypto::RSAKey(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE));
  checkPublicKey(*key, "RS256", [&](Poco::JWT::Signer& signer) { signer.setRSAKey(key); });
}

TEST(JwtPublicKeyTest, Es256WithAnEcPublicKey) {
  auto key = Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey("prime256v1"));
  checkPublicKey(*key, "ES256", [&](Poco::JWT::Signer& signer) { signer.setECKey(key); });
}

}  // namespace
}  // namespace spread::transport::auth
