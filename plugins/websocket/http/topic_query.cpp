#include "http/topic_query.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "spread/core/topic_name.h"

namespace spread::plugins::websocket {

TopicQuery readTopic(std::string_view target, const std::string& defaultTopic) {
  // Most requests name no topic; they need no URI parsing at all.
  if (target.find('?') == std::string_view::npos) return {defaultTopic, std::nullopt};
  Poco::URI::QueryParameters parameters;
  try {
    parameters = Poco::URI(std::string(target)).getQueryParameters();
  } catch (const Poco::Exception& error) {
    return {{}, "malformed query string: " + error.message()};
  }
  for (const auto& [name, value] : parameters) {
    if (name != "topic") continue;
    if (std::optional<std::string> problem = core::checkTopicName(value)) return {{}, *problem};
    return {value, std::nullopt};
  }
  return {defaultTopic, std::nullopt};
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
