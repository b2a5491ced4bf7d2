#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace Poco::Util {
class AbstractConfiguration;
}

namespace spread::plugins::websocket {

/// The transport's own settings: the keys under "transport.websocket." in the daemon's
/// configuration, handed over with that prefix removed.
struct WebSocketConfig {
  std::string host = "localhost";
  std::uint16_t port = 8000;              // 0 picks any free port
  std::size_t httpThreads = 4;            // the HTTP server's fixed pool
  std::size_t ioThreads = 1;              // epoll loops owning upgraded and kept-alive sockets
  std::size_t httpQueueMax = 256;         // accepted connections waiting for a pool thread
  std::size_t bodyBytesMax = 64 * 1024;   // largest POST /publish body
  std::chrono::milliseconds closeTimeout{2000};  // wait for the peer's close frame
  // A kept-alive HTTP connection on the I/O loops (one that has published) is closed after
  // this long without a request.
  std::chrono::milliseconds httpIdleTimeout{30000};
};

inline constexpr const char* kConfigPrefix = "transport.websocket.";

/// Reads `config`, starting from the defaults above. On error returns a sentence naming
/// the full key (transport.websocket.<key>) and the problem: an unknown key, or a value
/// that is not a whole number in its range; a key starting with '.', which Poco's key tree
/// cannot name, is refused as "transport.websocket.: a key starts with '.' ...".
std::variant<WebSocketConfig, std::string> parseConfig(const Poco::Util::AbstractConfiguration& config);

}  // namespace spread::plugins::websocket
