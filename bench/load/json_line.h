#pragma once

#include <cstdint>
#include <string>

namespace spread::bench {

/// Builds one JSON object on one line, member by member, in the order added. Numbers are
/// printed with 6 significant digits (integers exactly); strings are escaped. Every
/// spread-bench mode prints its figures with it, so scripts read them the same way.
class JsonLine {
 public:
  JsonLine& add(const char* key, double value);
  JsonLine& add(const char* key, std::uint64_t value);
  JsonLine& add(const char* key, std::uint32_t value);
  JsonLine& add(const char* key, bool value);
  JsonLine& add(const char* key, const std::string& value);
  JsonLine& add(const char* key, const char* value) { return add(key, std::string(value)); }
  /// Adds a finished object (another JsonLine's text) or array as the value.
  JsonLine& addRaw(const char* key, const std::string& json);

  std::string finish() const { return text_ + "}"; }

  /// `value` as a JSON string literal, quotes included.
  static std::string quote(const std::string& value);

 private:
  std::string text_ = "{";
};

}  // namespace spread::bench
