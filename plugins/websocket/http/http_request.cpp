// HttpRequest's header queries (declared in http_request_parser.h, next to the parser
// that fills the struct).
#include "http/http_request_parser.h"
#include "http/http_syntax.h"

namespace spread::plugins::websocket {

using http_syntax::equalsIgnoreCase;

const std::string* HttpRequest::header(std::string_view name) const {
  for (const HttpHeader& field : headers) {
    if (equalsIgnoreCase(field.name, name)) return &field.value;
  }
  return nullptr;
}

bool HttpRequest::headerListsToken(std::string_view name, std::string_view token) const {
  bool found = false;
  for (const HttpHeader& field : headers) {
    if (found || !equalsIgnoreCase(field.name, name)) continue;
    http_syntax::forEachListElement(field.value, [&](std::string_view element) {
      if (equalsIgnoreCase(element, token)) found = true;
    });
  }
  return found;
}

bool HttpRequest::keepAlive() const {
  if (headerListsToken("Connection", "close")) return false;
  return versionMinor >= 1 || headerListsToken("Connection", "keep-alive");
}

bool HttpRequest::connectionUpgrade() const { return headerListsToken("Connection", "upgrade"); }

bool HttpRequest::expectsContinue() const {
  const std::string* expect = header("Expect");
  return expect != nullptr && equalsIgnoreCase(*expect, "100-continue");
}

}  // namespace spread::plugins::websocket
