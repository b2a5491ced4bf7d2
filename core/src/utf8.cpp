#include "spread/core/utf8.h"

namespace spread::core {

bool Utf8Validator::feed(std::string_view piece) {
  for (unsigned char byte : piece) {
    if (pending_ == 0) {
      if (byte < 0x80) continue;
      if (byte >= 0xC2 && byte <= 0xDF) {
        pending_ = 1, codePoint_ = byte & 0x1Fu, minimum_ = 0x80;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        pending_ = 2, codePoint_ = byte & 0x0Fu, minimum_ = 0x800;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        pending_ = 3, codePoint_ = byte & 0x07u, minimum_ = 0x10000;
      } else {
        return false;  // a stray continuation byte, or a lead byte that can only be overlong or too big
      }
      continue;
    }
    if ((byte & 0xC0u) != 0x80u) return false;
    codePoint_ = (codePoint_ << 6) | (byte & 0x3Fu);
    --pending_;
    // Checked as soon as the bits that decide it are known, so a stream fails at the
    // first impossible byte instead of at the end of a long fragment.
    const int known = (minimum_ == 0x800 ? 2 : minimum_ == 0x10000 ? 3 : 1) - pending_;
    if (known == 1 && minimum_ == 0x800) {
      const unsigned high = codePoint_ << 6;
      if (high < 0x800 || (high >= 0xD800 && high <= 0xDFFF)) return false;
    } else if (known == 1 && minimum_ == 0x10000) {
      const unsigned high = codePoint_ << 12;
      if (high < 0x10000 || high > 0x10FFFF) return false;
    }
    if (pending_ == 0 && codePoint_ < minimum_) return false;
  }
  return true;
}

std::optional<std::size_t> findInvalidUtf8(std::string_view bytes) {
  Utf8Validator validator;
  std::size_t sequenceStart = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (validator.complete()) sequenceStart = i;
    if (!validator.feed(bytes.substr(i, 1))) return sequenceStart;
  }
  if (!validator.complete()) return sequenceStart;
  return std::nullopt;
}

}  // namespace spread::core
