#pragma once

#include <string>

namespace spread::plugins::websocket::testing {

/// A throwaway self-signed certificate (P-256, CN and subjectAltName 127.0.0.1 and
/// localhost) and its key, as PEM files in a fresh temporary directory that is removed
/// with the object. Made in process with OpenSSL, so unit tests need no `openssl` binary.
class TlsTestCredentials {
 public:
  /// Throws std::runtime_error if OpenSSL or the file system fails.
  TlsTestCredentials();
  ~TlsTestCredentials();
  TlsTestCredentials(const TlsTestCredentials&) = delete;
  TlsTestCredentials& operator=(const TlsTestCredentials&) = delete;

  const std::string& directory() const { return directory_; }
  const std::string& certificateFile() const { return certificateFile_; }
  const std::string& privateKeyFile() const { return privateKeyFile_; }
  /// The certificate, DER-encoded, to compare with what a client was shown.
  const std::string& certificateDer() const { return certificateDer_; }

 private:
  std::string directory_;
  std::string certificateFile_;
  std::string privateKeyFile_;
  std::string certificateDer_;
};

}  // namespace spread::plugins::websocket::testing
