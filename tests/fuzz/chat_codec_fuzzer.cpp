// Fuzzes ChatCodec::decode: whatever it accepts has non-empty UTF-8 fields, and re-encodes
// to bytes that decode to the same message and encode to the same bytes again; whatever
// it refuses gets a problem to report. The whole input is the body of a publish.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "spread/transport/chat_codec.h"
#include "spread/core/utf8.h"

namespace {

using spread::transport::ChatCodec;
using spread::core::isValidUtf8;
using spread::fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto decoded = ChatCodec::decode(body);
  if (!decoded.ok()) {
    check(!decoded.error().problem.empty(), "a refusal names its problem");
    return 0;
  }
  const auto& message = decoded.value();
  check(!message.name.empty() && !message.msg.empty(), "decoded fields are not empty");
  check(isValidUtf8(message.name) && isValidUtf8(message.msg), "decoded fields are UTF-8");

  const std::string encoded = ChatCodec::encode(message);
  const auto again = ChatCodec::decode(encoded);
  check(again.ok(), "what decodes re-encodes to something that decodes");
  check(again.value() == message, "what decodes re-encodes to the same value");
  check(ChatCodec::encode(again.value()) == encoded, "encoding is stable");
  return 0;
}
