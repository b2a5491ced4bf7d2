#include "ws_publisher.h"

#include "message_stamp.h"

namespace spread::bench {

WsPublisher::WsPublisher(EventLoop& loop, const Endpoint& endpoint, PublisherListener& listener,
                         std::uint32_t id, std::uint32_t window)
    : Publisher(id), listener_(listener), client_(loop, endpoint, *this, id), window_(window) {}

bool WsPublisher::ready() const {
  // Also wait while the socket has a backlog, so TCP back-pressure slows us down.
  return client_.open() && (window_ == 0 || inFlight_ < window_) && client_.unsentBytes() < 64 * 1024;
}

void WsPublisher::publish(std::string_view msg) {
  client_.sendText(chatJson(msg));
  ++sent_;
  ++accepted_;
  ++inFlight_;
}

void WsPublisher::onOpen(WsClient&) { listener_.onReady(*this); }

void WsPublisher::onText(WsClient&, std::string_view text, std::int64_t) {
  const auto msg = findMsgField(text);
  if (!msg) return;
  const auto stamp = parseStamp(*msg);
  if (!stamp || stamp->publisher != id() || inFlight_ == 0) return;
  --inFlight_;
  listener_.onReady(*this);
}

void WsPublisher::onEnded(WsClient&, EndKind kind, int code, const std::string& detail) {
  ++failed_;
  lastError_ = "websocket ended (kind " + std::to_string(static_cast<int>(kind)) + ", code " +
               std::to_string(code) + "): " + detail;
}

}  // namespace spread::bench
