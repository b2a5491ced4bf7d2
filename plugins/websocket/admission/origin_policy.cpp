#include "admission/origin_policy.h"

#include <optional>

#include "http/http_syntax.h"

namespace spread::plugins::websocket {

namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = http_syntax::asciiLower(c);
  return out;
}

// "scheme://host[:port]" in lower case with the scheme's default port dropped, as browsers
// send it; nullopt if `origin` is not of that form.
std::optional<std::string> normalised(std::string_view origin) {
  const std::size_t separator = origin.find("://");
  if (separator == std::string_view::npos || separator == 0) return std::nullopt;
  const std::string_view authority = origin.substr(separator + 3);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
  std::string result = lowered(origin);
  for (std::string_view defaultPort : {std::string_view("http://"), std::string_view("https://")}) {
    const std::string_view suffix = defaultPort == "http://" ? ":80" : ":443";
    if (result.rfind(defaultPort, 0) == 0 && result.size() > suffix.size() &&
        result.compare(result.size() - suffix.size(), suffix.size(), suffix) == 0) {
      result.resize(result.size() - suffix.size());
    }
  }
  return result;
}

}  // namespace

std::variant<OriginPolicy, std::string> OriginPolicy::parse(std::string_view list) {
  OriginPolicy policy;
  std::optional<std::string> error;
  http_syntax::forEachListElement(list, [&](std::string_view entry) {
    if (error) return;
    if (entry == "*") {
      policy.any_ = true;
      return;
    }
    std::optional<std::string> origin = normalised(entry);
    if (!origin) {
      error = "'" + std::string(entry) + "' is not an origin (scheme://host[:port], or *)";
      return;
    }
    policy.origins_.push_back(std::move(*origin));
  });
  if (error) return *error;
  return policy;
}

bool OriginPolicy::allows(const std::string* origin, const std::string* host) const {
  if (origin == nullptr || any_) return true;
  const std::optional<std::string> asked = normalised(*origin);
  if (!asked) return false;  // "null" (a sandboxed or local page) and malformed values
  if (origins_.empty() && host != nullptr && !host->empty()) {
    // Same origin: the page was served by the host this request is addressed to. Browsers
    // omit a default port in both headers, so the authorities compare as written.
    const std::string_view authority = std::string_view(*asked).substr(asked->find("://") + 3);
    if (authority == lowered(*host)) return true;
  }
  for (const std::string& allowed : origins_) {
    if (allowed == *asked) return true;
  }
  return false;
}

}  // namespace spread::plugins::websocket
