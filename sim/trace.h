#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "spread/core/time.h"

namespace spread::sim {

inline constexpr std::uint64_t kTraceHashSeed = 0xcbf29ce484222325ull;

/// One trace record as a JSON object on one line, fields in the order they were added:
/// {"t":<virtual microseconds>,"ev":"<event>",...}.
class TraceLine {
 public:
  TraceLine(core::TimePoint at, std::string_view event);

  TraceLine& add(std::string_view key, std::string_view value);
  TraceLine& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  TraceLine& add(std::string_view key, std::int64_t value);
  TraceLine& add(std::string_view key, std::uint64_t value);
  TraceLine& add(std::string_view key, int value) { return add(key, static_cast<std::int64_t>(value)); }
  TraceLine& add(std::string_view key, unsigned value) { return add(key, static_cast<std::uint64_t>(value)); }
  TraceLine& add(std::string_view key, bool value);

  /// The finished line, without a newline.
  std::string str() const { return text_ + "}"; }

 private:
  void key(std::string_view name);
  std::string text_;
};

/// `hash` updated with one trace line (without its newline): 64 bits, eight bytes at a time.
std::uint64_t hashTraceLine(std::uint64_t hash, std::string_view line);

/// The run's trace: every line is hashed (hashTraceLine, from kTraceHashSeed), and written to
/// `out` when one is given. Two runs with byte-identical traces have equal hashes.
class Trace {
 public:
  explicit Trace(std::ostream* out = nullptr) : out_(out) {}

  void write(const TraceLine& line);
  std::uint64_t hash() const { return hash_; }
  std::uint64_t lines() const { return lines_; }

 private:
  std::ostream* out_;
  std::uint64_t hash_ = kTraceHashSeed;
  std::uint64_t lines_ = 0;
};

/// A hash as 16 lowercase hex digits.
std::string hexHash(std::uint64_t hash);

}  // namespace spread::sim
