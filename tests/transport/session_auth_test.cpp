// A session opened with a token's grant, on virtual time against a mocked Connection and
// Authenticator: it closes with 1008 "token expired" when the token does, a fresh token for
// the same subject moves that moment, and its publishes go only where the grant allows,
// under the grant's subject.
#include "session_fixture.h"
#include "spread/testing/mock_authenticator.h"

namespace spread::transport {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrEq;

auth::Grant grantFor(const std::string& subject, std::optional<core::Duration> validFor,
                     std::initializer_list<const char*> publish = {"chat"}) {
  auth::Grant grant;
  grant.subject = subject;
  (void)grant.subscribe.add("chat");
  for (const char* topic : publish) (void)grant.publish.add(topic);
  grant.validFor = validFor;
  return grant;
}

class SessionAuthTest : public SessionFixture {
 protected:
  SessionAuthTest() {
    context_.auth = &authenticator_;
    // Only the token's expiry may end these sessions.
    context_.session.idleTimeout = std::chrono::hours(1000);
  }

  std::shared_ptr<Session> openWith(FakeWire& wire, auth::Grant grant) {
    auto session = Session::create(context_, wire.connection, "chat", std::make_unique<auth::Grant>(std::move(grant)));
    session->start();
    executor_.runUntilIdle();
    return session;
  }

  ::testing::StrictMock<testing::MockAuthenticator> authenticator_;
};

TEST_F(SessionAuthTest, TheSessionEndsWith1008WhenItsTokenExpires) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", 10s));
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  clock_.advanceBy(9s);
  executor_.runUntilIdle();
  ::testing::Mock::VerifyAndClearExpectations(wire.connection.get());
  EXPECT_CALL(*wire.connection, close(CloseCode::kPolicyViolation, StrEq("token expired")));
  clock_.advanceBy(1s);
  executor_.runUntilIdle();
  EXPECT_EQ(session->closeCode(), CloseCode::kPolicyViolation);
}

TEST_F(SessionAuthTest, ATokenWithoutExpiryNeverEndsTheSession) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", std::nullopt));
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  clock_.advanceBy(std::chrono::hours(100));
  executor_.runUntilIdle();
  EXPECT_EQ(session->state(), Session::State::kOpen);
}

TEST_F(SessionAuthTest, AFreshTokenForTheSameSubjectMovesTheExpiry) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", 10s));
  EXPECT_CALL(authenticator_, authenticate(std::string_view("fresh"))).WillOnce(Return(grantFor("ann", 30s)));
  EXPECT_CALL(*wire.connection, sendText(StrEq(R"({"token":"accepted"})")));
  clock_.advanceBy(5s);
  session->onText(R"({"token":"fresh"})");
  executor_.runUntilIdle();
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  clock_.advanceBy(29s);  // 34 s in: past the first token, not yet the fresh one
  executor_.runUntilIdle();
  ::testing::Mock::VerifyAndClearExpectations(wire.connection.get());
  EXPECT_CALL(*wire.connection, close(CloseCode::kPolicyViolation, StrEq("token expired")));
  clock_.advanceBy(1s);
  executor_.runUntilIdle();
}

TEST_F(SessionAuthTest, AFreshTokenWithoutExpiryTakesTheOldExpiryAway) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", 10s));
  EXPECT_CALL(authenticator_, authenticate(std::string_view("lasting"))).WillOnce(Return(grantFor("ann", std::nullopt)));
  session->onText(R"({"token":"lasting"})");
  executor_.runUntilIdle();
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  clock_.advanceBy(std::chrono::hours(1));
  executor_.runUntilIdle();
  EXPECT_EQ(session->state(), Session::State::kOpen);
}

TEST_F(SessionAuthTest, ARefusedFreshTokenIsAnsweredAndChangesNothing) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", 10s));
  auth::Grant otherTopic = grantFor("ann", 60s);
  otherTopic.subscribe = {};
  (void)otherTopic.subscribe.add("news");
  EXPECT_CALL(authenticator_, authenticate(_))
      .WillOnce(Return(auth::AuthFailure{"the token has expired"}))
      .WillOnce(Return(grantFor("bob", 60s)))
      .WillOnce(Return(otherTopic));
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("the fresh token was refused: the token has expired")));
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("another subject")));
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("does not allow subscribing to topic 'chat'")));
  for (const char* token : {"stale", "bobs", "newsonly"}) {
    session->onText(std::string(R"({"token":")") + token + "\"}");
  }
  executor_.runUntilIdle();
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kUnauthorized), 3u);
  EXPECT_CALL(*wire.connection, close(CloseCode::kPolicyViolation, StrEq("token expired")));
  clock_.advanceBy(10s);
  executor_.runUntilIdle();
}

TEST_F(SessionAuthTest, PublishesCarryTheSubjectAndGoOnlyWhereTheGrantAllows) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", std::nullopt));
  session->onText(R"({"msg":"no name given"})");
  session->onText(chat("ann", "my own name"));
  executor_.runUntilIdle();
  ASSERT_EQ(wire.sent.size(), 2u);
  EXPECT_EQ(wire.sent[0], chat("ann", "no name given"));
  EXPECT_EQ(wire.sent[1], chat("ann", "my own name"));

  EXPECT_CALL(*wire.connection, sendText(HasSubstr("is not yours: your token names you")));
  session->onText(chat("mallory", "forged"));
  executor_.runUntilIdle();
  EXPECT_EQ(wire.sent.size(), 2u);
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kForbidden), 1u);
}

TEST_F(SessionAuthTest, AGrantWithoutPublishForTheTopicGetsAnErrorAndStaysOpen) {
  FakeWire wire;
  auto session = openWith(wire, grantFor("ann", std::nullopt, {"news"}));
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("does not allow publishing to topic 'chat'")));
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  session->onText(chat("ann", "may I?"));
  executor_.runUntilIdle();
  EXPECT_TRUE(wire.sent.empty());
  EXPECT_EQ(session->state(), Session::State::kOpen);
}

}  // namespace
}  // namespace spread::transport
