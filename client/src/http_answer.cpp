#include "http_answer.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>

namespace spread::client {

namespace {

// What is shown of a body that is not JSON: enough to recognise it, not a whole page.
constexpr std::size_t kPlainReasonBytesMax = 200;

}  // namespace

HttpAnswer readAnswer(std::istream& in) {
  HttpAnswer answer;
  answer.body.resize(HttpAnswer::kAnswerBytesMax);
  in.read(answer.body.data(), static_cast<std::streamsize>(answer.body.size()));
  answer.body.resize(static_cast<std::size_t>(in.gcount()));
  answer.complete = in.eof() || in.peek() == std::char_traits<char>::eof();
  if (answer.body.empty()) return answer;
  try {
    auto object = Poco::JSON::Parser().parse(answer.body).extract<Poco::JSON::Object::Ptr>();
    if (!object.isNull()) {
      answer.error = object->optValue<std::string>("error", "");
      answer.field = object->optValue<std::string>("field", "");
      return answer;
    }
  } catch (const Poco::Exception&) {
  } catch (const std::exception&) {
  }
  answer.error = answer.body.substr(0, std::min(answer.body.find('\n'), kPlainReasonBytesMax));
  return answer;
}

std::string escapeQueryValue(std::string_view value) {
  std::string escaped;
  Poco::URI::encode(std::string(value), "!#$&'()*+,/:;=?@[]%", escaped);
  return escaped;
}

}  // namespace spread::client
