#include "server_frame.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace spread::client {

ServerFrame readServerFrame(std::string_view frame) {
  ServerFrame read;
  read.text = std::string(frame);
  Poco::JSON::Object::Ptr object;
  try {
    object = Poco::JSON::Parser().parse(read.text).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return read;
  } catch (const std::exception&) {  // BadCastException is a Poco one, but Any casts may throw std ones
    return read;
  }
  if (object.isNull()) return read;
  auto stringMember = [&](const char* key, std::string& out) {
    const Poco::Dynamic::Var value = object->get(key);
    if (!value.isString()) return false;
    out = value.extract<std::string>();
    return true;
  };
  std::string token;
  if (stringMember("name", read.name) && stringMember("msg", read.msg)) {
    read.kind = ServerFrame::Kind::kMessage;
    // The position is optional: a server without history sends none, and a malformed one
    // leaves the message as it is rather than losing it.
    const Poco::Dynamic::Var offset = object->get("offset");
    if (offset.isInteger() && (!offset.isSigned() || offset.convert<std::int64_t>() > 0)) {
      read.offset = offset.convert<std::uint64_t>();
    }
    if (read.offset != 0) stringMember("epoch", read.epoch);
  } else if (std::string error; stringMember("error", error)) {
    read.kind = ServerFrame::Kind::kError;
    read.text = error;
  } else if (stringMember("token", token) && token == "accepted") {
    read.kind = ServerFrame::Kind::kTokenAccepted;
  }
  return read;
}

}  // namespace spread::client
