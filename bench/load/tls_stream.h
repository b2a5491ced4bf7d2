#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace spread::bench {

/// A TLS client context that trusts the certificates in `caFile` (PEM) and checks the
/// server's name against the URL's host. Throws std::runtime_error naming the file.
std::shared_ptr<ssl_ctx_st> tlsClientContext(const std::string& caFile);

/// One client's TLS session on a connected, non-blocking socket, for WsClient: the
/// handshake, then reads and writes that report as read(2) and send(2) do (-1 with errno
/// EAGAIN when the socket must be ready first), so the client's code stays one path.
/// Not thread-safe; does not own the descriptor.
class TlsStream {
 public:
  TlsStream(ssl_ctx_st* context, int fd, const std::string& host);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  enum class Step { kDone, kWantRead, kWantWrite, kFailed };
  /// One step of the handshake; on kFailed `detail` says why.
  Step handshake(std::string& detail);
  ssize_t read(char* into, std::size_t size);
  /// Writes whole records until the socket is full. A write that returned -1 with EAGAIN
  /// must be repeated with at least the same bytes (OpenSSL has sealed them).
  ssize_t write(const char* from, std::size_t size);
  /// Plaintext OpenSSL has decrypted and not handed out yet, which no readiness announces.
  bool pending() const;

 private:
  ssl_st* ssl_;
};

}  // namespace spread::bench
