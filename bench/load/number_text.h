#pragma once

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>

namespace spread::bench {

/// Parses the whole of `text` as a number into `out`: an integer in range, or a finite,
/// non-negative floating-point value. False (with `out` unspecified) for anything else,
/// including trailing characters. Shared by every command line spread-bench reads.
template <class Number>
bool parseNumber(std::string_view text, Number& out) {
  if constexpr (std::is_floating_point_v<Number>) {
    std::string copy(text);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return !copy.empty() && end == copy.c_str() + copy.size() && out >= 0 && out < 1e300;
  } else {
    auto [next, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc{} && next == text.data() + text.size();
  }
}

}  // namespace spread::bench
