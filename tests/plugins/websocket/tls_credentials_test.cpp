// Proves that TLS credentials the server cannot use stop it with a sentence naming the full
// key and the file, from checkConfig() (so --check-config finds them) and start() alike: a
// missing file, one that is not PEM, a key of another certificate; and that a good pair,
// with a relative path, starts a TLS listener whose endpoint is https.
#include <gtest/gtest.h>

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/MapConfiguration.h>

#include <fstream>

#include "spread/core/broker.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"
#include "tls/tls_context.h"
#include "tls_test_credentials.h"
#include "websocket_transport.h"

namespace spread::plugins::websocket {
namespace {

using testing::TlsTestCredentials;

class TlsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_->setString("host", "127.0.0.1");
    config_->setString("port", "0");
    config_->setString("tls.port", "0");
    config_->setString("tls.certificateFile", credentials_.certificateFile());
    config_->setString("tls.privateKeyFile", credentials_.privateKeyFile());
  }
  void TearDown() override { executor_.shutdown(); }

  // Both checks must refuse with the same sentence, containing `expected`.
  void expectRefused(const std::string& expected) {
    WebSocketTransport websocket;
    const std::optional<std::string> problem = websocket.checkConfig(*config_, {});
    ASSERT_TRUE(problem) << "checkConfig accepted it";
    EXPECT_NE(problem->find(expected), std::string::npos) << *problem;
    transport::TransportContext context{broker_, clock_, executor_, metrics_, publisher_, {}, *config_,
                                        Poco::Logger::get("tls-credentials-test")};
    const transport::StartResult started = websocket.start(context);
    ASSERT_FALSE(started.ok);
    EXPECT_EQ(started.error, *problem);
  }

  TlsTestCredentials credentials_;
  core::SteadyClock clock_;
  core::ThreadPoolExecutor executor_{1};
  core::Broker broker_{clock_, executor_};
  transport::Metrics metrics_;
  transport::PublishService publisher_{broker_, metrics_, std::chrono::milliseconds(100), "chat"};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
};

TEST_F(TlsCredentialsTest, AMissingCertificateFileIsNamedWithItsKey) {
  config_->setString("tls.certificateFile", credentials_.directory() + "/nowhere.pem");
  expectRefused("transport.websocket.tls.certificateFile: cannot read '" + credentials_.directory() +
                "/nowhere.pem': No such file or directory");
}

TEST_F(TlsCredentialsTest, AMissingKeyFileIsNamedWithItsKey) {
  config_->setString("tls.privateKeyFile", credentials_.directory() + "/nowhere.pem");
  expectRefused("transport.websocket.tls.privateKeyFile: cannot read");
}

TEST_F(TlsCredentialsTest, AFileThatIsNotPemIsNamedWithItsKey) {
  const std::string notPem = credentials_.directory() + "/notes.txt";
  std::ofstream(notPem) << "not a certificate\n";
  config_->setString("tls.certificateFile", notPem);
  expectRefused("transport.websocket.tls.certificateFile: '" + notPem + "' does not hold a PEM certificate");
}

TEST_F(TlsCredentialsTest, AKeyOfAnotherCertificateIsRefused) {
  TlsTestCredentials other;
  config_->setString("tls.privateKeyFile", other.privateKeyFile());
  expectRefused("transport.websocket.tls.privateKeyFile: '" + other.privateKeyFile() + "' does not");
}

TEST_F(TlsCredentialsTest, AGoodPairStartsAnHttpsListenerBesideThePlainOne) {
  WebSocketTransport websocket;
  ASSERT_EQ(websocket.checkConfig(*config_, {}), std::nullopt);
  transport::TransportContext context{broker_, clock_, executor_, metrics_, publisher_, {}, *config_,
                                      Poco::Logger::get("tls-credentials-test")};
  const transport::StartResult started = websocket.start(context);
  ASSERT_TRUE(started.ok) << started.error;
  const std::string endpoint = websocket.endpoint();
  EXPECT_EQ(endpoint.rfind("http://127.0.0.1:", 0), 0u) << endpoint;
  EXPECT_NE(endpoint.find(" https://127.0.0.1:"), std::string::npos) << endpoint;
  websocket.stop(std::chrono::seconds(1), [](transport::StopOutcome) {});
}

TEST_F(TlsCredentialsTest, TlsOnlyListensOnTheTlsPortAlone) {
  config_->setString("tls.only", "true");
  WebSocketTransport websocket;
  transport::TransportContext context{broker_, clock_, executor_, metrics_, publisher_, {}, *config_,
                                      Poco::Logger::get("tls-credentials-test")};
  const transport::StartResult started = websocket.start(context);
  ASSERT_TRUE(started.ok) << started.error;
  const std::string endpoint = websocket.endpoint();
  EXPECT_EQ(endpoint.rfind("https://127.0.0.1:", 0), 0u) << endpoint;
  EXPECT_EQ(endpoint.find(' '), std::string::npos) << endpoint;
  websocket.stop(std::chrono::seconds(1), [](transport::StopOutcome) {});
}

}  // namespace
}  // namespace spread::plugins::websocket
