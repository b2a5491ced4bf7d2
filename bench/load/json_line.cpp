#include "json_line.h"

#include <cmath>
#include <cstdio>

namespace spread::bench {

JsonLine& JsonLine::add(const char* key, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.6g", std::isfinite(value) ? value : 0.0);
  return addRaw(key, number);
}

JsonLine& JsonLine::add(const char* key, std::uint64_t value) { return addRaw(key, std::to_string(value)); }

JsonLine& JsonLine::add(const char* key, std::uint32_t value) { return addRaw(key, std::to_string(value)); }

JsonLine& JsonLine::add(const char* key, bool value) { return addRaw(key, value ? "true" : "false"); }

JsonLine& JsonLine::add(const char* key, const std::string& value) { return addRaw(key, quote(value)); }

JsonLine& JsonLine::addRaw(const char* key, const std::string& json) {
  if (text_.size() > 1) text_ += ',';
  text_ += quote(key);
  text_ += ':';
  text_ += json;
  return *this;
}

std::string JsonLine::quote(const std::string& value) {
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      quoted += escaped;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

}  // namespace spread::bench
