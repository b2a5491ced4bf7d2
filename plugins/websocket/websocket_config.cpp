#include "websocket_config.h"

#include <Poco/Util/AbstractConfiguration.h>

#include <charconv>
#include <optional>
#include <vector>

namespace spread::plugins::websocket {

namespace {

// Every leaf key under `root`, full names ("a.b"), so that a misspelt nested key is
// reported as itself rather than as its known parent. Returns false if a key starts with
// '.': Poco lists it as an empty child of the root, which names the root again, so walking
// into it would recurse until the stack overflows.
bool collectKeys(const Poco::Util::AbstractConfiguration& config, const std::string& root,
                 std::vector<std::string>& out) {
  Poco::Util::AbstractConfiguration::Keys children;
  config.keys(root, children);
  if (children.empty()) {
    if (!root.empty()) out.push_back(root);
    return true;
  }
  if (!root.empty() && config.hasProperty(root)) out.push_back(root);
  for (const std::string& child : children) {
    if (root.empty() && child.empty()) return false;
    if (!collectKeys(config, root.empty() ? child : root + "." + child, out)) return false;
  }
  return true;
}

std::optional<std::uint64_t> parseWhole(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::variant<WebSocketConfig, std::string> parseConfig(const Poco::Util::AbstractConfiguration& config) {
  WebSocketConfig result;
  std::vector<std::string> keys;
  if (!collectKeys(config, "", keys)) {
    return std::string(kConfigPrefix) + ": a key starts with '.' (the first part of its name is empty)";
  }

  auto whole = [&](const std::string& key, std::uint64_t minimum, std::uint64_t maximum,
                   std::uint64_t& value) -> std::optional<std::string> {
    const std::string text = config.getRawString(key);
    const std::optional<std::uint64_t> parsed = parseWhole(text);
    if (!parsed || *parsed < minimum || *parsed > maximum) {
      return std::string(kConfigPrefix) + key + ": must be a whole number from " + std::to_string(minimum) +
             " to " + std::to_string(maximum) + ", not '" + text + "'";
    }
    value = *parsed;
    return std::nullopt;
  };

  for (const std::string& key : keys) {
    std::uint64_t value = 0;
    std::optional<std::string> error;
    if (key == "host") {
      result.host = config.getRawString(key);
      if (result.host.empty()) error = std::string(kConfigPrefix) + "host: must not be empty";
    } else if (key == "port") {
      if (!(error = whole(key, 0, 65535, value))) result.port = static_cast<std::uint16_t>(value);
    } else if (key == "httpThreads") {
      if (!(error = whole(key, 1, 1024, value))) result.httpThreads = value;
    } else if (key == "ioThreads") {
      if (!(error = whole(key, 1, 256, value))) result.ioThreads = value;
    } else if (key == "httpQueueMax") {
      if (!(error = whole(key, 1, 65536, value))) result.httpQueueMax = value;
    } else if (key == "bodyBytesMax") {
      if (!(error = whole(key, 1, 64 * 1024 * 1024, value))) result.bodyBytesMax = value;
    } else if (key == "closeTimeoutMs") {
      if (!(error = whole(key, 1, 600000, value))) result.closeTimeout = std::chrono::milliseconds(value);
    } else if (key == "httpIdleTimeoutMs") {
      if (!(error = whole(key, 1, 3600000, value))) result.httpIdleTimeout = std::chrono::milliseconds(value);
    } else {
      error = std::string(kConfigPrefix) + key +
              ": unknown key (known: host, port, httpThreads, ioThreads, httpQueueMax, bodyBytesMax, "
              "closeTimeoutMs, httpIdleTimeoutMs)";
    }
    if (error) return *error;
  }
  return result;
}

}  // namespace spread::plugins::websocket
