#include "property_file.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>

#include <iterator>
#include <sstream>

namespace spread::daemon {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string trimmed(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && isBlank(text[begin])) ++begin;
  while (end > begin && isBlank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// Walks the text the way Poco's parser walks its stream, counting lines as it goes. A line
// ends at "\n", "\r\n" or a lone "\r", as Poco's parser sees line ends.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool atEnd() const { return position_ >= text_.size(); }
  char peek() const { return text_[position_]; }
  int line() const { return line_; }

  char take() {
    const char c = text_[position_++];
    if (c == '\n' || (c == '\r' && (atEnd() || peek() != '\n'))) ++line_;
    return c;
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  int line_ = 1;
};

// Reads one character of a value, or nothing at the end of the value (its line's end, or
// the end of the text). Handles escapes and continuation lines.
std::optional<char> readValueChar(Cursor& cursor) {
  for (;;) {
    if (cursor.atEnd()) return std::nullopt;
    const char c = cursor.take();
    if (c == '\n' || c == '\r') return std::nullopt;
    if (c != '\\') return c;
    if (cursor.atEnd()) return std::nullopt;
    const char escaped = cursor.take();
    switch (escaped) {
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'n':
        return '\n';
      case 'f':
        return '\f';
      case '\r':
        if (!cursor.atEnd() && cursor.peek() == '\n') cursor.take();
        continue;
      case '\n':
        continue;
      default:
        return escaped;
    }
  }
}

}  // namespace

PropertyFile PropertyFile::parse(std::string_view text, std::string source) {
  PropertyFile file;
  file.source_ = std::move(source);
  Cursor cursor(text);
  while (!cursor.atEnd()) {
    while (!cursor.atEnd() && isBlank(cursor.peek())) cursor.take();
    if (cursor.atEnd()) break;
    const int line = cursor.line();
    if (cursor.peek() == '#' || cursor.peek() == '!') {
      while (!cursor.atEnd() && cursor.peek() != '\n' && cursor.peek() != '\r') cursor.take();
      continue;
    }
    std::string key;
    while (!cursor.atEnd() && cursor.peek() != '=' && cursor.peek() != ':' && cursor.peek() != '\n' &&
           cursor.peek() != '\r') {
      key += cursor.take();
    }
    std::string value;
    if (!cursor.atEnd() && (cursor.peek() == '=' || cursor.peek() == ':')) {
      cursor.take();
      while (auto c = readValueChar(cursor)) value += *c;
    }
    file.entries_.push_back(PropertyEntry{trimmed(key), trimmed(value), line});
  }
  return file;
}

PropertyFile PropertyFile::load(const std::string& path) {
  Poco::FileInputStream stream(path);
  if (!stream.good()) throw Poco::OpenFileException(path);
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) throw Poco::ReadFileException(path);
  return parse(text.str(), path);
}

const PropertyEntry* PropertyFile::find(std::string_view key) const {
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    if (entry->key == key) return &*entry;
  }
  return nullptr;
}

}  // namespace spread::daemon
