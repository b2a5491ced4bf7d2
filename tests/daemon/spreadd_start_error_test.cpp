// Proves that a transport which accepts its keys but cannot start (the fake one told to fail,
// the WebSocket plugin on a port this test holds on 127.0.0.1) makes the real spreadd exit
// 69, naming the transport and the resource, while --check-config accepts the same file.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kExitUnavailable = 69;

// A TCP socket listening on 127.0.0.1 at a port the kernel chose, held until destroyed.
class HeldPort {
 public:
  HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~HeldPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;

  std::uint16_t port() const { return port_; }  // 0 if the socket could not be set up

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

class SpreaddStartErrorTest : public SpreaddTest {
 protected:
  // Checks that --check-config accepts `config`, then that serving it exits 69 with
  // `expected` among the errors and without getting ready.
  void expectUnavailable(const std::string& config, const std::string& expected, std::string* errors = nullptr) {
    std::string checkOutput;
    const ExitStatus checked = runToExit({"--check-config", "--config", config}, nullptr, &checkOutput);
    EXPECT_TRUE(checked.exitedWith(0)) << checked;
    EXPECT_THAT(checkOutput, HasSubstr("configuration OK"));

    std::string startErrors;
    std::string output;
    const ExitStatus status = runToExit({"--config", config}, &startErrors, &output);
    EXPECT_TRUE(status.exitedWith(kExitUnavailable)) << status << "\n" << startErrors;
    EXPECT_THAT(startErrors, HasSubstr("spreadd: error: " + expected)) << startErrors;
    EXPECT_THAT(output, Not(HasSubstr("ready")));
    if (errors != nullptr) *errors = startErrors;
  }
};

TEST_F(SpreaddStartErrorTest, TransportThatFailsToStart) {
  const std::string config = fakeConfig({"transport.fake.failStart = true"});
  expectUnavailable(config, config + ":4: transport.fake.failStart: failStart is set");
}

TEST_F(SpreaddStartErrorTest, TransportsStartedBeforeAFailingOneAreStopped) {
  const std::string config = fakeConfig({"spread.transports = fake, fake2", "transport.fake2.failStart = on"});
  std::string errors;
  expectUnavailable(config, config + ":5: transport.fake2.failStart: failStart is set", &errors);
  EXPECT_THAT(errors, HasSubstr("fake transport draining"));
  EXPECT_THAT(errors, Not(HasSubstr("fake2 transport draining")));
}

TEST_F(SpreaddStartErrorTest, WebSocketPortInUse) {
  HeldPort held;
  ASSERT_NE(held.port(), 0) << "could not listen on 127.0.0.1";
  const std::string port = std::to_string(held.port());
  const std::string config = fakeConfig({"spread.transports = websocket", "transport.websocket.host = 127.0.0.1",
                                         "transport.websocket.port = " + port});
  std::string errors;
  expectUnavailable(config, config + ":6: transport.websocket.port: cannot listen on ", &errors);
  EXPECT_THAT(errors, HasSubstr("cannot listen on 127.0.0.1:" + port + ": ")) << errors;
}

}  // namespace
}  // namespace spread::testing
