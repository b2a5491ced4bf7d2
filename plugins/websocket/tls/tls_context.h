#pragma once

#include <memory>
#include <string>
#include <variant>

// OpenSSL's context type, named here so that this header does not pull in <openssl/ssl.h>.
struct ssl_ctx_st;

namespace spread::plugins::websocket {

/// One loaded set of TLS credentials and the server's TLS policy: TLS 1.2 at least; for
/// TLS 1.2 only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 (TLS 1.3's suites are
/// all AEAD, OpenSSL's defaults); no renegotiation, no compression, no session tickets or
/// cache (every connection does a full handshake, so a reload never meets a ticket sealed
/// under the old credentials). Connections made from it keep it alive (OpenSSL counts its
/// references), so replacing it affects only connections accepted afterwards.
using TlsContextPtr = std::shared_ptr<ssl_ctx_st>;

/// Where the credentials are, and the full keys that named them, for error messages.
struct TlsCredentialFiles {
  std::string certificateFile;  // PEM: the certificate, then any intermediates
  std::string privateKeyFile;   // PEM, unencrypted
  std::string certificateKey = "transport.websocket.tls.certificateFile";
  std::string privateKeyKey = "transport.websocket.tls.privateKeyFile";
};

/// Reads both files and builds a server context. On failure returns one sentence naming
/// the key and the file and what is wrong: the file is missing or unreadable, holds no PEM
/// certificate or key, or the key does not belong to the certificate. Thread-safe; blocks
/// on file reads only.
std::variant<TlsContextPtr, std::string> loadTlsContext(const TlsCredentialFiles& files);

}  // namespace spread::plugins::websocket
