#include "ws/handshake.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/SHA1Engine.h>

#include <iterator>
#include <sstream>

#include "http/http_syntax.h"

namespace spread::plugins::websocket {

namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool listsToken(std::string_view header, std::string_view token) {
  bool found = false;
  http_syntax::forEachListElement(header, [&](std::string_view element) {
    found = found || http_syntax::equalsIgnoreCase(element, token);
  });
  return found;
}

}  // namespace

bool asksForWebSocket(std::string_view upgrade, std::string_view connection) {
  return listsToken(upgrade, "websocket") && listsToken(connection, "upgrade");
}

std::optional<std::string> acceptFor(std::string_view key) {
  if (key.size() != 24) return std::nullopt;
  try {
    std::istringstream encoded{std::string(key)};
    Poco::Base64Decoder decoder(encoded);
    const std::string raw{std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>()};
    if (raw.size() != 16) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  Poco::SHA1Engine sha1;
  sha1.update(std::string(key) + std::string(kAcceptGuid));
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

}  // namespace spread::plugins::websocket
