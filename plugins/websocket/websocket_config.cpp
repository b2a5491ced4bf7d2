#include "websocket_config.h"

#include <Poco/Util/AbstractConfiguration.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>
#include <type_traits>
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

// The TLS keys make sense only as a set: a listener needs both files, and files or
// tls.only without a listener are a configuration that does not do what its author meant.
std::optional<std::string> tlsKeysTogether(const TlsListenerConfig& tls) {
  const std::string prefix = std::string(kConfigPrefix) + "tls.";
  if (tls.port) {
    for (const auto& [key, value] : {std::pair{"certificateFile", &tls.certificateFile},
                                     std::pair{"privateKeyFile", &tls.privateKeyFile}}) {
      if (value->empty()) return prefix + key + ": must name a PEM file when " + prefix + "port is set";
    }
    return std::nullopt;
  }
  if (!tls.certificateFile.empty() || !tls.privateKeyFile.empty()) {
    return prefix + "port: must be set (0 picks any free port) when " + prefix + "certificateFile or " + prefix +
           "privateKeyFile is";
  }
  if (tls.only) return prefix + "only: needs a TLS listener; set " + prefix + "port";
  return std::nullopt;
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

  auto list = [&](const std::string& key, auto& out) -> std::optional<std::string> {
    auto parsed = std::remove_reference_t<decltype(out)>::parse(config.getRawString(key));
    if (auto* problem = std::get_if<std::string>(&parsed)) return std::string(kConfigPrefix) + key + ": " + *problem;
    out = std::move(std::get<0>(parsed));
    return std::nullopt;
  };
  auto milliseconds = [&](const std::string& key, std::chrono::milliseconds& out) {
    std::uint64_t value = 0;
    std::optional<std::string> error = whole(key, 1, 3600000, value);
    if (!error) out = std::chrono::milliseconds(value);
    return error;
  };
  auto size = [&](const std::string& key, std::uint64_t minimum, std::uint64_t maximum, std::size_t& out) {
    std::uint64_t value = 0;
    std::optional<std::string> error = whole(key, minimum, maximum, value);
    if (!error) out = static_cast<std::size_t>(value);
    return error;
  };
  auto rate = [&](const std::string& key, double& out) {
    std::uint64_t value = 0;
    std::optional<std::string> error = whole(key, 0, 100000000, value);
    if (!error) out = static_cast<double>(value);
    return error;
  };

  for (const std::string& key : keys) {
    std::uint64_t value = 0;
    std::optional<std::string> error;
    if (key == "host") {
      result.host = config.getRawString(key);
      if (result.host.empty()) error = std::string(kConfigPrefix) + "host: must not be empty";
    } else if (key == "port") {
      if (!(error = whole(key, 0, 65535, value))) result.port = static_cast<std::uint16_t>(value);
    } else if (key == "adminPort") {
      // Empty is the shipped default: no admin listener.
      if (!config.getRawString(key).empty() && !(error = whole(key, 0, 65535, value))) {
        result.adminPort = static_cast<std::uint16_t>(value);
      }
    } else if (key == "adminHost") {
      result.adminHost = config.getRawString(key);
      if (result.adminHost.empty()) error = std::string(kConfigPrefix) + "adminHost: must not be empty";
    } else if (key == "ioThreads") {
      error = size(key, 0, 256, result.ioThreads);
      // 0: one loop per two cores, at least one. Measured on 2 cores, a second loop halved
      // fan-out throughput (README, "Sizing the threads").
      if (!error && result.ioThreads == 0) result.ioThreads = std::max(1u, std::thread::hardware_concurrency() / 2);
    } else if (key == "bodyBytesMax") {
      error = size(key, 1, 64 * 1024 * 1024, result.bodyBytesMax);
    } else if (key == "headerBytesMax") {
      error = size(key, 256, 1024 * 1024, result.headerBytesMax);
    } else if (key == "closeTimeoutMs") {
      error = milliseconds(key, result.closeTimeout);
    } else if (key == "headerTimeoutMs") {
      error = milliseconds(key, result.headerTimeout);
    } else if (key == "bodyTimeoutMs") {
      error = milliseconds(key, result.bodyTimeout);
    } else if (key == "httpIdleTimeoutMs") {
      error = milliseconds(key, result.httpIdleTimeout);
    } else if (key == "connectionsMax") {
      error = size(key, 1, 10000000, result.clients.connectionsMax);
    } else if (key == "connectionsPerAddressMax") {
      error = size(key, 1, 10000000, result.clients.connectionsPerAddressMax);
    } else if (key == "addressPublishesPerSecond") {
      error = rate(key, result.clients.addressPublishesPerSecond);
    } else if (key == "addressPublishBurst") {
      if (!(error = whole(key, 1, 100000000, value))) result.clients.addressPublishBurst = static_cast<double>(value);
    } else if (key == "allowedOrigins") {
      error = list(key, result.allowedOrigins);
    } else if (key == "trustedProxies") {
      error = list(key, result.trustedProxies);
    } else if (key == "tls.port") {
      // Empty, as the shipped defaults have it: no TLS listener.
      if (!config.getRawString(key).empty() && !(error = whole(key, 0, 65535, value))) {
        result.tls.port = static_cast<std::uint16_t>(value);
      }
    } else if (key == "tls.certificateFile") {
      result.tls.certificateFile = config.getRawString(key);
    } else if (key == "tls.privateKeyFile") {
      result.tls.privateKeyFile = config.getRawString(key);
    } else if (key == "tls.only") {
      const std::string text = config.getRawString(key);
      if (text == "true" || text == "false") {
        result.tls.only = text == "true";
      } else {
        error = std::string(kConfigPrefix) + key + ": must be true or false, not '" + text + "'";
      }
    } else if (key == "httpThreads" || key == "httpQueueMax") {
      // Accepted so that configurations written for earlier versions still start.
      result.warnings.push_back(std::string(kConfigPrefix) + key +
                                " no longer does anything: every HTTP request is served on the I/O loops "
                                "(ioThreads); remove the key");
    } else {
      error = std::string(kConfigPrefix) + key +
              ": unknown key (known: host, port, adminHost, adminPort, ioThreads, bodyBytesMax, headerBytesMax, "
              "closeTimeoutMs, headerTimeoutMs, bodyTimeoutMs, httpIdleTimeoutMs, connectionsMax, "
              "connectionsPerAddressMax, addressPublishesPerSecond, addressPublishBurst, allowedOrigins, "
              "trustedProxies, tls.port, tls.certificateFile, tls.privateKeyFile, tls.only)";
    }
    if (error) return *error;
  }
  if (std::optional<std::string> error = tlsKeysTogether(result.tls)) return *error;
  return result;
}

bool isReloadableKey(std::string_view key) {
  static constexpr std::string_view kReloadable[] = {
      "bodyBytesMax",        "headerBytesMax", "headerTimeoutMs", "bodyTimeoutMs",       "httpIdleTimeoutMs",
      "connectionsMax",      "connectionsPerAddressMax",          "addressPublishesPerSecond",
      "addressPublishBurst", "allowedOrigins", "trustedProxies",  "tls.certificateFile", "tls.privateKeyFile"};
  for (std::string_view reloadable : kReloadable) {
    if (key == reloadable) return true;
  }
  return false;
}

WebSocketConfig keepingRestartSettings(WebSocketConfig next, const WebSocketConfig& running) {
  next.host = running.host;
  next.port = running.port;
  next.ioThreads = running.ioThreads;
  next.closeTimeout = running.closeTimeout;
  next.adminPort = running.adminPort;
  next.adminHost = running.adminHost;
  next.tls.port = running.tls.port;
  next.tls.only = running.tls.only;
  return next;
}

}  // namespace spread::plugins::websocket
