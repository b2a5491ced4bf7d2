// Fuzzes acceptFor, the server's check of a client's Sec-WebSocket-Key and its answer: it
// accepts exactly the keys of 22 base64 symbols followed by "==" (the encoding of 16 bytes),
// and answers each with RFC 6455's value, computed here a second way (Poco's SHA-1 and
// base64 encoder) so that the hand-written check and encoder in handshake.cpp are tested
// against another implementation. asksForWebSocket never crashes on any two header values.
#include <Poco/Base64Encoder.h>
#include <Poco/SHA1Engine.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "ws/handshake.h"

namespace {

using spread::fuzz::check;

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool isKeyShape(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return key.substr(0, 22).find_first_not_of(kAlphabet) == std::string_view::npos;
}

std::string expectedAccept(std::string_view key) {
  Poco::SHA1Engine sha1;
  sha1.update(std::string(key) + std::string(kGuid));
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto accept = spread::plugins::websocket::acceptFor(input);
  check(accept.has_value() == isKeyShape(input), "a key is accepted exactly when it is 22 base64 symbols and ==");
  if (accept) check(*accept == expectedAccept(input), "the answer is base64(SHA-1(key + the RFC 6455 GUID))");

  // The same bytes as the Upgrade and Connection headers, cut where the first comma is.
  const std::size_t cut = input.find(',');
  (void)spread::plugins::websocket::asksForWebSocket(input.substr(0, cut),
                                                     cut == std::string_view::npos ? "" : input.substr(cut + 1));
  return 0;
}
