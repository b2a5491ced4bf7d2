#include "trace.h"

#include <chrono>
#include <cstdio>

#include "spread/transport/chat_codec.h"

namespace spread::sim {

TraceLine::TraceLine(core::TimePoint at, std::string_view event) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  text_ = "{\"t\":" + std::to_string(us) + ",\"ev\":";
  transport::appendJsonString(text_, event);
}

void TraceLine::key(std::string_view name) {
  text_ += ',';
  transport::appendJsonString(text_, name);
  text_ += ':';
}

TraceLine& TraceLine::add(std::string_view name, std::string_view value) {
  key(name);
  transport::appendJsonString(text_, value);
  return *this;
}

TraceLine& TraceLine::add(std::string_view name, std::int64_t value) {
  key(name);
  text_ += std::to_string(value);
  return *this;
}

TraceLine& TraceLine::add(std::string_view name, std::uint64_t value) {
  key(name);
  text_ += std::to_string(value);
  return *this;
}

TraceLine& TraceLine::add(std::string_view name, bool value) {
  key(name);
  text_ += value ? "true" : "false";
  return *this;
}

void Trace::write(const TraceLine& line) {
  const std::string text = line.str();
  for (unsigned char c : text) hash_ = (hash_ ^ c) * 0x100000001b3ull;
  hash_ = (hash_ ^ static_cast<unsigned char>('\n')) * 0x100000001b3ull;
  ++lines_;
  if (out_ != nullptr) *out_ << text << '\n';
}

std::string hexHash(std::uint64_t hash) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace spread::sim
