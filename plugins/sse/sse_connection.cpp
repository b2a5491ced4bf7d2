#include "sse_connection.h"

#include "event_stream.h"
#include "spread/transport/chat_codec.h"

namespace spread::plugins::sse {

std::string eventNameOf(std::string_view json) {
  // {"name": … : the first key, if it is a plain word.
  if (json.size() < 4 || json[0] != '{' || json[1] != '"') return "message";
  const std::size_t end = json.find('"', 2);
  if (end == std::string_view::npos || end == 2) return "message";
  const std::string_view key = json.substr(2, end - 2);
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) return "message";
  }
  return std::string(key);
}

SseConnection::SseConnection(std::shared_ptr<transport::StreamSink> sink, core::Executor& executor,
                             LiveSessions& live)
    : sink_(std::move(sink)), executor_(executor), live_(live) {
  live_.add();
}

SseConnection::~SseConnection() { live_.remove(); }

void SseConnection::bind(std::shared_ptr<transport::Session> session) {
  std::lock_guard lock(mutex_);
  session_ = std::move(session);
}

std::shared_ptr<transport::Session> SseConnection::session() const {
  std::lock_guard lock(mutex_);
  return session_;
}

void SseConnection::send(std::span<const core::MessagePtr> messages) {
  for (const core::MessagePtr& message : messages) {
    const std::string& json = message->bytes();
    std::string prefix;
    if (const std::optional<EventPosition> position = stampedPosition(json)) {
      prefix = "id: " + eventId(*position) + "\n";
    }
    if (hasLineBreak(json)) {
      // Never from a JSON encoder, which escapes line breaks; guarded so that a raw
      // publisher's bytes cannot forge fields.
      appendData(prefix, json);
      prefix += '\n';
      sink_->write(std::move(prefix));
      continue;
    }
    prefix += "data: ";
    sink_->write(std::move(prefix), message, "\n\n");
  }
}

void SseConnection::sendText(std::string text) { sink_->write(namedEvent(eventNameOf(text), text)); }

void SseConnection::ping() { sink_->write(": keepalive\n\n"); }

void SseConnection::close(transport::CloseCode code, std::string_view reason) {
  if (closed_.exchange(true)) return;
  std::string json = "{\"code\":" + std::to_string(static_cast<int>(code)) + ",\"reason\":";
  transport::appendJsonString(json, reason);
  json += '}';
  sink_->write(namedEvent("close", json));
  sink_->close();
}

void SseConnection::onDrained() {
  std::shared_ptr<transport::Session> session = this->session();
  if (!session) return;
  (void)executor_.post([session] {
    session->onHeard();
    session->onWritable();
  });
}

void SseConnection::onGone() {
  std::shared_ptr<transport::Session> session;
  {
    std::lock_guard lock(mutex_);
    session = std::move(session_);  // breaks the session's cycle through this connection
  }
  if (session) (void)executor_.post([session] { session->onDisconnected(); });
}

}  // namespace spread::plugins::sse
