#include "inline_page_policy.h"

#include <Poco/Base64Encoder.h>
#include <Poco/SHA2Engine.h>

#include <sstream>

namespace spread::plugins::websocket {

namespace {

// The text between an inline element's opening tag (whatever its attributes) and its closing
// tag, which is what a browser hashes to match a CSP source expression.
std::string_view elementText(std::string_view page, std::string_view element) {
  const std::string open = "<" + std::string(element);
  const std::string close = "</" + std::string(element) + ">";
  std::size_t tag = page.find(open + ">");
  if (tag == std::string_view::npos) tag = page.find(open + " ");
  const std::size_t start = page.find('>', tag) + 1;
  return page.substr(start, page.find(close, start) - start);
}

std::string sha256Source(std::string_view text) {
  Poco::SHA2Engine sha256(Poco::SHA2Engine::SHA_256);
  sha256.update(text.data(), static_cast<unsigned>(text.size()));
  const Poco::DigestEngine::Digest& digest = sha256.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return "'sha256-" + out.str() + "'";
}

}  // namespace

std::string inlinePageSources(std::string_view page, std::string_view moreScriptSources) {
  std::string scripts = "script-src " + sha256Source(elementText(page, "script"));
  if (!moreScriptSources.empty()) scripts += " " + std::string(moreScriptSources);
  return scripts + "; style-src " + sha256Source(elementText(page, "style"));
}

}  // namespace spread::plugins::websocket
