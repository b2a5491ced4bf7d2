#include "tls_test_credentials.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

namespace spread::plugins::websocket::testing {

namespace {

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* pointer) const { Free(pointer); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using CertificatePtr = std::unique_ptr<X509, Freer<X509, X509_free>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test credentials: ") + what + " failed");
}

void writePem(const std::string& path, const std::function<int(FILE*)>& write) {
  FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "opening a PEM file");
  const int written = write(file);
  std::fclose(file);
  check(written == 1, "writing a PEM file");
}

}  // namespace

TlsTestCredentials::TlsTestCredentials() {
  std::string pattern = (std::filesystem::temp_directory_path() / "spread-tls-test-XXXXXX").string();
  check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  directory_ = pattern;
  certificateFile_ = directory_ + "/certificate.pem";
  privateKeyFile_ = directory_ + "/key.pem";

  KeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "generating a key");
  CertificatePtr certificate(X509_new());
  check(certificate != nullptr, "X509_new");
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  X509_set_pubkey(certificate.get(), key.get());
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
  X509_EXTENSION* names = X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  check(names != nullptr, "subjectAltName");
  X509_add_ext(certificate.get(), names, -1);
  X509_EXTENSION_free(names);
  check(X509_sign(certificate.get(), key.get(), EVP_sha256()) > 0, "signing the certificate");

  writePem(certificateFile_, [&](FILE* file) { return PEM_write_X509(file, certificate.get()); });
  writePem(privateKeyFile_, [&](FILE* file) {
    return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate.get(), &der);
  check(length > 0, "encoding the certificate");
  certificateDer_.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
}

TlsTestCredentials::~TlsTestCredentials() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace spread::plugins::websocket::testing
