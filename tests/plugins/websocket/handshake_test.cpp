// The opening handshake's answer (RFC 6455 section 4.2.2): the accept value for a key, and
// which keys are refused. Expected values come from Python's base64 and hashlib.
#include <gtest/gtest.h>

#include "ws/handshake.h"

namespace spread::plugins::websocket {
namespace {

TEST(HandshakeTest, TheAcceptValueIsTheBase64OfTheSha1OfTheKeyAndTheGuid) {
  EXPECT_EQ(acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // the RFC's example
  EXPECT_EQ(acceptFor("AAAAAAAAAAAAAAAAAAAAAA=="), "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
  EXPECT_EQ(acceptFor("AAECAwQFBgcICQoLDA0ODw=="), "Bz3qJYTGdOe8gUSpLosEdiLKDrk=");
  EXPECT_EQ(acceptFor("/////////////////////w=="), "XXpj4jYzLM2yUE0C7TIgMwTQh2g=");
}

TEST(HandshakeTest, AKeyThatIsNotSixteenBytesInBase64IsRefused) {
  for (const char* key : {"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25jZQAA",
                          "dGhlIHNhbXBsZSBub25jZ===", "dGhlIHNhbXBsZSBub2 jZQ==", "dGhlIHNhbXBsZSBub2-jZQ==",
                          "dGhlIHNhbXBsZSBub25jZQ=\n", "dGhlIHNhbXBsZSBub25jZQ==\r",
                          "dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ=="}) {
    EXPECT_FALSE(acceptFor(key).has_value()) << '"' << key << '"';
  }
}

}  // namespace
}  // namespace spread::plugins::websocket
