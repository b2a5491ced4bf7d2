#include "tls/tls_network.h"

#include <Poco/Logger.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace spread::plugins::websocket {

struct TlsNetwork::Connection {
  explicit Connection(SSL* ssl) : ssl(ssl) {}
  ~Connection() { SSL_free(ssl); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  SSL* const ssl;
  // The length of a record OpenSSL sealed but could not send yet, of which the writer was
  // told all bytes but the last have been written.
  std::size_t sealedBytes = 0;
  bool handshakeFailed = false;  // counted once
};

TlsNetwork::TlsNetwork(TlsContextPtr context, Poco::Logger* logger) : logger_(logger), context_(std::move(context)) {}

TlsNetwork::~TlsNetwork() = default;

void TlsNetwork::replaceContext(TlsContextPtr context) {
  std::lock_guard lock(mutex_);
  context_ = std::move(context);
}

std::size_t TlsNetwork::connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool TlsNetwork::attach(int handle) {
  std::lock_guard lock(mutex_);
  SSL* ssl = SSL_new(context_.get());  // holds its own reference to the context
  if (ssl == nullptr) {
    ERR_clear_error();
    return false;
  }
  SSL_set_accept_state(ssl);
  if (SSL_set_fd(ssl, handle) != 1) {
    SSL_free(ssl);
    ERR_clear_error();
    return false;
  }
  connections_[handle] = std::make_unique<Connection>(ssl);
  return true;
}

TlsNetwork::Connection* TlsNetwork::find(int handle) const {
  std::lock_guard lock(mutex_);
  const auto found = connections_.find(handle);
  return found == connections_.end() ? nullptr : found->second.get();
}

IoResult TlsNetwork::failure(Connection& connection, int returned) {
  const int error = SSL_get_error(connection.ssl, returned);
  const unsigned long code = ERR_peek_last_error();  // read before the queue is cleared
  // The queue is per thread and shared by every connection of this loop: a failure left in
  // it would be reported again by the next connection's SSL_get_error.
  ERR_clear_error();
  switch (error) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: return {IoResult::Status::kWouldBlock, 0};
    case SSL_ERROR_ZERO_RETURN: return {IoResult::Status::kEnded, 0};
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {IoResult::Status::kWouldBlock, 0};
      break;
    default: break;
  }
  if (!SSL_is_init_finished(connection.ssl) && !connection.handshakeFailed) {
    connection.handshakeFailed = true;
    handshakesFailed_.fetch_add(1, std::memory_order_relaxed);
    if (logger_ != nullptr && logger_->debug()) {
      char reason[256] = "the connection ended";
      if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
      logger_->debug(std::string("TLS handshake failed: ") + reason);
    }
  }
  return {IoResult::Status::kFailed, 0};
}

IoResult TlsNetwork::read(int handle, std::span<char> into) {
  Connection* connection = find(handle);
  if (connection == nullptr) return {IoResult::Status::kFailed, 0};
  std::size_t filled = 0;
  // A new record is started only with room for all of it, so none is left half-taken.
  while (filled == 0 || into.size() - filled >= kRecordPlaintextBytesMax) {
    std::size_t got = 0;
    const int returned = SSL_read_ex(connection->ssl, into.data() + filled, into.size() - filled, &got);
    if (returned == 1) {
      filled += got;
      continue;
    }
    if (filled > 0) {
      // What was taken is returned now; a failure after it shows again on the next read.
      ERR_clear_error();
      break;
    }
    return failure(*connection, returned);
  }
  return {IoResult::Status::kDone, filled};
}

IoResult TlsNetwork::write(int handle, std::span<const iovec> parts) {
  Connection* connection = find(handle);
  if (connection == nullptr) return {IoResult::Status::kFailed, 0};
  std::array<char, kRecordPlaintextBytesMax> record;
  std::size_t part = 0;
  std::size_t offset = 0;  // into parts[part]
  // Copies up to `wanted` of the bytes offered, from where the last copy stopped.
  auto take = [&](std::size_t wanted) {
    std::size_t length = 0;
    while (length < wanted && part < parts.size()) {
      const auto* base = static_cast<const char*>(parts[part].iov_base);
      const std::size_t chunk = std::min(wanted - length, parts[part].iov_len - offset);
      std::memcpy(record.data() + length, base + offset, chunk);
      length += chunk;
      offset += chunk;
      if (offset == parts[part].iov_len) {
        ++part;
        offset = 0;
      }
    }
    return length;
  };
  std::size_t written = 0;
  if (connection->sealedBytes > 0) {
    // OpenSSL sends the record it sealed before; it wants the same length back but does not
    // read the bytes again. Its last byte, still owed, is the first byte offered now.
    if (take(1) != 1) return {IoResult::Status::kFailed, 0};  // the writer broke the contract
    std::size_t sent = 0;
    const int returned = SSL_write_ex(connection->ssl, record.data(), connection->sealedBytes, &sent);
    if (returned != 1) return failure(*connection, returned);
    connection->sealedBytes = 0;
    written = 1;
  }
  for (;;) {
    const std::size_t length = take(record.size());
    if (length == 0) break;
    std::size_t sent = 0;
    const int returned = SSL_write_ex(connection->ssl, record.data(), length, &sent);
    if (returned == 1) {
      written += sent;
      continue;
    }
    if (SSL_get_error(connection->ssl, returned) == SSL_ERROR_WANT_WRITE) {
      // The record is sealed and will go, so the writer may move on from its bytes; all
      // but the last, which keeps the writer asking to write until it has gone.
      connection->sealedBytes = length;
      written += length - 1;
    }
    if (written == 0) return failure(*connection, returned);
    ERR_clear_error();  // a failure shows again on the next call
    break;
  }
  return {IoResult::Status::kDone, written};
}

void TlsNetwork::shutdownWrite(int handle) {
  if (Connection* connection = find(handle)) {
    // One attempt: if the socket is full the alert is dropped and the FIN still goes.
    if (SSL_is_init_finished(connection->ssl)) SSL_shutdown(connection->ssl);
    ERR_clear_error();
  }
  ::shutdown(handle, SHUT_WR);
}

void TlsNetwork::close(int handle) {
  std::unique_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    const auto found = connections_.find(handle);
    if (found != connections_.end()) {
      connection = std::move(found->second);
      connections_.erase(found);
    }
  }
  connection.reset();  // before the descriptor can be reused by a new connection
  ::close(handle);
}

}  // namespace spread::plugins::websocket
