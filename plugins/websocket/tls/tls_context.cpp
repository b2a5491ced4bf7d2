#include "tls/tls_context.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spread::plugins::websocket {

namespace {

// TLS 1.2 suites with forward secrecy and an AEAD cipher, the set Mozilla's "intermediate"
// profile allows. TLS 1.3 suites are configured separately and are all of this kind.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's reason for the last failure on this thread, emptying its queue.
std::string openSslReason() {
  std::string reason;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason = text;  // the last one is the most specific
  }
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

// Opening the file first gives the operator the system's reason ("No such file or
// directory", "Permission denied"), which OpenSSL's own message buries.
std::string unreadable(const std::string& key, const std::string& path) {
  if (path.empty()) return key + ": must name a PEM file";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return key + ": cannot read '" + path + "': " + std::strerror(errno);
  ::close(fd);
  return {};
}

}  // namespace

std::variant<TlsContextPtr, std::string> loadTlsContext(const TlsCredentialFiles& files) {
  for (const auto& [key, path] : {std::pair{files.certificateKey, files.certificateFile},
                                  std::pair{files.privateKeyKey, files.privateKeyFile}}) {
    if (std::string problem = unreadable(key, path); !problem.empty()) return problem;
  }
  ERR_clear_error();
  TlsContextPtr context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!context) return "cannot create a TLS context: " + openSslReason();
  SSL_CTX* ctx = context.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                               // A client that hangs up without close_notify has ended its
                               // stream, as over plain TCP; it is not an attack on a protocol
                               // whose messages carry their own lengths.
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // Writes may stop after any whole record, and be retried from a buffer that has moved
  // (the outbound queue's iovecs are copied per call); idle connections give their 34 KiB
  // of record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) return "cannot set the TLS 1.2 ciphers: " + openSslReason();
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificateFile.c_str()) != 1) {
    return files.certificateKey + ": '" + files.certificateFile +
           "' does not hold a PEM certificate OpenSSL accepts: " + openSslReason();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.privateKeyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    return files.privateKeyKey + ": '" + files.privateKeyFile +
           "' does not hold an unencrypted PEM private key that matches the certificate: " + openSslReason();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return files.privateKeyKey + ": '" + files.privateKeyFile + "' does not match the certificate in " +
           files.certificateKey + " ('" + files.certificateFile + "'): " + openSslReason();
  }
  return context;
}

}  // namespace spread::plugins::websocket
