#include "scenario_values.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <map>

namespace spread::sim::scenario_values {

namespace {

// Far longer than any simulation, and small enough that adding up a scenario's times and
// durations cannot overflow the signed nanosecond count.
constexpr std::int64_t kDurationMaxNs = std::int64_t{365} * 24 * 3600 * 1'000'000'000;

}  // namespace

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The character escaped at line[i] (just past the backslash), advancing i past it: \r, \n,
// \t, \0 and \xHH as in C, so a byte-level client can write any byte; any other character
// stands for itself (\" and \\ among them).
char unescape(std::string_view line, std::size_t& i) {
  const char c = line[i++];
  switch (c) {
    case 'r': return '\r';
    case 'n': return '\n';
    case 't': return '\t';
    case '0': return '\0';
    case 'x': {
      const int high = i + 1 < line.size() ? hexDigit(line[i]) : -1;
      const int low = high >= 0 ? hexDigit(line[i + 1]) : -1;
      if (low < 0) throw LineError{"expected two hex digits after \\x"};
      i += 2;
      return static_cast<char>(high * 16 + low);
    }
    default: return c;
  }
}

}  // namespace

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      break;
    } else if (c == '"') {
      Token token{{}, true};
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          i += 1;
          token.text += unescape(line, i);
        } else if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          token.text += line[i++];
        }
      }
      if (!closed) throw LineError{"unterminated string: expected a closing '\"'"};
      tokens.push_back(std::move(token));
    } else {
      Token token;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '#') {
        token.text += line[i++];
      }
      tokens.push_back(std::move(token));
    }
  }
  return tokens;
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

core::Duration parseDuration(std::string_view text, std::string_view what) {
  std::size_t unitAt = 0;
  while (unitAt < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unitAt])) || text[unitAt] == '.'))
    ++unitAt;
  const std::string_view number = text.substr(0, unitAt);
  const std::string_view unit = text.substr(unitAt);
  static const std::map<std::string_view, std::int64_t> kUnits{
      {"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}};
  auto scale = kUnits.find(unit);
  if (number.empty() || (scale == kUnits.end() && !(unit.empty() && number == "0"))) {
    throw LineError{"expected " + std::string(what) + " as a duration like 250us, 10ms or 1.5s, got '" +
                    std::string(text) + "'"};
  }
  const std::int64_t factor = scale == kUnits.end() ? 1 : scale->second;
  const std::size_t dot = number.find('.');
  auto whole = parseUnsigned(number.substr(0, dot));
  if (!whole)
    throw LineError{"expected " + std::string(what) + " as a duration, got '" + std::string(text) + "'"};
  // Checked before multiplying: the nanosecond count is signed, and overflowing it is
  // undefined behaviour, not an error message.
  if (*whole >= static_cast<std::uint64_t>(kDurationMaxNs / factor)) {
    throw LineError{"expected " + std::string(what) + " as a duration below a year (31536000s), got '" +
                    std::string(text) + "'"};
  }
  std::int64_t ns = static_cast<std::int64_t>(*whole) * factor;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = number.substr(dot + 1);
    auto digits = parseUnsigned(fraction);
    if (!digits || fraction.size() > 9)
      throw LineError{"expected " + std::string(what) + " as a duration, got '" + std::string(text) + "'"};
    std::int64_t scaleDown = 1;
    for (std::size_t k = 0; k < fraction.size(); ++k) scaleDown *= 10;
    ns += static_cast<std::int64_t>(*digits) * factor / scaleDown;
  }
  return core::Duration(ns);
}

std::size_t parseBytes(std::string_view text, std::string_view what) {
  std::uint64_t factor = 1;
  std::string_view number = text;
  if (text.ends_with("KiB")) {
    factor = 1024;
    number.remove_suffix(3);
  } else if (text.ends_with("MiB")) {
    factor = 1024 * 1024;
    number.remove_suffix(3);
  }
  auto value = parseUnsigned(number);
  // A count that wraps around when scaled would come out as some other, smaller number.
  if (!value || *value == 0 || *value > std::numeric_limits<std::size_t>::max() / factor)
    throw LineError{"expected " + std::string(what) + " as a positive byte count like 4096 or 64KiB, got '" +
                    std::string(text) + "'"};
  return static_cast<std::size_t>(*value * factor);
}

std::uint64_t parseCount(std::string_view text, std::string_view what, std::uint64_t max) {
  auto value = parseUnsigned(text);
  if (!value || *value == 0 || *value > max) {
    throw LineError{"expected " + std::string(what) + " as a whole number from 1 to " + std::to_string(max) +
                    ", got '" + std::string(text) + "'"};
  }
  return *value;
}

}  // namespace spread::sim::scenario_values
