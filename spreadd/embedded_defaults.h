#pragma once

#include <string_view>

namespace spread::daemon {

/// etc/server.properties as it was when spreadd was built: the defaults of every key, and
/// the whole configuration when no file is given.
std::string_view embeddedDefaults();

/// How errors name the embedded defaults.
inline constexpr const char* kEmbeddedDefaultsSource = "built-in defaults (etc/server.properties)";

}  // namespace spread::daemon
