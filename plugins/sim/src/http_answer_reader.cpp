#include "http_answer_reader.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cctype>

namespace spread::plugins::sim {

namespace {

// The value of header `name` (matched without regard to case) in `head`, if present.
std::optional<std::string_view> headerValue(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t start = at + 2;
    const std::size_t stop = head.find("\r\n", start);
    const std::string_view line = head.substr(start, stop == std::string_view::npos ? head.npos : stop - start);
    const std::size_t colon = line.find(':');
    if (colon == name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < colon && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(line[i])) == std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        return value;
      }
    }
    at = stop;
  }
  return std::nullopt;
}

std::string errorOf(std::string_view body) {
  if (body.empty()) return {};
  try {
    Poco::JSON::Parser parser;
    const auto object = parser.parse(std::string(body)).extract<Poco::JSON::Object::Ptr>();
    if (object && object->has("error")) return object->getValue<std::string>("error");
  } catch (const Poco::Exception&) {
  } catch (const std::exception&) {
  }
  return std::string(body.substr(0, 200));
}

}  // namespace

std::optional<HttpAnswerRead> readHttpAnswer(std::string_view received, bool ended) {
  const std::size_t headEnd = received.find("\r\n\r\n");
  if (headEnd == std::string_view::npos) {
    if (!ended || received.empty()) return std::nullopt;
    return HttpAnswerRead{0, "an incomplete answer: " + std::string(received.substr(0, 80)), received.size()};
  }
  const std::string_view head = received.substr(0, headEnd + 2);
  HttpAnswerRead answer;
  if (head.size() >= 12 && head.substr(0, 9) == "HTTP/1.1 ") {
    for (std::size_t i = 9; i < 12 && std::isdigit(static_cast<unsigned char>(head[i])); ++i) {
      answer.status = answer.status * 10 + (head[i] - '0');
    }
  }
  std::size_t bodyBytes = 0;
  if (const auto length = headerValue(head, "Content-Length")) {
    for (char digit : *length) {
      if (!std::isdigit(static_cast<unsigned char>(digit))) break;
      bodyBytes = bodyBytes * 10 + static_cast<std::size_t>(digit - '0');
    }
  }
  const std::size_t bodyStart = headEnd + 4;
  if (received.size() - bodyStart < bodyBytes) {
    if (!ended) return std::nullopt;
    bodyBytes = received.size() - bodyStart;
  }
  if (answer.status != 101 && answer.status != 204) answer.error = errorOf(received.substr(bodyStart, bodyBytes));
  answer.wireBytes = bodyStart + bodyBytes;
  return answer;
}

}  // namespace spread::plugins::sim
