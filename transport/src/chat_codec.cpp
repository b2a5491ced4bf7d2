#include "spread/transport/chat_codec.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "spread/core/utf8.h"

namespace spread::transport {

using core::CodecError;
using core::Decoded;
using core::findInvalidUtf8;

void appendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xF]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

std::string ChatCodec::encode(const ChatMessage& message) {
  std::string out;
  out.reserve(message.name.size() + message.msg.size() + 20);
  out += "{\"name\":";
  appendJsonString(out, message.name);
  out += ",\"msg\":";
  appendJsonString(out, message.msg);
  out.push_back('}');
  return out;
}

namespace {

constexpr const char* kNotAnObject = "body must be a JSON object with \"name\" and \"msg\"";

// Reads one required, non-empty UTF-8 string field, or says what is wrong with it.
std::variant<std::string, CodecError> requiredString(const Poco::JSON::Object& object,
                                                     const std::string& field) {
  if (!object.has(field)) return CodecError{field, "is required"};
  const Poco::Dynamic::Var& value = object.get(field);
  if (value.isEmpty()) return CodecError{field, "must be a string, not null"};
  if (!value.isString()) return CodecError{field, "must be a string"};
  std::string text = value.extract<std::string>();
  if (text.empty()) return CodecError{field, "must not be empty"};
  if (auto bad = findInvalidUtf8(text)) {
    return CodecError{field, "is not valid UTF-8 (bad byte at offset " + std::to_string(*bad) + ")"};
  }
  return text;
}

}  // namespace

Decoded<ChatMessage> ChatCodec::decode(std::string_view bytes, Name name) {
  // Poco 1.11's parser refuses a top-level scalar ("42", "null", "\"text\"") with the
  // baffling "Attempt to set value on an empty stack", so the shape is checked first.
  const std::size_t start = bytes.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return CodecError{"", "body is empty; expected a JSON object"};
  }
  if (bytes[start] != '{') return CodecError{"", kNotAnObject};
  if (auto bad = findInvalidUtf8(bytes)) {
    return CodecError{"", "body is not valid UTF-8 (bad byte at offset " + std::to_string(*bad) + ")"};
  }
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    parsed = parser.parse(std::string(bytes));
  } catch (const Poco::Exception& error) {
    return CodecError{"", "malformed JSON: " + error.message()};
  } catch (const std::exception& error) {
    return CodecError{"", std::string("malformed JSON: ") + error.what()};
  }
  if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
    return CodecError{"", kNotAnObject};
  }
  const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
  ChatMessage message;
  for (auto [field, target] : {std::pair{"name", &message.name}, std::pair{"msg", &message.msg}}) {
    if (name == Name::kOptional && target == &message.name && !object->has(field)) continue;
    auto text = requiredString(*object, field);
    if (auto* error = std::get_if<CodecError>(&text)) return std::move(*error);
    *target = std::move(std::get<std::string>(text));
  }
  return message;
}

}  // namespace spread::transport
