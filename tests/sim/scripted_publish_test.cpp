// Proves ScriptedPublish against a server played by hand: the POST it sends is one the
// server's own parser accepts, and each answer (or a hang-up) is reported once, as the
// PublishResult its status and JSON error stand for.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "http/http_request_parser.h"
#include "http/topic_query.h"
#include "scripted_client_fixture.h"
#include "scripted_publish.h"

namespace spread::plugins::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::jsonAnswer;
using testing::ScriptedClientTest;
using websocket::MemoryNetwork;
using PublishStatus = transport::PublishResult::Status;

class ScriptedPublishTest : public ScriptedClientTest {
 protected:
  std::shared_ptr<ScriptedPublish> post(std::uint64_t requestId, const std::string& topic, const std::string& body) {
    handle_ = network_.connect(MemoryNetwork::LinkOptions{});
    auto publish = std::make_shared<ScriptedPublish>(requestId, handle_, world_,
                                                     [this](std::uint64_t done) { done_.push_back(done); });
    publish->send(topic, body);
    settle();
    return publish;
  }

  // The result reported for a POST answered with `answer`.
  transport::PublishResult answeredWith(const std::string& answer) {
    auto publish = post(7, "chat", "{}");
    serverRead();
    serverWrite(answer);
    settle();
    EXPECT_THAT(done_, ElementsAre(7u));
    EXPECT_EQ(observer_.answers.size(), 1u);
    return observer_.answers.empty() ? transport::PublishResult{} : observer_.answers[0].second;
  }

  std::vector<std::uint64_t> done_;
};

TEST_F(ScriptedPublishTest, SendsAPostTheServersOwnParserAccepts) {
  const std::string body = R"({"name":"ann","msg":"hi"})";
  auto publish = post(1, "news", body);
  websocket::HttpRequestParser parser;
  parser.feed(serverRead());
  websocket::HttpRequest request;
  ASSERT_EQ(parser.next(request), websocket::HttpRequestParser::Status::kRequest) << parser.error().message;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(websocket::readPath(request.target).path, "/publish");
  EXPECT_EQ(websocket::readTopic(request.target, "default").topic, "news");
  EXPECT_EQ(request.body, body);
  EXPECT_FALSE(request.keepAlive());
  ASSERT_NE(request.header("Content-Type"), nullptr);
  EXPECT_EQ(*request.header("Content-Type"), "application/json");
  EXPECT_EQ(parser.takeBuffered(), "");
}

TEST_F(ScriptedPublishTest, A204IsAccepted) {
  const transport::PublishResult result = answeredWith("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(result.status, PublishStatus::kAccepted);
  EXPECT_EQ(result.error, "");
}

TEST_F(ScriptedPublishTest, A400NamingTheTopicIsABadTopic) {
  const transport::PublishResult result = answeredWith(
      jsonAnswer(400, "Bad Request", R"({"error":"topic name must not be empty","field":"topic"})"));
  EXPECT_EQ(result.status, PublishStatus::kBadTopic);
  EXPECT_EQ(result.error, "topic name must not be empty");
}

TEST_F(ScriptedPublishTest, AnotherA400IsABadRequest) {
  const transport::PublishResult result =
      answeredWith(jsonAnswer(400, "Bad Request", R"({"error":"field 'msg': is missing","field":"msg"})"));
  EXPECT_EQ(result.status, PublishStatus::kBadRequest);
}

TEST_F(ScriptedPublishTest, A503ShuttingDownIsDraining) {
  const transport::PublishResult result =
      answeredWith(jsonAnswer(503, "Service Unavailable", R"({"error":"the server is shutting down"})"));
  EXPECT_EQ(result.status, PublishStatus::kDraining);
  EXPECT_EQ(result.error, "the server is shutting down");
}

TEST_F(ScriptedPublishTest, ABusy503IsBusy) {
  const transport::PublishResult result =
      answeredWith(jsonAnswer(503, "Service Unavailable", R"({"error":"the topic is busy; try again shortly"})"));
  EXPECT_EQ(result.status, PublishStatus::kBusy);
}

TEST_F(ScriptedPublishTest, AHangUpWithoutAnAnswerIsDraining) {
  auto publish = post(3, "chat", "{}");
  serverRead();
  network_.close(handle_);
  settle();
  ASSERT_EQ(observer_.answers.size(), 1u);
  EXPECT_EQ(observer_.answers[0].first, 3u);
  EXPECT_EQ(observer_.answers[0].second.status, PublishStatus::kDraining);
  EXPECT_THAT(observer_.answers[0].second.error, HasSubstr("without an answer"));
  EXPECT_THAT(done_, ElementsAre(3u));
}

TEST_F(ScriptedPublishTest, AnAnswerInPiecesIsReportedOnceWhenWhole) {
  auto publish = post(5, "chat", "{}");
  serverRead();
  const std::string answer = jsonAnswer(503, "Service Unavailable", R"({"error":"the server is shutting down"})");
  for (const char byte : answer) {
    serverWrite(std::string(1, byte));
    settle();
  }
  network_.close(handle_);
  settle();
  ASSERT_EQ(observer_.answers.size(), 1u);
  EXPECT_EQ(observer_.answers[0].second.status, PublishStatus::kDraining);
  EXPECT_THAT(done_, ElementsAre(5u));
}

TEST(PublishResultForTest, MapsEachStatusTheServerAnswersWith) {
  EXPECT_EQ(publishResultFor(204, "").status, PublishStatus::kAccepted);
  EXPECT_EQ(publishResultFor(400, "topic name must not be empty").status, PublishStatus::kBadTopic);
  EXPECT_EQ(publishResultFor(400, "field 'name': is missing").status, PublishStatus::kBadRequest);
  EXPECT_EQ(publishResultFor(413, "request body exceeds 65536 bytes").status, PublishStatus::kBadRequest);
  EXPECT_EQ(publishResultFor(429, "too many publishes").status, PublishStatus::kBusy);
  EXPECT_EQ(publishResultFor(503, "the server is shutting down").status, PublishStatus::kDraining);
  EXPECT_EQ(publishResultFor(503, "the topic is busy; try again shortly").status, PublishStatus::kBusy);
  const transport::PublishResult hungUp = publishResultFor(0, "");
  EXPECT_EQ(hungUp.status, PublishStatus::kDraining);
  EXPECT_FALSE(hungUp.error.empty());
}

}  // namespace
}  // namespace spread::plugins::sim
