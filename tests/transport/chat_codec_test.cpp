// Proves the chat codec: {"name","msg"} both required, non-empty strings of valid UTF-8,
// extra fields ignored; everything else refused with an error naming the field and problem;
// encoding escapes what JSON requires and round-trips; TypedTopic<ChatMessage> encodes with it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "spread/core/broker.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "spread/core/queue_subscriber.h"
#include "spread/core/typed_topic.h"
#include "spread/transport/chat_codec.h"

namespace spread::transport {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using core::CodecError;
using core::Decoded;

// Decodes `json` and expects failure; returns the error for the caller to inspect.
CodecError refused(std::string_view json) {
  Decoded<ChatMessage> decoded = ChatCodec::decode(json);
  EXPECT_FALSE(decoded.ok()) << json;
  if (decoded.ok()) return CodecError{"<none>", "<decoded>"};
  return decoded.error();
}

TEST(ChatCodecTest, DecodesAValidMessage) {
  Decoded<ChatMessage> decoded = ChatCodec::decode(R"({"name":"ann","msg":"hello"})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(decoded.value(), (ChatMessage{"ann", "hello"}));
}

TEST(ChatCodecTest, IgnoresUnknownFieldsAndFieldOrder) {
  Decoded<ChatMessage> decoded = ChatCodec::decode(
      R"( { "msg" : "hi", "extra": [1, {"x": null}], "name": "bob", "n": 3 } )");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(decoded.value(), (ChatMessage{"bob", "hi"}));
}

TEST(ChatCodecTest, DecodesEscapesAndMultibyteText) {
  Decoded<ChatMessage> decoded = ChatCodec::decode(
      R"({"name":"Z\u00fcrich \ud83d\ude00","msg":"a\"b\\c\/d\n\t\u0001"})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(decoded.value().name, "Z\xc3\xbcrich \xf0\x9f\x98\x80");
  EXPECT_EQ(decoded.value().msg, std::string("a\"b\\c/d\n\t\x01"));
}

TEST(ChatCodecTest, NamesAMissingField) {
  CodecError name = refused(R"({"msg":"hi"})");
  EXPECT_EQ(name.field, "name");
  EXPECT_EQ(name.message(), "field 'name': is required");
  CodecError msg = refused(R"({"name":"ann"})");
  EXPECT_EQ(msg.field, "msg");
  EXPECT_THAT(msg.problem, HasSubstr("required"));
  EXPECT_EQ(refused("{}").field, "name");
}

TEST(ChatCodecTest, NamesANullField) {
  CodecError error = refused(R"({"name":"ann","msg":null})");
  EXPECT_EQ(error.field, "msg");
  EXPECT_THAT(error.problem, HasSubstr("null"));
}

TEST(ChatCodecTest, NamesAFieldOfTheWrongType) {
  for (const char* json : {R"({"name":42,"msg":"x"})", R"({"name":true,"msg":"x"})",
                           R"({"name":["a"],"msg":"x"})", R"({"name":{"a":"b"},"msg":"x"})",
                           R"({"name":1.5,"msg":"x"})"}) {
    CodecError error = refused(json);
    EXPECT_EQ(error.field, "name") << json;
    EXPECT_THAT(error.problem, HasSubstr("must be a string")) << json;
  }
  EXPECT_EQ(refused(R"({"name":"a","msg":7})").field, "msg");
}

TEST(ChatCodecTest, NamesAnEmptyField) {
  CodecError name = refused(R"({"name":"","msg":"x"})");
  EXPECT_EQ(name.message(), "field 'name': must not be empty");
  CodecError msg = refused(R"({"name":"a","msg":""})");
  EXPECT_EQ(msg.field, "msg");
  EXPECT_THAT(msg.problem, HasSubstr("empty"));
}

TEST(ChatCodecTest, RefusesRawInvalidUtf8AndSaysWhere) {
  // "\xc3\x28" is a lead byte followed by a non-continuation byte, at offset 18.
  CodecError error = refused("{\"name\":\"a\",\"msg\":\"\xc3\x28\"}");
  EXPECT_THAT(error.message(), HasSubstr("not valid UTF-8"));
  EXPECT_THAT(error.message(), HasSubstr("offset 19"));
}

TEST(ChatCodecTest, RefusesALoneSurrogateWrittenAsAnEscape) {
  // Poco's parser refuses these itself, so the error names the surrogate, not the field.
  for (const char* json : {R"({"name":"a","msg":"x\ud800"})", R"({"name":"a","msg":"\udc00y"})",
                           R"({"name":"a","msg":"\ud800\u0041"})"}) {
    CodecError error = refused(json);
    EXPECT_THAT(error.message(), HasSubstr("surrogate")) << json << ": " << error.message();
  }
}

TEST(ChatCodecTest, RefusesMalformedJson) {
  for (const char* json : {"{", R"({"name":"a","msg":"b")", R"({"name":"a" "msg":"b"})",
                           R"({"name":'a',"msg":"b"})", R"({"name":"a","msg":"b"}})",
                           R"({"name":"a","msg":"b"} x)"}) {
    CodecError error = refused(json);
    EXPECT_EQ(error.field, "") << json;
    EXPECT_THAT(error.problem, StartsWith("malformed JSON")) << json;
  }
}

TEST(ChatCodecTest, RefusesADocumentThatIsNotAnObject) {
  for (const char* json : {"[]", R"(["name","msg"])", R"("text")", "42", "null", "true", " not json"}) {
    CodecError error = refused(json);
    EXPECT_EQ(error.field, "") << json;
    EXPECT_THAT(error.problem, HasSubstr("must be a JSON object")) << json;
  }
}

TEST(ChatCodecTest, RefusesAnEmptyBody) {
  EXPECT_THAT(refused("").message(), HasSubstr("empty"));
  EXPECT_THAT(refused(" \r\n\t ").message(), HasSubstr("empty"));
}

TEST(ChatCodecTest, RefusesADeeplyNestedDocumentWithoutExhaustingTheStack) {
  const std::string deep =
      R"({"name":"a","msg":"b","x":)" + std::string(30000, '[') + std::string(30000, ']') + "}";
  EXPECT_THAT(refused(deep).problem, StartsWith("malformed JSON"));
}

TEST(ChatCodecTest, RefusesInvalidUtf8EvenInAnIgnoredField) {
  EXPECT_THAT(refused("{\"name\":\"a\",\"msg\":\"b\",\"x\":\"\xff\"}").message(),
              HasSubstr("not valid UTF-8"));
}

TEST(ChatCodecTest, EncodesExactlyNameThenMsg) {
  EXPECT_EQ(ChatCodec::encode(ChatMessage{"ann", "hi"}), R"({"name":"ann","msg":"hi"})");
}

TEST(ChatCodecTest, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  appendJsonString(out, std::string("q\"b\\n\nr\rt\tz\x01\x1f\x7f"));
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\nr\\rt\\tz\\u0001\\u001f\x7f\"");
  out.clear();
  appendJsonString(out, std::string("\0", 1));
  EXPECT_EQ(out, "\"\\u0000\"");
}

TEST(ChatCodecTest, PassesMultibyteUtf8ThroughUnescaped) {
  std::string out;
  appendJsonString(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_EQ(out, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

TEST(ChatCodecTest, EveryAwkwardCharacterRoundTrips) {
  std::string awkward;
  for (int c = 1; c < 0x80; ++c) awkward.push_back(static_cast<char>(c));
  awkward += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 </script> \\u0041";
  const ChatMessage original{"na\"me\\", awkward};
  Decoded<ChatMessage> decoded = ChatCodec::decode(ChatCodec::encode(original));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(decoded.value(), original);
}

TEST(ChatCodecTest, ErrorMessageWithoutAFieldIsJustTheProblem) {
  EXPECT_EQ((CodecError{"", "body is empty"}).message(), "body is empty");
  EXPECT_EQ((CodecError{"msg", "is required"}).message(), "field 'msg': is required");
}

TEST(ChatCodecTest, ATypedChatTopicEncodesWithItOnceAndCarriesTheValue) {
  core::ManualClock clock;
  core::ManualExecutor executor(clock);
  core::Broker broker(clock, executor);
  core::TopicLookup lookup = broker.topic("chat");
  ASSERT_TRUE(lookup.ok()) << lookup.error;
  core::TypedTopic<ChatMessage> chat{lookup.topic};
  auto queue = std::make_shared<core::QueueSubscriber>(core::QueueLimits{.messagesMax = 16, .bytesMax = 1 << 16});
  ASSERT_TRUE(chat.topic().subscribe(queue).ok());
  ASSERT_EQ(chat.tryPublish(ChatMessage{"ann", "hi"}), core::PublishOutcome::kAccepted);
  executor.runUntilIdle();
  auto message = queue->tryPop();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ((*message)->bytes(), R"({"name":"ann","msg":"hi"})");
  ASSERT_NE((*message)->as<ChatMessage>(), nullptr);
  EXPECT_EQ(*(*message)->as<ChatMessage>(), (ChatMessage{"ann", "hi"}));
  broker.shutdown(std::chrono::seconds(1), [](core::CloseOutcome) {});
  executor.runUntilIdle();
}

}  // namespace
}  // namespace spread::transport
