#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace spread::core {

/// Returns nullopt if `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF); otherwise the offset of the first bad byte.
std::optional<std::size_t> findInvalidUtf8(std::string_view bytes);

inline bool isValidUtf8(std::string_view bytes) { return !findInvalidUtf8(bytes).has_value(); }

/// For streams split into pieces (WebSocket fragments): feed pieces in order; the stream
/// is valid if every feed() returned true and complete() is true at the end.
class Utf8Validator {
 public:
  bool feed(std::string_view piece);
  /// True when no multi-byte sequence is left unfinished.
  bool complete() const { return pending_ == 0; }

 private:
  int pending_ = 0;          // continuation bytes still expected
  unsigned codePoint_ = 0;   // bits gathered so far
  unsigned minimum_ = 0;     // smallest code point this sequence length may encode
};

}  // namespace spread::core
