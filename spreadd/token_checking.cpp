#include "token_checking.h"

#include <fstream>

#include "spread/transport/auth/jwt_authenticator.h"

namespace spread::daemon {

namespace {

constexpr std::size_t kSecretFileBytesMax = 64 * 1024;

constexpr const char* kSecretKey = "auth.jwt.hmacSecretFile";

ConfigError errorAt(const Setting& setting, const char* key, std::string problem) {
  return ConfigError{setting.source, setting.line, key, std::move(problem)};
}

}  // namespace

std::variant<std::string, ConfigError> readHmacSecret(const Setting& setting, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return errorAt(setting, kSecretKey, "cannot read '" + path + "'");
  std::string secret(kSecretFileBytesMax + 1, '\0');
  file.read(secret.data(), static_cast<std::streamsize>(secret.size()));
  secret.resize(static_cast<std::size_t>(file.gcount()));
  if (secret.size() > kSecretFileBytesMax) {
    return errorAt(setting, kSecretKey, "'" + path + "' is larger than 64 KiB; is it the secret?");
  }
  // `openssl rand -base64 32 > file` and editors end the file with a line break that is
  // not meant as part of the secret.
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < 32) {
    return errorAt(setting, kSecretKey,
                   "'" + path + "' holds " + std::to_string(secret.size()) +
                       " bytes; an HS256 secret needs at least 32 (RFC 7518 3.2)");
  }
  return secret;
}

std::variant<std::unique_ptr<transport::auth::Authenticator>, ConfigError> makeAuthenticator(
    const DaemonConfig& config, const std::function<std::string(const std::string&)>& resolve) {
  const AuthSettings& auth = config.auth;
  if (!auth.jwt) return std::unique_ptr<transport::auth::Authenticator>();

  transport::auth::JwtOptions options;
  options.leeway = auth.leeway;
  options.subjectBytesMax = config.session.nameBytesMax;
  if (!auth.hmacSecretFile.value.empty()) {
    auto secret = readHmacSecret(auth.hmacSecretFile, resolve(auth.hmacSecretFile.value));
    if (auto* error = std::get_if<ConfigError>(&secret)) return *error;
    options.hmacSecret = std::move(std::get<std::string>(secret));
  }
  if (!auth.publicKeyFile.value.empty()) options.publicKeyFile = resolve(auth.publicKeyFile.value);

  auto created = transport::auth::JwtAuthenticator::create(std::move(options));
  if (auto* problem = std::get_if<std::string>(&created)) {
    // The secret was checked above, so what is left to go wrong is the public key.
    return errorAt(auth.publicKeyFile, "auth.jwt.publicKeyFile", *problem);
  }
  return std::unique_ptr<transport::auth::Authenticator>(
      std::move(std::get<std::unique_ptr<transport::auth::JwtAuthenticator>>(created)));
}

}  // namespace spread::daemon
