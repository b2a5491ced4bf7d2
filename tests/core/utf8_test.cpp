// Proves the UTF-8 validator against RFC 3629: boundaries accepted; overlong forms, surrogates,
// > U+10FFFF, truncation and stray continuations refused at the right offset; and
// Utf8Validator agrees when the bytes are split at every possible point.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spread/core/utf8.h"

namespace spread::core {
namespace {

struct BadCase {
  const char* what;
  std::string bytes;
  std::size_t offset;
};

const std::vector<std::string>& wellFormed() {
  static const std::vector<std::string> cases = {
      "",
      "plain ASCII \x01\x7f",
      "\xc2\x80",                  // U+0080, smallest two-byte
      "\xdf\xbf",                  // U+07FF
      "\xe0\xa0\x80",              // U+0800, smallest three-byte
      "\xed\x9f\xbf",              // U+D7FF, just below the surrogates
      "\xee\x80\x80",              // U+E000, just above them
      "\xef\xbf\xbf",              // U+FFFF
      "\xf0\x90\x80\x80",          // U+10000, smallest four-byte
      "\xf4\x8f\xbf\xbf",          // U+10FFFF, the largest
      "Z\xc3\xbcrich \xe2\x82\xac 5 \xf0\x9f\x98\x80!",
  };
  return cases;
}

const std::vector<BadCase>& malformed() {
  static const std::vector<BadCase> cases = {
      {"stray continuation", "ab\x80", 2},
      {"continuation after a complete sequence", "\xc3\xa9\xa9", 2},
      {"overlong two-byte lead C0", "\xc0\x80", 0},
      {"overlong two-byte lead C1", "x\xc1\xbf", 1},
      {"overlong three-byte", "\xe0\x9f\xbf", 0},
      {"overlong four-byte", "\xf0\x8f\xbf\xbf", 0},
      {"high surrogate U+D800", "\xed\xa0\x80", 0},
      {"low surrogate U+DFFF", "ok\xed\xbf\xbf", 2},
      {"above U+10FFFF", "\xf4\x90\x80\x80", 0},
      {"lead byte F5", "\xf5\x80\x80\x80", 0},
      {"lead byte FF", "\xff", 0},
      {"lead byte FE", "a\xfe", 1},
      {"truncated two-byte at end", "abc\xc3", 3},
      {"truncated four-byte at end", "\xf0\x9f\x98", 0},
      {"lead followed by ASCII", "\xe2\x82" "A", 0},
      {"lead followed by a lead", "\xc3\xc3\xa9", 0},
  };
  return cases;
}

TEST(Utf8Test, AcceptsWellFormedTextIncludingEveryBoundary) {
  for (const std::string& text : wellFormed()) {
    EXPECT_EQ(findInvalidUtf8(text), std::nullopt) << text;
    EXPECT_TRUE(isValidUtf8(text)) << text;
  }
}

TEST(Utf8Test, RefusesMalformedTextAtTheStartOfTheBadSequence) {
  for (const BadCase& bad : malformed()) {
    EXPECT_EQ(findInvalidUtf8(bad.bytes), bad.offset) << bad.what;
    EXPECT_FALSE(isValidUtf8(bad.bytes)) << bad.what;
  }
}

TEST(Utf8Test, AcceptsANulByte) {
  EXPECT_TRUE(isValidUtf8(std::string("a\0b", 3)));
}

// Feeds `bytes` as two pieces split at `at`; valid if both feeds pass and it is complete.
bool validInTwoPieces(const std::string& bytes, std::size_t at) {
  Utf8Validator validator;
  const std::string_view view(bytes);
  return validator.feed(view.substr(0, at)) && validator.feed(view.substr(at)) && validator.complete();
}

TEST(Utf8ValidatorTest, AgreesWithTheWholeStringVerdictAtEverySplitPoint) {
  for (const std::string& text : wellFormed()) {
    for (std::size_t at = 0; at <= text.size(); ++at) {
      EXPECT_TRUE(validInTwoPieces(text, at)) << text << " split at " << at;
    }
  }
  for (const BadCase& bad : malformed()) {
    for (std::size_t at = 0; at <= bad.bytes.size(); ++at) {
      EXPECT_FALSE(validInTwoPieces(bad.bytes, at)) << bad.what << " split at " << at;
    }
  }
}

TEST(Utf8ValidatorTest, OneByteAtATimeAcrossManyPieces) {
  const std::string text = "\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9";
  Utf8Validator validator;
  for (std::size_t i = 0; i < text.size(); ++i) {
    ASSERT_TRUE(validator.feed(std::string_view(text).substr(i, 1))) << i;
    EXPECT_EQ(validator.complete(), i == 3 || i == 6 || i == 8) << "after byte " << i;
  }
}

TEST(Utf8ValidatorTest, AnUnfinishedSequenceIsNotComplete) {
  Utf8Validator validator;
  EXPECT_TRUE(validator.complete());
  EXPECT_TRUE(validator.feed("ok\xe2\x82"));
  EXPECT_FALSE(validator.complete());
  EXPECT_TRUE(validator.feed("\xac"));
  EXPECT_TRUE(validator.complete());
}

TEST(Utf8ValidatorTest, FailsAtTheFirstImpossibleByteNotAtTheEnd) {
  // A surrogate is known to be bad from its second byte; the piece ends before the third.
  Utf8Validator surrogate;
  EXPECT_FALSE(surrogate.feed("\xed\xa0"));
  Utf8Validator tooBig;
  EXPECT_FALSE(tooBig.feed("\xf4\x90"));
  Utf8Validator overlong;
  EXPECT_FALSE(overlong.feed("\xe0\x80"));
}

TEST(Utf8ValidatorTest, EmptyPiecesChangeNothing) {
  Utf8Validator validator;
  EXPECT_TRUE(validator.feed("\xc3"));
  EXPECT_TRUE(validator.feed(""));
  EXPECT_FALSE(validator.complete());
  EXPECT_TRUE(validator.feed("\xa9"));
  EXPECT_TRUE(validator.feed(""));
  EXPECT_TRUE(validator.complete());
}

}  // namespace
}  // namespace spread::core
