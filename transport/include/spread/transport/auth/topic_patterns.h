#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spread::transport::auth {

/// The topics a token allows one action on: exact topic names, `prefix.*` (every topic
/// whose name starts with "prefix."), or `*` (every topic).
class TopicPatterns {
 public:
  /// Adds one entry; returns a sentence naming the problem if it is neither a topic name
  /// nor a pattern.
  std::optional<std::string> add(std::string_view entry);

  bool allows(std::string_view topic) const;
  bool empty() const { return exact_.empty() && prefixes_.empty() && !all_; }

 private:
  std::vector<std::string> exact_;
  std::vector<std::string> prefixes_;  // with their final '.'
  bool all_ = false;
};

}  // namespace spread::transport::auth
