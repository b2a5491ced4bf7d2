// Proves TlsNetwork serves TLS through the Network seam the way the epoll loop uses it: a
// handshake inside reads, every record taken with one read per readiness (none left inside
// OpenSSL), writes that resume after a full socket, close_notify both ways, refused plain
// HTTP and TLS 1.1, and a context swap seen by new connections only. Both ends run in this
// thread over a socketpair, stepped in turn a bounded number of times; nothing sleeps.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tls/tls_context.h"
#include "tls/tls_network.h"
#include "tls_test_credentials.h"

namespace spread::plugins::websocket {
namespace {

using testing::TlsTestCredentials;

constexpr int kStepsMax = 20000;
constexpr std::size_t kLoopReadBytes = 64 * 1024;  // what EpollLoop offers each read

TlsContextPtr serverContext(const TlsTestCredentials& credentials) {
  TlsCredentialFiles files;
  files.certificateFile = credentials.certificateFile();
  files.privateKeyFile = credentials.privateKeyFile();
  auto loaded = loadTlsContext(files);
  if (auto* error = std::get_if<std::string>(&loaded)) throw std::runtime_error(*error);
  return std::get<TlsContextPtr>(loaded);
}

// A TLS client context trusting `credentials`' certificate; `version` caps the protocol.
std::shared_ptr<SSL_CTX> clientContext(const TlsTestCredentials& credentials, int version = 0) {
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_load_verify_locations(context.get(), credentials.certificateFile().c_str(), nullptr);
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  if (version != 0) {
    // An old client, as far as this OpenSSL can still be one.
    SSL_CTX_set_security_level(context.get(), 0);
    SSL_CTX_set_cipher_list(context.get(), "DEFAULT@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(context.get(), version);
    SSL_CTX_set_max_proto_version(context.get(), version);
  }
  return context;
}

// One connection: the server's end attached to `network`, the client's an OpenSSL client.
class Connection {
 public:
  Connection(TlsNetwork& network, SSL_CTX* client) : network_(network) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
    server_ = fds[0];
    clientFd_ = fds[1];
    if (!network_.attach(server_)) throw std::runtime_error("attach");
    client_ = SSL_new(client);
    SSL_set_fd(client_, clientFd_);
    SSL_set_connect_state(client_);
  }
  ~Connection() {
    SSL_free(client_);
    ::close(clientFd_);
    if (server_ >= 0) network_.close(server_);
  }

  int server() const { return server_; }
  int clientFd() const { return clientFd_; }
  SSL* client() const { return client_; }

  /// The server's read, as the loop does it: once, and only if the socket is readable.
  IoResult serverReadIfReadable(std::string& into) {
    pollfd ready{server_, POLLIN, 0};
    if (::poll(&ready, 1, 0) != 1) return {IoResult::Status::kWouldBlock, 0};
    std::vector<char> scratch(kLoopReadBytes);
    const IoResult result = network_.read(server_, scratch);
    if (result.done()) into.append(scratch.data(), result.bytes);
    return result;
  }

  /// Runs both handshakes to the end; false if the client's failed or steps ran out.
  bool handshake() {
    std::string ignored;
    for (int step = 0; step < kStepsMax; ++step) {
      const int done = SSL_do_handshake(client_);
      if (done == 1) return true;
      const int error = SSL_get_error(client_, done);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return false;
      const IoResult server = serverReadIfReadable(ignored);
      if (server.status == IoResult::Status::kFailed) return false;
    }
    return false;
  }

  /// The client's reads, until `bytes` have arrived or it sees the end; steps the server
  /// with `serverStep` in between.
  std::string clientRead(std::size_t bytes, const std::function<void()>& serverStep = [] {}) {
    std::string received;
    std::vector<char> buffer(64 * 1024);
    for (int step = 0; step < kStepsMax && received.size() < bytes; ++step) {
      serverStep();
      std::size_t got = 0;
      if (SSL_read_ex(client_, buffer.data(), buffer.size(), &got) == 1) received.append(buffer.data(), got);
      ERR_clear_error();
    }
    return received;
  }

  std::string peerCertificateDer() const {
    X509* peer = SSL_get1_peer_certificate(client_);
    if (peer == nullptr) return {};
    unsigned char* der = nullptr;
    const int length = i2d_X509(peer, &der);
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(std::max(length, 0)));
    OPENSSL_free(der);
    X509_free(peer);
    return out;
  }

 private:
  TlsNetwork& network_;
  int server_ = -1;
  int clientFd_ = -1;
  SSL* client_ = nullptr;
};

// The bytes 0..n-1 of a pattern that shows a lost, doubled or reordered byte.
std::string pattern(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return out;
}

class TlsNetworkTest : public ::testing::Test {
 protected:
  TlsTestCredentials credentials_;
  TlsNetwork network_{serverContext(credentials_)};
  std::shared_ptr<SSL_CTX> client_ = clientContext(credentials_);
};

TEST_F(TlsNetworkTest, HandshakesInsideReadsAndCarriesBytesBothWays) {
  Connection connection(network_, client_.get());
  ASSERT_TRUE(connection.handshake());
  EXPECT_EQ(connection.peerCertificateDer(), credentials_.certificateDer());

  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(SSL_write(connection.client(), request.data(), static_cast<int>(request.size())),
            static_cast<int>(request.size()));
  std::string heard;
  for (int step = 0; step < kStepsMax && heard.size() < request.size(); ++step) connection.serverReadIfReadable(heard);
  EXPECT_EQ(heard, request);

  const std::string head = "HTTP/1.1 204 No Content\r\n";
  const std::string tail = "Content-Length: 0\r\n\r\n";
  const iovec parts[] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(tail.data()), tail.size()}};
  const IoResult sent = network_.write(connection.server(), parts);
  ASSERT_TRUE(sent.done());
  EXPECT_EQ(sent.bytes, head.size() + tail.size());
  EXPECT_EQ(connection.clientRead(sent.bytes), head + tail);
}

TEST_F(TlsNetworkTest, OneReadPerReadinessLeavesNoRecordInsideOpenSsl) {
  // Seven records of 10000 bytes, all waiting before the server reads: a read that filled
  // its 64 KiB would stop 5536 bytes into the seventh, with the socket drained and nothing
  // left to wake the loop for the other 4464.
  Connection connection(network_, client_.get());
  ASSERT_TRUE(connection.handshake());
  const std::size_t recordBytes = 10000;
  const std::string sent = pattern(7 * recordBytes);
  for (std::size_t at = 0; at < sent.size(); at += recordBytes) {
    std::size_t written = 0;
    ASSERT_EQ(SSL_write_ex(connection.client(), sent.data() + at, recordBytes, &written), 1);
  }
  std::string heard;
  for (int step = 0; step < kStepsMax && heard.size() < sent.size(); ++step) connection.serverReadIfReadable(heard);
  EXPECT_EQ(heard.size(), sent.size());
  EXPECT_TRUE(heard == sent);
}

TEST_F(TlsNetworkTest, WritesResumeAfterAFullSocketWithEveryByteOnceInOrder) {
  Connection connection(network_, client_.get());
  ASSERT_TRUE(connection.handshake());
  const int small = 4096;
  ::setsockopt(connection.server(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  const std::string sent = pattern(2 * 1024 * 1024);
  std::size_t written = 0;
  bool sawFull = false;
  // The server offers what is unwritten in three uneven parts, as the outbound queue
  // offers frames, and moves on by what each write reports.
  auto serverStep = [&] {
    if (written == sent.size()) return;
    const std::size_t left = std::min<std::size_t>(sent.size() - written, 300000);
    const std::size_t first = std::min<std::size_t>(left, 7), second = std::min<std::size_t>(left - first, 40000);
    const char* at = sent.data() + written;
    const iovec parts[] = {{const_cast<char*>(at), first},
                           {const_cast<char*>(at + first), second},
                           {const_cast<char*>(at + first + second), left - first - second}};
    const IoResult result = network_.write(connection.server(), parts);
    ASSERT_NE(result.status, IoResult::Status::kFailed);
    if (!result.done() || result.bytes < left) sawFull = true;
    if (result.done()) written += result.bytes;
  };
  const std::string received = connection.clientRead(sent.size(), serverStep);
  EXPECT_TRUE(sawFull) << "the socket never filled, so resuming was not tested";
  ASSERT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
}

TEST_F(TlsNetworkTest, CloseNotifyEndsTheStreamEachWay) {
  Connection connection(network_, client_.get());
  ASSERT_TRUE(connection.handshake());
  // The server's half of a TLS 1.3 handshake ends with its first read of the client's
  // bytes, as it does before the server ever has an answer to send and close.
  ASSERT_EQ(SSL_write(connection.client(), "x", 1), 1);
  std::string heard;
  for (int step = 0; step < kStepsMax && heard.empty(); ++step) connection.serverReadIfReadable(heard);
  ASSERT_EQ(heard, "x");
  network_.shutdownWrite(connection.server());
  char byte = 0;
  std::size_t got = 0;
  int returned = 0;
  for (int step = 0; step < kStepsMax; ++step) {
    returned = SSL_read_ex(connection.client(), &byte, 1, &got);
    if (SSL_get_error(connection.client(), returned) != SSL_ERROR_WANT_READ) break;
  }
  EXPECT_EQ(SSL_get_error(connection.client(), returned), SSL_ERROR_ZERO_RETURN);
  ERR_clear_error();

  ASSERT_GE(SSL_shutdown(connection.client()), 0);
  std::string ignored;
  IoResult result{IoResult::Status::kWouldBlock, 0};
  for (int step = 0; step < kStepsMax && result.status == IoResult::Status::kWouldBlock; ++step) {
    result = connection.serverReadIfReadable(ignored);
  }
  EXPECT_EQ(result.status, IoResult::Status::kEnded);
}

TEST_F(TlsNetworkTest, PlainHttpToTheTlsPortFailsTheHandshakeAndIsCounted) {
  Connection connection(network_, client_.get());
  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::write(connection.clientFd(), request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string heard;
  IoResult result{IoResult::Status::kWouldBlock, 0};
  for (int step = 0; step < kStepsMax && result.status == IoResult::Status::kWouldBlock; ++step) {
    result = connection.serverReadIfReadable(heard);
  }
  EXPECT_EQ(result.status, IoResult::Status::kFailed);
  EXPECT_EQ(heard, "");
  EXPECT_EQ(network_.handshakesFailed(), 1u);
}

TEST_F(TlsNetworkTest, Tls11ClientIsRefused) {
  const std::shared_ptr<SSL_CTX> old = clientContext(credentials_, TLS1_1_VERSION);
  Connection connection(network_, old.get());
  EXPECT_FALSE(connection.handshake());
  EXPECT_EQ(network_.handshakesFailed(), 1u);
  // Refused for its version, by the minimum this server sets, rather than by OpenSSL's
  // default security level (which would also stop it, with an "internal error" alert).
  ERR_clear_error();
  EXPECT_NE(SSL_do_handshake(connection.client()), 1);
  EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
  ERR_clear_error();
}

TEST_F(TlsNetworkTest, Tls12ClientIsServedWithAnAeadCipher) {
  std::shared_ptr<SSL_CTX> client = clientContext(credentials_);
  SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
  Connection connection(network_, client.get());
  ASSERT_TRUE(connection.handshake());
  const std::string cipher = SSL_get_cipher_name(connection.client());
  EXPECT_EQ(cipher.rfind("ECDHE-", 0), 0u) << cipher;
  EXPECT_TRUE(cipher.find("GCM") != std::string::npos || cipher.find("CHACHA20") != std::string::npos) << cipher;
}

TEST_F(TlsNetworkTest, Tls12ClientWithoutForwardSecrecyOrAeadIsRefused) {
  std::shared_ptr<SSL_CTX> client = clientContext(credentials_);
  SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
  // CBC with ECDHE, and GCM without it: suites OpenSSL's defaults would still agree to.
  ASSERT_EQ(SSL_CTX_set_cipher_list(client.get(), "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:AES128-GCM-SHA256"), 1);
  Connection connection(network_, client.get());
  EXPECT_FALSE(connection.handshake());
  EXPECT_EQ(network_.handshakesFailed(), 1u);
  ERR_clear_error();
}

TEST_F(TlsNetworkTest, ANewContextIsSeenByNewConnectionsOnly) {
  Connection before(network_, client_.get());
  ASSERT_TRUE(before.handshake());

  TlsTestCredentials renewed;
  network_.replaceContext(serverContext(renewed));
  const std::shared_ptr<SSL_CTX> trustsRenewed = clientContext(renewed);
  Connection after(network_, trustsRenewed.get());
  ASSERT_TRUE(after.handshake());
  EXPECT_EQ(after.peerCertificateDer(), renewed.certificateDer());

  // The connection made before the swap still works both ways.
  EXPECT_EQ(before.peerCertificateDer(), credentials_.certificateDer());
  ASSERT_EQ(SSL_write(before.client(), "ping", 4), 4);
  std::string heard;
  for (int step = 0; step < kStepsMax && heard.size() < 4; ++step) before.serverReadIfReadable(heard);
  EXPECT_EQ(heard, "ping");
  ASSERT_TRUE(network_.write(before.server(), std::string_view("pong")).done());
  EXPECT_EQ(before.clientRead(4), "pong");
  EXPECT_EQ(network_.connections(), 2u);
}

TEST_F(TlsNetworkTest, TheClientSpeaksFirst) { EXPECT_FALSE(network_.writesBeforeFirstRead()); }

}  // namespace
}  // namespace spread::plugins::websocket
