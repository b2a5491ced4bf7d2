#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

namespace spread::client {

/// The body of an HTTP answer from spreadd, read up to kAnswerBytesMax.
struct HttpAnswer {
  static constexpr std::size_t kAnswerBytesMax = 64 * 1024;
  std::string body;       // at most kAnswerBytesMax bytes of it
  bool complete = false;  // the whole body was read
  std::string error;      // the JSON body's "error"; the body's first line if it is not JSON
  std::string field;      // the JSON body's "field", if any
};

/// Reads an answer's body (bounded) and what it says went wrong.
HttpAnswer readAnswer(std::istream& in);

/// Percent-encodes a query parameter's value (RFC 3986 unreserved characters stay as they are).
std::string escapeQueryValue(std::string_view value);

}  // namespace spread::client
