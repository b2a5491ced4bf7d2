// Losing Redis: the link reports disconnected with a reason naming the server, refuses
// publishes at once, and when Redis is back on the same port it reconnects, subscribes
// again and delivers again. The server is killed (SIGKILL) and restarted for real. And the
// fixture's own promise: without redis-server the tests fail saying how to install it.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "link_probe.h"
#include "redis_server.h"

namespace spread::plugins::redis::testing {
namespace {

TEST(ReconnectTest, LosingRedisRefusesPublishesThenTheLinkReconnectsAndResubscribes) {
  RedisServer server;
  server.start();
  LinkProbe subscriber(testOptions(server.port()));
  LinkProbe publisher(testOptions(server.port()));
  subscriber.link().subscribe("news");
  ASSERT_TRUE(subscriber.awaitSubscribed("news"));
  ASSERT_TRUE(subscriber.awaitConnected());
  ASSERT_TRUE(publisher.awaitConnected());

  std::size_t statesBefore = publisher.stateCount();
  server.kill();
  std::string reason = publisher.awaitDisconnected(statesBefore);
  EXPECT_NE(reason.find("redis 127.0.0.1:" + std::to_string(server.port())), std::string::npos) << reason;
  EXPECT_EQ(publisher.link().publish("news", "while down", nullptr), PublishAdmission::kRefusedNotConnected);

  server.start();
  ASSERT_TRUE(subscriber.awaitSubscribed("news", 2));
  ASSERT_TRUE(subscriber.awaitConnected());
  ASSERT_TRUE(publisher.awaitConnected());
  auto result = publisher.publishAndWait("news", "back");
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->published) << result->failure;
  EXPECT_EQ(result->receivers, 1);
  ASSERT_TRUE(subscriber.awaitMessages(1));
  EXPECT_EQ(subscriber.messages()[0].second, "back");
}

TEST(ReconnectTest, NothingListeningIsReportedWithTheCause) {
  // A port that was free a moment ago; nothing is started on it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);

  LinkProbe probe(testOptions(ntohs(address.sin_port)));
  EXPECT_TRUE(probe.awaitReasonContaining("Connection refused"));
  EXPECT_EQ(probe.link().publish("channel", "payload", nullptr), PublishAdmission::kRefusedNotConnected);
}

TEST(RedisServerTest, AMissingRedisServerFailsWithTheCommandThatInstallsIt) {
  ::setenv("SPREAD_REDIS_SERVER", "/nonexistent/redis-server", 1);
  RedisServer server;
  try {
    server.start();
    FAIL() << "a redis-server that does not exist was started";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("run scripts/install-deps.sh --with-test-clients"), std::string::npos)
        << error.what();
  }
  ::unsetenv("SPREAD_REDIS_SERVER");
}

}  // namespace
}  // namespace spread::plugins::redis::testing
