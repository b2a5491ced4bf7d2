#include "http/topic_query.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "spread/core/topic_name.h"

namespace spread::plugins::websocket {

QueryParameter readQueryParameter(std::string_view target, std::string_view wanted) {
  // Most requests have no query at all; they need no URI parsing.
  if (target.find('?') == std::string_view::npos) return {};
  Poco::URI::QueryParameters parameters;
  try {
    parameters = Poco::URI(std::string(target)).getQueryParameters();
  } catch (const Poco::Exception& error) {
    return {std::nullopt, "malformed query string: " + error.message()};
  }
  for (auto& [name, value] : parameters) {
    if (name == wanted) return {std::move(value), std::nullopt};
  }
  return {};
}

TopicQuery readTopic(std::string_view target, const std::string& defaultTopic) {
  QueryParameter topic = readQueryParameter(target, "topic");
  if (topic.error) return {{}, std::move(topic.error)};
  if (!topic.value) return {defaultTopic, std::nullopt};
  if (std::optional<std::string> problem = core::checkTopicName(*topic.value)) return {{}, *problem};
  return {std::move(*topic.value), std::nullopt};
}

TargetPath readPath(std::string_view target) {
  const std::string_view raw = target.substr(0, target.find_first_of("?#"));
  // A plain origin-form path needs no decoding; anything else goes through Poco's URI rules.
  if (!raw.empty() && raw.front() == '/' && raw.find('%') == std::string_view::npos) return {std::string(raw), {}};
  try {
    return {Poco::URI(std::string(target)).getPath(), {}};
  } catch (const Poco::Exception& error) {
    return {{}, "malformed request target: " + error.message()};
  }
}

}  // namespace spread::plugins::websocket
