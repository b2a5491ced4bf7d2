#include "tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <stdexcept>

namespace spread::bench {
namespace {

// The bytes an OpenSSL call moved, or -1 with errno as a socket call would set it.
ssize_t asSocketResult(SSL* ssl, int returned, std::size_t moved) {
  if (returned == 1) return static_cast<ssize_t>(moved);
  const int error = SSL_get_error(ssl, returned);
  ERR_clear_error();
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  if (error == SSL_ERROR_ZERO_RETURN) return 0;
  if (error != SSL_ERROR_SYSCALL || errno == 0) errno = EPROTO;
  return -1;
}

}  // namespace

std::shared_ptr<ssl_ctx_st> tlsClientContext(const std::string& caFile) {
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!context) throw std::runtime_error("cannot create a TLS context");
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(context.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                      SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_load_verify_locations(context.get(), caFile.c_str(), nullptr) != 1) {
    ERR_clear_error();
    throw std::runtime_error("--ca-file '" + caFile + "': not a readable PEM certificate");
  }
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  return context;
}

TlsStream::TlsStream(ssl_ctx_st* context, int fd, const std::string& host) : ssl_(SSL_new(context)) {
  if (ssl_ == nullptr) throw std::runtime_error("SSL_new failed");
  SSL_set_fd(ssl_, fd);
  SSL_set_connect_state(ssl_);
  SSL_set_tlsext_host_name(ssl_, host.c_str());
  // The certificate must name the host the URL named, as a browser would require.
  X509_VERIFY_PARAM* checks = SSL_get0_param(ssl_);
  if (X509_VERIFY_PARAM_set1_ip_asc(checks, host.c_str()) != 1) X509_VERIFY_PARAM_set1_host(checks, host.c_str(), 0);
  ERR_clear_error();
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

TlsStream::Step TlsStream::handshake(std::string& detail) {
  const int returned = SSL_do_handshake(ssl_);
  if (returned == 1) return Step::kDone;
  const int error = SSL_get_error(ssl_, returned);
  if (error == SSL_ERROR_WANT_READ) return Step::kWantRead;
  if (error == SSL_ERROR_WANT_WRITE) return Step::kWantWrite;
  char reason[256] = "the connection ended";
  if (const unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  detail = std::string("TLS handshake failed: ") + reason;
  return Step::kFailed;
}

ssize_t TlsStream::read(char* into, std::size_t size) {
  std::size_t got = 0;
  const int returned = SSL_read_ex(ssl_, into, size, &got);
  return asSocketResult(ssl_, returned, got);
}

ssize_t TlsStream::write(const char* from, std::size_t size) {
  std::size_t sent = 0;
  const int returned = SSL_write_ex(ssl_, from, size, &sent);
  return asSocketResult(ssl_, returned, sent);
}

bool TlsStream::pending() const { return SSL_pending(ssl_) > 0; }

}  // namespace spread::bench
