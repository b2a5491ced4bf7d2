// The Checker's protocol-close invariant: what a byte-level client hears after sending a
// frame that RFC 6455 makes the server fail.
#include "checker.h"

namespace spread::sim {

namespace {

std::string stream(int id) { return "stream " + std::to_string(id); }

// Codes only a protocol failure found in the client's frames closes with; the server's
// other closes (1000, 1001, 1008, 1011) have causes of its own.
bool isFrameFailure(int code) { return code == 1002 || code == 1003 || code == 1007 || code == 1009; }

}  // namespace

void Checker::mustClose(int id, const RequiredClose& required) {
  Stream& s = streams_[id];
  if (!s.required && !s.ended) s.required = required;
}

void Checker::streamEnded(int id, const std::optional<ServerClose>& close, bool readPast) {
  Stream& s = streams_[id];
  if (s.ended) return;
  s.ended = true;
  if (!s.required || (close && close->code == s.required->code)) return;
  const std::string sent = "the client of " + stream(id) + " sent " + s.required->why +
                           ", which the server must fail with " + std::to_string(s.required->code) + ", but ";
  const std::string heard = close ? "closed it with " + std::to_string(close->code) + " \"" + close->reason + "\""
                                  : "ended it without a close frame";
  if (close && isFrameFailure(close->code)) {
    fail("protocol-close", 0, sent + "the server " + heard);
  } else if (readPast) {
    fail("protocol-close", 0, sent + "the server answered a ping sent after it, and " + heard);
  }
}

void Checker::checkStreamsEnded() {
  for (const auto& [id, s] : streams_) {
    if (s.required && !s.ended) {
      fail("protocol-close", 0,
           "the client of " + stream(id) + " sent " + s.required->why + ", which the server must fail with " +
               std::to_string(s.required->code) + ", and its stream never ended");
    }
  }
}

}  // namespace spread::sim
