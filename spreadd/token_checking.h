#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "daemon_config.h"
#include "spread/transport/auth/authenticator.h"

namespace spread::daemon {

/// The authenticator auth.* asks for: null with auth.mode = none. With jwt, reads the key
/// files now (`resolve` turns a configured path into one to open), so that a missing or
/// unusable key is a configuration error naming its key, file and line, under
/// --check-config too. The secret itself never appears in an error.
/// The HS256 secret in auth.jwt.hmacSecretFile (`path`, resolved): at most 64 KiB, without
/// its trailing line breaks, at least 32 bytes.
std::variant<std::string, ConfigError> readHmacSecret(const Setting& setting, const std::string& path);

std::variant<std::unique_ptr<transport::auth::Authenticator>, ConfigError> makeAuthenticator(
    const DaemonConfig& config, const std::function<std::string(const std::string&)>& resolve);

}  // namespace spread::daemon
