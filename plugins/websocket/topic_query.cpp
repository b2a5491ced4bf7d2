#include "topic_query.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/URI.h>

#include "spread/core/topic_name.h"

namespace spread::plugins::websocket {

TopicQuery readTopic(const Poco::Net::HTTPRequest& request, const std::string& defaultTopic) {
  Poco::URI::QueryParameters parameters;
  try {
    parameters = Poco::URI(request.getURI()).getQueryParameters();
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

}  // namespace spread::plugins::websocket
