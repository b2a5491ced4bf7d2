#include "spread/transport/auth/token_refresh.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace spread::transport::auth {

std::optional<std::string> readTokenRefresh(std::string_view text) {
  if (text.find("\"token\"") == std::string_view::npos) return std::nullopt;
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  // Poco's parser is not asked about anything but an object (it reports a top-level
  // scalar with a confusing error, see ChatCodec).
  if (start == std::string_view::npos || text[start] != '{') return std::nullopt;
  try {
    Poco::JSON::Parser parser;
    const Poco::Dynamic::Var parsed = parser.parse(std::string(text));
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
    const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
    if (object->has("msg") || !object->has("token")) return std::nullopt;
    const Poco::Dynamic::Var& token = object->get("token");
    if (!token.isString()) return std::nullopt;
    return token.extract<std::string>();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace spread::transport::auth
