#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/time.h"

namespace spread::sim::scenario_values {

/// The lexical pieces of a scenario line, shared by the parser's line readers. Errors are
/// thrown as LineError and caught once per line by parseScenario(), which adds the file
/// and line number; nothing here escapes the parser.

struct Token {
  std::string text;
  bool quoted = false;  // it was written "in quotes" (escapes \" and \\ resolved)
};

struct LineError {
  std::string message;
};

/// Splits a line into words and quoted strings, dropping a trailing # comment.
std::vector<Token> tokenize(std::string_view line);

std::optional<std::uint64_t> parseUnsigned(std::string_view text);
/// "250us", "10ms", "1.5s", "0", below a year; `what` names the value in the error.
core::Duration parseDuration(std::string_view text, std::string_view what);
/// "4096", "64KiB", "1MiB"; positive, and within a size_t once scaled.
std::size_t parseBytes(std::string_view text, std::string_view what);
/// A whole number from 1 to `max`.
std::uint64_t parseCount(std::string_view text, std::string_view what, std::uint64_t max = UINT32_MAX);

}  // namespace spread::sim::scenario_values
