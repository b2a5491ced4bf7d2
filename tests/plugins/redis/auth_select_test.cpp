// AUTH and SELECT are sent after every connect: the right password connects, a wrong or
// missing one is reported with Redis' own words, the chosen database is the one the
// server shows for the link's connections (CLIENT LIST), and an impossible one is reported.
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include "link_probe.h"
#include "redis_server.h"

namespace spread::plugins::redis::testing {
namespace {

TEST(AuthTest, TheRightPasswordConnects) {
  RedisServer server("correct horse");
  server.start();
  auto options = testOptions(server.port());
  options.password = "correct horse";
  LinkProbe probe(options);
  ASSERT_TRUE(probe.awaitConnected());
  auto result = probe.publishAndWait("channel", "payload");
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->published) << result->failure;
}

TEST(AuthTest, AWrongPasswordIsReportedAsTheReason) {
  RedisServer server("correct horse");
  server.start();
  auto options = testOptions(server.port());
  options.password = "battery staple";
  LinkProbe probe(options);
  EXPECT_TRUE(probe.awaitReasonContaining("AUTH refused: WRONGPASS"));
  EXPECT_EQ(probe.link().publish("channel", "payload", nullptr), PublishAdmission::kRefusedNotConnected);
  EXPECT_FALSE(probe.link().state().connected);
}

TEST(AuthTest, AMissingPasswordIsReportedAsTheReason) {
  RedisServer server("correct horse");
  server.start();
  LinkProbe probe(testOptions(server.port()));
  EXPECT_TRUE(probe.awaitReasonContaining("refused: NOAUTH"));
}

TEST(SelectTest, TheLinksConnectionsUseTheConfiguredDatabase) {
  RedisServer server;
  server.start();
  auto options = testOptions(server.port());
  options.db = 3;
  LinkProbe probe(options);
  ASSERT_TRUE(probe.awaitConnected());

  redisContext* context = redisConnect("127.0.0.1", server.port());
  ASSERT_TRUE(context != nullptr && context->err == 0);
  auto* reply = static_cast<redisReply*>(redisCommand(context, "CLIENT LIST"));
  ASSERT_TRUE(reply != nullptr && reply->type == REDIS_REPLY_STRING);
  std::string clients(reply->str, reply->len);
  freeReplyObject(reply);
  redisFree(context);
  std::size_t inDb3 = 0;
  for (std::size_t at = clients.find(" db=3 "); at != std::string::npos; at = clients.find(" db=3 ", at + 1)) ++inDb3;
  EXPECT_EQ(inDb3, 2u) << clients;
}

TEST(SelectTest, AnImpossibleDatabaseIsReportedAsTheReason) {
  RedisServer server;
  server.start();
  auto options = testOptions(server.port());
  options.db = 99;
  LinkProbe probe(options);
  EXPECT_TRUE(probe.awaitReasonContaining("SELECT 99 refused: ERR DB index is out of range"));
}

}  // namespace
}  // namespace spread::plugins::redis::testing
