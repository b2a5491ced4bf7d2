#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spread::transport {

/// Writes a message's position into its chat JSON, once, when the topic accepts it
/// (core::TopicOptions::stampPosition): {"name":..,"msg":..} becomes
/// {"name":..,"msg":..,"offset":N,"epoch":"<16 hex digits>"}. Clients that do not know the
/// fields ignore them. Bytes that are not a JSON object are left as they are.
void stampChatPosition(std::string& bytes, std::uint64_t offset, std::uint64_t epoch);

/// An epoch as it travels: exactly 16 lower-case hex digits.
std::string epochHex(std::uint64_t epoch);
/// The epoch `text` names, if it is 1 to 16 hex digits (either case); nullopt otherwise.
std::optional<std::uint64_t> readEpochHex(std::string_view text);

}  // namespace spread::transport
