#include "client_library.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <string_view>

#include "http/http_syntax.h"
#include "web/spread_js.h"

namespace spread::plugins::websocket {

namespace {

// If-None-Match is a list of entity tags, or "*"; weak ones (W/"…") match too (RFC 9110 13.1.2).
bool matches(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view tag = http_syntax::trimOws(list.substr(0, comma));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

const std::string& clientLibraryEtag() {
  static const std::string etag = [] {
    const std::string_view text = spreadJs();
    Poco::SHA2Engine sha256(Poco::SHA2Engine::SHA_256);
    sha256.update(text.data(), static_cast<unsigned>(text.size()));
    // Half the digest is plenty to tell versions apart.
    return "\"" + Poco::DigestEngine::digestToHex(sha256.digest()).substr(0, 32) + "\"";
  }();
  return etag;
}

HttpAnswer clientLibraryAnswer(const std::string* ifNoneMatch) {
  HttpAnswer answer;
  answer.headers = {{"ETag", clientLibraryEtag()}, {"Cache-Control", "no-cache"}};
  if (ifNoneMatch != nullptr && matches(*ifNoneMatch, clientLibraryEtag())) {
    answer.status = 304;
    return answer;
  }
  answer.contentType = "text/javascript; charset=utf-8";
  answer.body = std::string(spreadJs());
  return answer;
}

}  // namespace spread::plugins::websocket
