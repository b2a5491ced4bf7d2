#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spread::sim {

/// What a byte-level client of the simulator writes and reads on the wire: RFC 6455 frames
/// of its own making out, the server's frames in. Written here rather than borrowed from
/// the server's codec, so that a bug in that codec cannot hide in the client too.

/// One client frame: FIN (or not), `opcode`, masked with a fixed key (or not), `payload`
/// after a close code when one is given.
std::string encodeClientFrame(int opcode, std::string_view payload, std::optional<int> closeCode, bool fin,
                              bool masked);

/// The close frame the server sent on a stream that upgraded, if any: `received` is
/// everything the client heard on it, the 101 answer first.
struct ServerClose {
  int code = 0;  // 0 when the frame carried none
  std::string reason;
};
std::optional<ServerClose> findServerClose(std::string_view received);

}  // namespace spread::sim
