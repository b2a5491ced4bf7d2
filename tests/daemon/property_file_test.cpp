// Proves the properties parser reads Poco's syntax exactly as Poco does (every sample is
// also parsed by Poco::Util::PropertyFileConfiguration and the results compared) while
// remembering the line each key starts on, across comments and continuation lines.
#include "property_file.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace spread::daemon {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;

auto entry(const std::string& key, const std::string& value, int line) {
  return AllOf(Field(&PropertyEntry::key, key), Field(&PropertyEntry::value, value), Field(&PropertyEntry::line, line));
}

// Poco's parser, with its key-value map opened up for comparison.
class PocoProperties : public Poco::Util::PropertyFileConfiguration {
 public:
  using PropertyFileConfiguration::PropertyFileConfiguration;
  std::map<std::string, std::string> values() const { return std::map<std::string, std::string>(begin(), end()); }
};

// What Poco makes of `text`, key by key.
std::map<std::string, std::string> pocoRead(const std::string& text) {
  std::istringstream stream(text);
  Poco::AutoPtr<PocoProperties> config(new PocoProperties(stream));
  return config->values();
}

std::map<std::string, std::string> ourRead(const std::string& text) {
  std::map<std::string, std::string> values;
  const PropertyFile file = PropertyFile::parse(text, "test");
  for (const auto& e : file.entries()) values[e.key] = e.value;
  return values;
}

TEST(PropertyFileTest, KeysValuesAndLines) {
  const auto file = PropertyFile::parse(
      "# comment\n"
      "a = 1\n"
      "\n"
      "! another comment\n"
      "  b: two words  \n"
      "c=3\n",
      "test");
  EXPECT_THAT(file.entries(), ElementsAre(entry("a", "1", 2), entry("b", "two words", 5), entry("c", "3", 6)));
  EXPECT_EQ(file.source(), "test");
}

TEST(PropertyFileTest, ContinuationLinesBelongToTheLineTheyStartOn) {
  const auto file = PropertyFile::parse(
      "first = one \\\n"
      "  two \\\n"
      "three\n"
      "second = 2\n",
      "test");
  EXPECT_THAT(file.entries(), ElementsAre(entry("first", "one   two three", 1), entry("second", "2", 4)));
}

TEST(PropertyFileTest, CarriageReturnLineEndsCountOnce) {
  const auto file = PropertyFile::parse("a = 1\r\nb = x\\\r\ny\r\nc = 3\rd = 4\n", "test");
  EXPECT_THAT(file.entries(),
              ElementsAre(entry("a", "1", 1), entry("b", "xy", 2), entry("c", "3", 4), entry("d", "4", 5)));
}

TEST(PropertyFileTest, EscapesInValues) {
  const auto file = PropertyFile::parse("tab = a\\tb\nnewline = a\\nb\nother = a\\qb\\\\c\n", "test");
  EXPECT_THAT(file.entries(),
              ElementsAre(entry("tab", "a\tb", 1), entry("newline", "a\nb", 2), entry("other", "aqb\\c", 3)));
}

TEST(PropertyFileTest, LaterEntryOfAKeyWins) {
  const auto file = PropertyFile::parse("k = 1\nother = x\nk = 2\n", "test");
  ASSERT_NE(file.find("k"), nullptr);
  EXPECT_EQ(file.find("k")->value, "2");
  EXPECT_EQ(file.find("k")->line, 3);
  EXPECT_EQ(file.find("absent"), nullptr);
}

TEST(PropertyFileTest, AgreesWithPocoOnEverySample) {
  const std::vector<std::string> samples{
      "a = 1\nb: 2\nc=3",
      "# c\n! c\n  indented = yes\n",
      "key without separator\nnext = 1\n",
      "url = http://host:80/path\n",  // only the first ':' or '=' separates
      "eq = a=b=c\n",
      "cont = one\\\n  two\\\n\nafter = x\n",
      "trailing = backslash at end\\",
      "crlf = a\r\nb = c\\\r\n d\r\n",
      "lone = cr\rnext = y\r",
      "esc = \\t\\r\\n\\f\\\\\\x\n",
      "spaces   =    padded   \t\n",
      "value = # not a comment\n",
      "dup = 1\ndup = 2\n",
      "= value without key\n",
      "",
      "\n\n\n",
  };
  for (const auto& sample : samples) {
    SCOPED_TRACE(sample);
    EXPECT_EQ(ourRead(sample), pocoRead(sample));
  }
}

TEST(PropertyFileTest, EtcServerPropertiesAgreesWithPoco) {
  const auto file = PropertyFile::load(SPREAD_SOURCE_DIR "/etc/server.properties");
  Poco::AutoPtr<PocoProperties> poco(new PocoProperties(SPREAD_SOURCE_DIR "/etc/server.properties"));
  const std::map<std::string, std::string> theirs = poco->values();
  std::map<std::string, std::string> ours;
  for (const auto& e : file.entries()) ours[e.key] = e.value;
  EXPECT_EQ(ours, theirs);
  EXPECT_GT(ours.size(), 20u);
}

}  // namespace
}  // namespace spread::daemon
