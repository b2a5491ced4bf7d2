#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "admission/client_limits.h"
#include "admission/origin_policy.h"
#include "admission/trusted_proxies.h"

namespace Poco::Util {
class AbstractConfiguration;
}

namespace spread::plugins::websocket {

/// The TLS listener (keys "tls.*"): off unless tls.port is set.
struct TlsListenerConfig {
  std::optional<std::uint16_t> port;  // 0 picks any free port
  std::string certificateFile;        // PEM, as given (a relative path is resolved by the transport)
  std::string privateKeyFile;
  bool only = false;                  // no plain listener: clients reach the server over TLS only
};

/// The transport's own settings: the keys under "transport.websocket." in the daemon's
/// configuration, handed over with that prefix removed. etc/server.properties documents
/// each key; the defaults here are the same.
struct WebSocketConfig {
  std::string host = "localhost";
  std::uint16_t port = 8000;              // 0 picks any free port
  std::size_t ioThreads = 1;              // epoll loops serving every client socket
  std::size_t bodyBytesMax = 64 * 1024;   // largest POST /publish body (413)
  std::size_t headerBytesMax = 8 * 1024;  // largest request head (431)
  std::chrono::milliseconds closeTimeout{2000};  // wait for the peer's close frame, or its hang-up
  std::chrono::milliseconds headerTimeout{10000};  // a whole request head, from its first byte (408)
  std::chrono::milliseconds bodyTimeout{10000};    // a whole request body, once its head is in (408)
  // A kept-alive HTTP connection is closed after this long without a request.
  std::chrono::milliseconds httpIdleTimeout{30000};
  ClientLimitsOptions clients;            // connectionsMax, connectionsPerAddressMax, address rates
  OriginPolicy allowedOrigins;            // who may upgrade or publish from a browser page
  TrustedProxies trustedProxies;          // whose X-Forwarded-For / Forwarded is believed
  // The private listener for /metrics and the admin routes (admin_listener.h); none when
  // unset, and then the main port serves them to loopback clients only. 0 picks a free port.
  std::optional<std::uint16_t> adminPort;
  std::string adminHost = "127.0.0.1";    // the admin listener's interface
  TlsListenerConfig tls;
  /// Keys that are accepted but no longer do anything, one sentence each, for the log.
  std::vector<std::string> warnings;
};

inline constexpr const char* kConfigPrefix = "transport.websocket.";

/// Reads `config`, starting from the defaults above. On error returns a sentence naming
/// the full key (transport.websocket.<key>) and the problem: an unknown key, a value that
/// is not a whole number in its range, or a list entry that is not an origin or address, or
/// TLS keys that do not go together (a TLS port without both files, files without a port,
/// tls.only without a port); whether the files can be used is the transport's check. A
/// key starting with '.', which Poco's key tree cannot name, is refused as
/// "transport.websocket.: a key starts with '.' ...".
std::variant<WebSocketConfig, std::string> parseConfig(const Poco::Util::AbstractConfiguration& config);

/// Whether a new value of `key` (without the prefix) can take effect on a reload: the limits,
/// timeouts and client policies can, for what comes next; the sockets, threads and listeners
/// the transport was started with (host, port, ioThreads, closeTimeoutMs, adminPort,
/// adminHost, tls.port, tls.only) wait for a restart.
bool isReloadableKey(std::string_view key);

/// `next` with every setting that only a restart can change taken from `running`.
WebSocketConfig keepingRestartSettings(WebSocketConfig next, const WebSocketConfig& running);

}  // namespace spread::plugins::websocket
