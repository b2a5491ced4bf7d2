#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spread::plugins::websocket {

/// The topic a request names with ?topic=T: `defaultTopic` when there is no such
/// parameter, or `error` (a sentence naming the problem) when the query is malformed or
/// the name breaks the topic name rules.
struct TopicQuery {
  std::string topic;
  std::optional<std::string> error;
};

/// From a request target as sent ("/publish?topic=a").
TopicQuery readTopic(std::string_view target, const std::string& defaultTopic);

/// One query parameter of a request target, decoded: absent (`value` empty and no error),
/// its first value, or `error` naming what is malformed.
struct QueryParameter {
  std::optional<std::string> value;
  std::optional<std::string> error;
};
QueryParameter readQueryParameter(std::string_view target, std::string_view name);

/// The decoded path of a request target, or `error` naming what is malformed.
struct TargetPath {
  std::string path;
  std::optional<std::string> error;
};
TargetPath readPath(std::string_view target);

}  // namespace spread::plugins::websocket
