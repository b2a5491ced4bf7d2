#pragma once

#include <optional>
#include <string>

namespace Poco::Net {
class HTTPRequest;
}

namespace spread::plugins::websocket {

/// The topic a request names with ?topic=T: `defaultTopic` when there is no such
/// parameter, or `error` (a sentence naming the problem) when the query is malformed or
/// the name breaks the topic name rules.
struct TopicQuery {
  std::string topic;
  std::optional<std::string> error;
};

TopicQuery readTopic(const Poco::Net::HTTPRequest& request, const std::string& defaultTopic);

}  // namespace spread::plugins::websocket
