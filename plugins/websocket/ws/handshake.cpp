#include "ws/handshake.h"

#include <Poco/SHA1Engine.h>

#include <algorithm>
#include <array>

#include "http/http_syntax.h"

namespace spread::plugins::websocket {

namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool listsToken(std::string_view header, std::string_view token) {
  bool found = false;
  http_syntax::forEachListElement(header, [&](std::string_view element) {
    found = found || http_syntax::equalsIgnoreCase(element, token);
  });
  return found;
}

// 16 bytes in base64 are 22 symbols and "==". Checked by hand rather than decoded through
// Poco's stream classes: this runs once per connection, and the streams cost more than the
// SHA-1 beside it.
bool isBase64Of16Bytes(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i) {
    if (kBase64Alphabet.find(key[i]) == std::string_view::npos) return false;
  }
  return true;
}

template <std::size_t N>
std::string base64(const std::array<unsigned char, N>& bytes) {
  std::string out;
  out.reserve((N + 2) / 3 * 4);
  for (std::size_t i = 0; i < N; i += 3) {
    const std::size_t left = N - i;
    const unsigned group = (bytes[i] << 16) | (left > 1 ? bytes[i + 1] << 8 : 0) | (left > 2 ? bytes[i + 2] : 0);
    out += kBase64Alphabet[(group >> 18) & 63];
    out += kBase64Alphabet[(group >> 12) & 63];
    out += left > 1 ? kBase64Alphabet[(group >> 6) & 63] : '=';
    out += left > 2 ? kBase64Alphabet[group & 63] : '=';
  }
  return out;
}

}  // namespace

bool asksForWebSocket(std::string_view upgrade, std::string_view connection) {
  return listsToken(upgrade, "websocket") && listsToken(connection, "upgrade");
}

std::optional<std::string> acceptFor(std::string_view key) {
  if (!isBase64Of16Bytes(key)) return std::nullopt;
  Poco::SHA1Engine sha1;
  sha1.update(key.data(), static_cast<unsigned>(key.size()));
  sha1.update(kAcceptGuid.data(), static_cast<unsigned>(kAcceptGuid.size()));
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::array<unsigned char, 20> bytes{};
  std::copy(digest.begin(), digest.end(), bytes.begin());
  return base64(bytes);
}

}  // namespace spread::plugins::websocket
