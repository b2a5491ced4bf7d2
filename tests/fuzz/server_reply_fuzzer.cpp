// Fuzzes what spread::client reads from a server, which it must not trust: readServerFrame
// (a /subscribe text frame) never throws, and calls a frame a message only when it is a JSON
// object whose "name" and "msg" are strings, which it returns as they are; readAnswer (an
// HTTP answer's body) reads at most kAnswerBytesMax bytes, says whether that was the whole
// body, and reports an error no longer than what it read.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "http_answer.h"
#include "server_frame.h"

namespace {

using spread::client::HttpAnswer;
using spread::client::ServerFrame;
using spread::fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  const ServerFrame frame = spread::client::readServerFrame(input);
  if (frame.kind == ServerFrame::Kind::kMessage) {
    // Parsed a second time here: the fields are the object's own strings.
    auto object = Poco::JSON::Parser().parse(input).extract<Poco::JSON::Object::Ptr>();
    check(object->getValue<std::string>("name") == frame.name, "a message's name is the frame's");
    check(object->getValue<std::string>("msg") == frame.msg, "a message's msg is the frame's");
  } else if (frame.kind == ServerFrame::Kind::kUnknown) {
    check(frame.text == input, "an unknown frame is reported as it came");
  }

  // The answer is the input repeated, so that bodies over the bound are tried too.
  const std::size_t copies = size == 0 ? 0 : 1 + (HttpAnswer::kAnswerBytesMax * (data[0] % 3)) / size;
  std::string body;
  for (std::size_t i = 0; i < copies; ++i) body += input;
  std::istringstream in(body);
  const HttpAnswer answer = spread::client::readAnswer(in);
  check(answer.body.size() <= HttpAnswer::kAnswerBytesMax, "at most kAnswerBytesMax bytes are read");
  check(answer.body == body.substr(0, answer.body.size()), "what is read is the body's start");
  check(answer.complete == (body.size() <= HttpAnswer::kAnswerBytesMax), "complete says whether all was read");
  check(answer.error.size() <= answer.body.size(), "the error comes from what was read");
  return 0;
}
