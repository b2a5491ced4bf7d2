#include "spread/transport/auth/topic_patterns.h"

#include <algorithm>

#include "spread/core/topic_name.h"

namespace spread::transport::auth {

std::optional<std::string> TopicPatterns::add(std::string_view entry) {
  if (entry == "*") {
    all_ = true;
    return std::nullopt;
  }
  if (entry.ends_with(".*")) {
    const std::string_view prefix = entry.substr(0, entry.size() - 2);
    if (auto problem = core::checkTopicName(prefix)) {
      return "'" + std::string(entry) + "' is not a valid prefix.* pattern: " + *problem;
    }
    prefixes_.emplace_back(entry.substr(0, entry.size() - 1));
    return std::nullopt;
  }
  if (auto problem = core::checkTopicName(entry)) {
    return "'" + std::string(entry) + "' is not a topic name or pattern (name, prefix.* or *): " + *problem;
  }
  exact_.emplace_back(entry);
  return std::nullopt;
}

bool TopicPatterns::allows(std::string_view topic) const {
  if (all_) return true;
  if (std::find(exact_.begin(), exact_.end(), topic) != exact_.end()) return true;
  return std::any_of(prefixes_.begin(), prefixes_.end(), [&](const std::string& prefix) {
    return topic.size() > prefix.size() && topic.starts_with(prefix);
  });
}

}  // namespace spread::transport::auth
