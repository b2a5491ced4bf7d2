#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace spread::core {

inline constexpr std::size_t kTopicNameBytesMax = 64;

/// Topic names are 1 to 64 characters from [A-Za-z0-9._-], not starting with '.' or '-'.
/// Returns nullopt for a valid name, otherwise a sentence naming the problem.
std::optional<std::string> checkTopicName(std::string_view name);

}  // namespace spread::core
