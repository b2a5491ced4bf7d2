#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace spread::client {

// Options are checked where they are given, with std::invalid_argument naming the option, so a
// typo fails at construction instead of as a puzzling network error later.
inline void requireOption(bool holds, const std::string& owner, const std::string& option, const std::string& rule) {
  if (!holds) throw std::invalid_argument(owner + "." + option + ": " + rule);
}

inline void requirePositive(std::chrono::milliseconds value, const std::string& owner, const std::string& option) {
  requireOption(value.count() > 0, owner, option, std::to_string(value.count()) + " ms is not positive");
}

inline void requireEndpoint(const std::string& host, std::uint16_t port, const std::string& owner) {
  requireOption(!host.empty(), owner, "host", "is empty");
  requireOption(port != 0, owner, "port", "is 0; name the port spreadd listens on");
}

}  // namespace spread::client
