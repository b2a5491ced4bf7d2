#include "spread/core/topic_name.h"

namespace spread::core {

namespace {
bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}
}  // namespace

std::optional<std::string> checkTopicName(std::string_view name) {
  if (name.empty()) return "topic name must not be empty";
  if (name.size() > kTopicNameBytesMax) {
    return "topic name is longer than " + std::to_string(kTopicNameBytesMax) + " characters";
  }
  if (name.front() == '.' || name.front() == '-') {
    return "topic name must not start with '.' or '-'";
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!isNameChar(name[i])) {
      return "topic name has a character outside [A-Za-z0-9._-] at position " + std::to_string(i);
    }
  }
  return std::nullopt;
}

}  // namespace spread::core
