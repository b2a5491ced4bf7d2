#pragma once

#include <netinet/in.h>

#include <string>
#include <string_view>

namespace spread::bench {

/// Where the server is: its address, resolved once, and the pieces of every request line.
struct Endpoint {
  sockaddr_in address{};
  std::string hostHeader;     // "127.0.0.1:8000"
  std::string publishTarget;  // "/publish" or "/publish?topic=T"
  std::string subscribeTarget;

  /// Parses an http:// URL (Poco::URI) and resolves its host to an IPv4 address. Throws
  /// std::runtime_error naming the problem.
  static Endpoint fromUrl(const std::string& url, std::string_view topic);
};

/// Opens a non-blocking TCP socket with TCP_NODELAY and starts connecting it to
/// `address`. Returns the descriptor, or -1 with errno set.
int startConnect(const sockaddr_in& address);

}  // namespace spread::bench
