#include "websocket_session.h"

#include <Poco/Buffer.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Timespan.h>

#include <memory>
#include <sstream>

#include "http_answer.h"
#include "server_frame.h"

namespace spread::client {

namespace {

using Poco::Net::WebSocket;
using Kind = SubscriptionEvent::Kind;

constexpr int kCloseNormal = 1000;
constexpr int kCloseProtocolError = 1002;
constexpr int kCloseUnsupportedData = 1003;
constexpr int kCloseNoStatus = 1005;
constexpr int kCloseAbnormal = 1006;
constexpr int kClosePolicy = 1008;
constexpr int kCloseTooBig = 1009;
constexpr std::string_view kTokenExpired = "token expired";

Poco::Timespan timespan(std::chrono::milliseconds duration) {
  return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(duration).count());
}

// Refusals that the same request would get again: retrying them only loads the server.
bool refusalIsFinal(int httpStatus) {
  return httpStatus == 400 || httpStatus == 401 || httpStatus == 403 || httpStatus == 404;
}

std::string tokenFrame(const std::string& token) {
  Poco::JSON::Object frame;
  frame.set("token", token);
  std::ostringstream out;
  frame.stringify(out);
  return out.str();
}

// Best effort: the connection ends either way, and a server that is gone cannot be told.
void sayGoodbye(WebSocket& socket, int code) {
  try {
    socket.shutdown(static_cast<Poco::UInt16>(code), "");
  } catch (const Poco::Exception&) {
  }
  try {
    socket.close();
  } catch (const Poco::Exception&) {
  }
}

// One open connection, from the upgrade to its end.
class OpenSession {
 public:
  OpenSession(const SubscriptionOptions& options, WebSocket& socket, SessionHost& host)
      : options_(options), socket_(socket), host_(host) {}

  SessionEnd read() {
    try {
      socket_.setMaxPayloadSize(options_.frameBytesMax);
      socket_.setReceiveTimeout(timespan(options_.frameTimeout));
      socket_.setSendTimeout(timespan(options_.frameTimeout));
      for (;;) {
        if (host_.stopRequested()) {
          sayGoodbye(socket_, kCloseNormal);
          return end(SessionEnd::Kind::kStopped);
        }
        if (auto token = host_.takeTokenToSend()) {
          const std::string frame = tokenFrame(*token);
          socket_.sendFrame(frame.data(), static_cast<int>(frame.size()), WebSocket::FRAME_TEXT);
        }
        // available() counts bytes that came with the upgrade's answer and wait in Poco's
        // buffer, which poll() cannot see.
        if (socket_.available() <= 0 &&
            !socket_.poll(timespan(options_.stopCheckInterval),
                          Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
          continue;
        }
        if (auto ended = readFrame()) return *ended;
      }
    } catch (const Poco::Net::WebSocketException& e) {
      const int code = e.code() == WebSocket::WS_ERR_PAYLOAD_TOO_BIG ? kCloseTooBig : kCloseProtocolError;
      sayGoodbye(socket_, code);
      return disconnected(code, e.displayText());
    } catch (const Poco::TimeoutException&) {
      return disconnected(kCloseAbnormal, "a frame did not arrive whole within frameTimeout");
    } catch (const Poco::Exception& e) {
      return disconnected(kCloseAbnormal, e.displayText());
    }
  }

 private:
  // Reads one frame; returns how the session ended if it did.
  std::optional<SessionEnd> readFrame() {
    frame_.resize(0);
    int flags = 0;
    const int length = socket_.receiveFrame(frame_, flags);
    if (length == 0 && flags == 0) {
      return disconnected(kCloseAbnormal, "the server closed the connection without a close frame");
    }
    const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
    const std::string_view payload(frame_.begin(), static_cast<std::size_t>(length));
    switch (opcode) {
      case WebSocket::FRAME_OP_PING:
        socket_.sendFrame(frame_.begin(), length,
                          static_cast<int>(WebSocket::FRAME_FLAG_FIN) | WebSocket::FRAME_OP_PONG);
        return std::nullopt;
      case WebSocket::FRAME_OP_PONG:
        return std::nullopt;
      case WebSocket::FRAME_OP_CLOSE:
        return closedByServer(payload);
      case WebSocket::FRAME_OP_TEXT:
      case WebSocket::FRAME_OP_CONT:
        // The server does not fragment, but a proxy may; the whole message stays within
        // frameBytesMax.
        if (message_.size() + payload.size() > static_cast<std::size_t>(options_.frameBytesMax)) {
          sayGoodbye(socket_, kCloseTooBig);
          return disconnected(kCloseTooBig, "a message over frameBytesMax");
        }
        message_.append(payload);
        if ((flags & WebSocket::FRAME_FLAG_FIN) != 0) {
          handleText(message_);
          message_.clear();
        }
        return std::nullopt;
      default:
        sayGoodbye(socket_, kCloseUnsupportedData);
        return disconnected(kCloseUnsupportedData, "a binary or unknown frame; spread speaks text");
    }
  }

  SessionEnd closedByServer(std::string_view payload) {
    int code = kCloseNoStatus;
    std::string reason;
    if (payload.size() >= 2) {
      code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
      reason = std::string(payload.substr(2));
    }
    sayGoodbye(socket_, code == kCloseNoStatus ? kCloseNormal : code);
    SessionEnd ended = disconnected(code, reason);
    if (ended.kind == SessionEnd::Kind::kDropped && code == kClosePolicy && reason == kTokenExpired) {
      ended.kind = SessionEnd::Kind::kTokenExpired;
    }
    return ended;
  }

  SessionEnd disconnected(int closeCode, std::string reason) {
    if (host_.stopRequested()) return end(SessionEnd::Kind::kStopped);
    SubscriptionEvent event{Kind::kDisconnected};
    event.closeCode = closeCode;
    event.reason = std::move(reason);
    host_.emit(event);
    return end(SessionEnd::Kind::kDropped);
  }

  void handleText(const std::string& text) {
    ServerFrame read = readServerFrame(text);
    switch (read.kind) {
      case ServerFrame::Kind::kMessage:
        host_.deliver(Message{std::move(read.name), std::move(read.msg), text, read.offset, std::move(read.epoch)});
        break;
      case ServerFrame::Kind::kTokenAccepted:
        host_.emit(SubscriptionEvent{Kind::kTokenAccepted});
        break;
      case ServerFrame::Kind::kError:
      case ServerFrame::Kind::kUnknown: {
        SubscriptionEvent event{Kind::kServerError};
        event.reason = std::move(read.text);
        host_.emit(event);
        break;
      }
    }
  }

  static SessionEnd end(SessionEnd::Kind kind) {
    SessionEnd ended;
    ended.kind = kind;
    ended.wasConnected = true;
    return ended;
  }

  const SubscriptionOptions& options_;
  WebSocket& socket_;
  SessionHost& host_;
  Poco::Buffer<char> frame_{0};
  std::string message_;  // a text message arriving in fragments
};

SessionEnd connectFailed(SessionHost& host, int httpStatus, std::string reason) {
  SessionEnd ended;
  if (host.stopRequested()) {
    ended.kind = SessionEnd::Kind::kStopped;
    return ended;
  }
  SubscriptionEvent event{Kind::kConnectFailed};
  event.httpStatus = httpStatus;
  event.reason = reason;
  host.emit(event);
  if (refusalIsFinal(httpStatus)) {
    ended.kind = SessionEnd::Kind::kRefused;
    ended.httpStatus = httpStatus;
    ended.reason = std::move(reason);
  }
  return ended;
}

}  // namespace

SessionEnd runWebSocketSession(const SubscriptionOptions& options, const std::string& token, SessionHost& host) {
  Poco::Net::HTTPClientSession session(options.host, options.port);
  session.setTimeout(timespan(options.connectTimeout), timespan(options.frameTimeout),
                     timespan(options.handshakeTimeout));
  const std::string path = options.topic.empty() ? "/subscribe" : "/subscribe?topic=" + escapeQueryValue(options.topic);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  Poco::Net::HTTPResponse response;
  std::unique_ptr<WebSocket> socket;
  try {
    socket = std::make_unique<WebSocket>(session, request, response);
  } catch (const Poco::Net::WebSocketException& e) {
    // Only these two codes mean the server answered with a status other than 101.
    const bool answered = e.code() == WebSocket::WS_ERR_NO_HANDSHAKE || e.code() == WebSocket::WS_ERR_UNAUTHORIZED;
    return connectFailed(host, answered ? static_cast<int>(response.getStatus()) : 0,
                         answered ? response.getReason() : e.displayText());
  } catch (const Poco::Exception& e) {
    return connectFailed(host, 0, e.displayText());
  }
  if (host.stopRequested()) {
    sayGoodbye(*socket, kCloseNormal);
    SessionEnd ended;
    ended.kind = SessionEnd::Kind::kStopped;
    return ended;
  }
  host.emit(SubscriptionEvent{Kind::kConnected});
  return OpenSession(options, *socket, host).read();
}

}  // namespace spread::client
