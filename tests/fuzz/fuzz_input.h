#pragma once

// What every fuzz target shares: a fixed-size control prefix that chooses limits and how
// the rest of the input is cut into pieces, and a check that stops the run on a broken
// invariant (libFuzzer then saves the input as a crash).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace spread::fuzz {

/// Stops the process (a crash to libFuzzer, which saves the input) unless `ok`.
inline void check(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
  std::abort();
}

/// An input read as kControlBytes control bytes followed by the stream a parser sees. A
/// control byte missing from a short input reads as 0, and its stream is empty.
class FuzzInput {
 public:
  static constexpr std::size_t kControlBytes = 8;

  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  /// Control byte `index` (below kControlBytes), or 0 past the end of the input.
  std::uint8_t control(std::size_t index) const { return index < size_ ? data_[index] : 0; }

  std::string_view stream() const {
    if (size_ <= kControlBytes) return {};
    return {reinterpret_cast<const char*>(data_) + kControlBytes, size_ - kControlBytes};
  }

  /// The stream cut into consecutive pieces whose sizes cycle through control bytes
  /// [firstPieceByte, kControlBytes): a byte b gives a piece of b bytes, so 0 is an empty
  /// feed. If all of them are 0, pieces are one byte each. The pieces together are the stream.
  std::vector<std::string_view> pieces(std::size_t firstPieceByte) const {
    std::vector<std::size_t> sizes;
    bool anyNonZero = false;
    for (std::size_t i = firstPieceByte; i < kControlBytes; ++i) {
      sizes.push_back(control(i));
      anyNonZero = anyNonZero || control(i) != 0;
    }
    if (!anyNonZero) sizes.assign(1, 1);
    std::vector<std::string_view> out;
    std::string_view rest = stream();
    for (std::size_t i = 0; !rest.empty(); i = (i + 1) % sizes.size()) {
      const std::size_t take = sizes[i] < rest.size() ? sizes[i] : rest.size();
      out.push_back(rest.substr(0, take));
      rest.remove_prefix(take);
    }
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace spread::fuzz
