#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "io/network.h"
#include "tls/tls_context.h"

struct ssl_st;

namespace Poco {
class Logger;
}

namespace spread::plugins::websocket {

/// The Network of TLS over real, non-blocking sockets: handles are file descriptors, each
/// with its own OpenSSL connection (SSL_set_fd), created by attach() when the TLS listener
/// accepts it. The handshake runs inside the first reads; a handshake that fails (a plain
/// HTTP request, TLS 1.1, a client that distrusts the certificate) reads as kFailed, so the
/// connection just closes; failures are counted, never logged per connection.
///
/// Why no input can be left stranded inside OpenSSL: the loops poll level-triggered and
/// call read() once per readiness. read() takes only whole records (it starts one only
/// while `into` has room for the largest, 16 KiB of plaintext) and OpenSSL's read-ahead is
/// off, so when read() returns, OpenSSL holds no decrypted byte that was not returned, and
/// every record not yet taken is still in the kernel, where it keeps the socket readable.
/// REQUIRES: reads offer at least kRecordPlaintextBytesMax bytes (the loop's 64 KiB do).
///
/// Writes are copied into records of up to 16 KiB (OpenSSL cannot write an iovec), one
/// send each. When the socket is full OpenSSL keeps the record it has sealed and must be
/// asked to send it again; the write then reports all of that record but its last byte as
/// written, so the writer still has something to write and waits for the socket to take
/// it, while what it may change (a queued pong it has not started) is never inside a
/// sealed record. REQUIRES: a byte reported unwritten is offered again unchanged (true of
/// any writer that keeps its unwritten bytes, as TCP writers do).
///
/// Two stalls are left to the connection's deadlines rather than handled: a handshake
/// reply that does not fit the socket's send buffer (impossible for a fresh connection;
/// OpenSSL sends it with the next read or write), and a close_notify that arrives with
/// data while the client keeps its TCP side open (read() returns the data; the end shows
/// when the client hangs up, or the idle timeout ends the connection).
///
/// Thread-safe: each handle is used by one loop at a time, as the loops guarantee; the map
/// from handles to connections is locked for lookups only.
class TlsNetwork final : public Network {
 public:
  static constexpr std::size_t kRecordPlaintextBytesMax = 16 * 1024;

  /// `logger`, if given, hears of each failed handshake at debug level.
  explicit TlsNetwork(TlsContextPtr context, Poco::Logger* logger = nullptr);
  ~TlsNetwork() override;  // frees the OpenSSL state of handles never closed
  TlsNetwork(const TlsNetwork&) = delete;
  TlsNetwork& operator=(const TlsNetwork&) = delete;

  /// From now on new connections use `context`; open ones keep theirs.
  void replaceContext(TlsContextPtr context);

  bool attach(int handle) override;
  bool writesBeforeFirstRead() const override { return false; }
  IoResult read(int handle, std::span<char> into) override;
  IoResult write(int handle, std::span<const iovec> parts) override;
  using Network::write;
  /// Sends close_notify, then the TCP FIN.
  void shutdownWrite(int handle) override;
  void close(int handle) override;

  /// Handshakes that failed, and connections open right now.
  std::uint64_t handshakesFailed() const { return handshakesFailed_.load(std::memory_order_relaxed); }
  std::size_t connections() const;

 private:
  struct Connection;
  Connection* find(int handle) const;
  /// Turns OpenSSL's verdict on a call that moved nothing into an IoResult.
  IoResult failure(Connection& connection, int returned);

  Poco::Logger* const logger_;
  mutable std::mutex mutex_;
  TlsContextPtr context_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::atomic<std::uint64_t> handshakesFailed_{0};
};

}  // namespace spread::plugins::websocket
