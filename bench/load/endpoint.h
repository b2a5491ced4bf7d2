#pragma once

#include <netinet/in.h>

#include <memory>
#include <string>
#include <string_view>

struct ssl_ctx_st;

namespace spread::bench {

/// Where the server is: its address, resolved once, and the pieces of every request line.
struct Endpoint {
  sockaddr_in address{};
  std::string hostHeader;     // "127.0.0.1:8000"
  std::string publishTarget;  // "/publish" or "/publish?topic=T"
  std::string subscribeTarget;
  std::string host;                       // as the URL names it, for TLS's name check
  std::shared_ptr<ssl_ctx_st> tls;        // set for an https:// URL: WebSockets go over TLS

  /// Parses an http:// URL, or an https:// one with `caFile` (PEM, the certificates to
  /// trust), with Poco::URI, and resolves its host to an IPv4 address. Throws
  /// std::runtime_error naming the problem. A `token` goes in every request as ?token=.
  static Endpoint fromUrl(const std::string& url, std::string_view topic, const std::string& caFile = {},
                          std::string_view token = {});
};

/// Socket sizes for a client that means to back up quickly; 0 keeps the kernel's. On
/// loopback the segment size is about 64 KiB, and the kernel sizes a sender's buffer to a
/// few segments: a peer that announces a small maximum segment keeps the server's send
/// buffer for it small too, so what it refuses to read reaches the server's own queue soon.
struct SocketLimits {
  int receiveBytes = 0;
  int sendBytes = 0;
  int maxSegmentBytes = 0;
};

/// Opens a non-blocking TCP socket with TCP_NODELAY and starts connecting it to
/// `address`. The limits are set before connecting, since the receive buffer and segment
/// size are announced in the handshake. Returns the descriptor, or -1 with errno set.
int startConnect(const sockaddr_in& address, SocketLimits limits = {});

}  // namespace spread::bench
