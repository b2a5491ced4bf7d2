#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace spread::plugins::sim {

/// An HTTP/1.1 answer as a simulated client reads it off its stream.
struct HttpAnswerRead {
  int status = 0;
  std::string error;          // the JSON body's "error", for a refusal; empty otherwise
  std::size_t wireBytes = 0;  // head and body, as taken off the stream
};

/// Reads the answer at the front of `received`: nullopt until the head and the body its
/// Content-Length announces have arrived, or, if `ended`, until what arrived is all there
/// is. A head that is not an HTTP/1.1 status line reads as status 0.
std::optional<HttpAnswerRead> readHttpAnswer(std::string_view received, bool ended);

}  // namespace spread::plugins::sim
