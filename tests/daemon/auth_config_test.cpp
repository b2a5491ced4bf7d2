// The auth.* keys: read and checked with the rest of the configuration, and the key files
// read once, with every problem named by its key, file and line.
#include <Poco/TemporaryFile.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "daemon_config.h"
#include "embedded_defaults.h"
#include "token_checking.h"

namespace spread::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::variant<DaemonConfig, std::vector<ConfigError>> read(const std::string& text) {
  static const PropertyFile defaults = PropertyFile::parse(embeddedDefaults(), "defaults");
  const PropertyFile file = PropertyFile::parse(text, "server.properties");
  return readDaemonConfig(defaults, &file);
}

std::vector<std::string> errorsOf(const std::string& text) {
  std::vector<std::string> messages;
  auto result = read(text);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    for (const ConfigError& error : *errors) messages.push_back(error.message());
  }
  return messages;
}

// The authenticator for `text`, or the message of the error making it gave.
std::string authenticatorError(const std::string& text) {
  auto result = read(text);
  if (!std::holds_alternative<DaemonConfig>(result)) return "(config refused)";
  auto made = makeAuthenticator(std::get<DaemonConfig>(result), [](const std::string& path) { return path; });
  if (auto* error = std::get_if<ConfigError>(&made)) return error->message();
  return std::get<std::unique_ptr<transport::auth::Authenticator>>(made) ? "(jwt)" : "(none)";
}

std::string fileHolding(Poco::TemporaryFile& file, const std::string& text) {
  std::ofstream(file.path(), std::ios::binary) << text;
  return file.path();
}

TEST(AuthConfigTest, ByDefaultThereIsNoAuthenticator) {
  EXPECT_EQ(authenticatorError(""), "(none)");
}

TEST(AuthConfigTest, AnUnknownModeAndJwtWithoutAKeyAreRefusedByKeyAndLine) {
  EXPECT_THAT(errorsOf("auth.mode = basic\n"),
              ElementsAre("server.properties:1: auth.mode: 'basic' is not an auth mode (none or jwt)"));
  EXPECT_THAT(errorsOf("\nauth.mode = jwt\n"),
              ElementsAre("server.properties:2: auth.mode: is jwt, but neither auth.jwt.hmacSecretFile nor "
                          "auth.jwt.publicKeyFile names a key"));
  EXPECT_THAT(errorsOf("auth.jwt.leewayMs = -1\n"), ElementsAre(HasSubstr("auth.jwt.leewayMs: -1 is out of range")));
}

TEST(AuthConfigTest, TheSecretFileIsReadWithoutItsTrailingLineBreak) {
  Poco::TemporaryFile secret;
  const std::string path = fileHolding(secret, std::string(32, 's') + "\n");
  EXPECT_EQ(authenticatorError("auth.mode = jwt\nauth.jwt.hmacSecretFile = " + path + "\n"), "(jwt)");
}

TEST(AuthConfigTest, AShortMissingOrHugeSecretIsNamedByItsKeyAndLine) {
  Poco::TemporaryFile shortSecret;
  const std::string shortPath = fileHolding(shortSecret, std::string(31, 's') + "\n");
  EXPECT_EQ(authenticatorError("auth.mode = jwt\nauth.jwt.hmacSecretFile = " + shortPath + "\n"),
            "server.properties:2: auth.jwt.hmacSecretFile: '" + shortPath +
                "' holds 31 bytes; an HS256 secret needs at least 32 (RFC 7518 3.2)");
  EXPECT_EQ(authenticatorError("auth.mode = jwt\nauth.jwt.hmacSecretFile = /no/such/secret\n"),
            "server.properties:2: auth.jwt.hmacSecretFile: cannot read '/no/such/secret'");
  Poco::TemporaryFile huge;
  const std::string hugePath = fileHolding(huge, std::string(70'000, 's'));
  EXPECT_THAT(authenticatorError("auth.mode = jwt\nauth.jwt.hmacSecretFile = " + hugePath + "\n"),
              HasSubstr("is larger than 64 KiB"));
}

TEST(AuthConfigTest, APublicKeyFileThatIsNotAKeyIsNamedByItsKey) {
  Poco::TemporaryFile notAKey;
  const std::string path = fileHolding(notAKey, "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n");
  EXPECT_THAT(authenticatorError("auth.mode = jwt\n\nauth.jwt.publicKeyFile = " + path + "\n"),
              HasSubstr("server.properties:3: auth.jwt.publicKeyFile: cannot read a PEM public key from '" + path));
}

TEST(AuthConfigTest, KeysAreIgnoredWhileTheModeIsNone) {
  EXPECT_EQ(authenticatorError("auth.jwt.hmacSecretFile = /no/such/secret\n"), "(none)");
}

}  // namespace
}  // namespace spread::daemon
