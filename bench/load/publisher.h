#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spread::bench {

class Publisher;

/// What a publisher reports to the run that drives it, on the loop's thread.
class PublisherListener {
 public:
  virtual ~PublisherListener() = default;
  /// The publisher may now accept another publish() (connected, answered, echoed).
  virtual void onReady(Publisher& publisher) = 0;
};

/// One publishing connection. The run asks ready() and, if so, calls publish() with the
/// stamped "msg" text; the publisher wraps it as {"name","msg"} and sends it its own way.
class Publisher {
 public:
  explicit Publisher(std::uint32_t id) : id_(id) {}
  virtual ~Publisher() = default;

  virtual void start() = 0;
  virtual bool ready() const = 0;
  /// True once its connection failed for good; it will never be ready again.
  virtual bool ended() const = 0;
  virtual void publish(std::string_view msg) = 0;
  /// True while a sent message's fate is still unknown (an HTTP response is pending).
  virtual bool awaitingAnswer() const = 0;
  virtual void abandon() = 0;
  /// Forgets the warm-up: counters back to zero (the sequence carries on).
  virtual void resetCounters() { sent_ = accepted_ = failed_ = unanswered_ = reconnects_ = 0; lastError_.clear(); }

  std::uint32_t id() const { return id_; }
  std::uint64_t takeSequence() { return ++lastSequence_; }

  std::uint64_t sent() const { return sent_; }
  /// Messages the server accepted: 204 answers over HTTP; every sent frame over WebSocket,
  /// which has no per-message answer.
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t failed() const { return failed_; }
  /// Of failed(): the messages whose connection ended before they were answered, so the
  /// server may or may not have accepted them.
  std::uint64_t unanswered() const { return unanswered_; }
  std::uint64_t reconnects() const { return reconnects_; }
  const std::string& lastError() const { return lastError_; }

 protected:
  static std::string chatJson(std::string_view msg) {
    std::string body = R"({"name":"bench","msg":")";
    body += msg;  // a stamp: digits, letters and spaces, nothing JSON must escape
    body += "\"}";
    return body;
  }

  std::uint64_t sent_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t unanswered_ = 0;
  std::uint64_t reconnects_ = 0;
  std::string lastError_;

 private:
  const std::uint32_t id_;
  std::uint64_t lastSequence_ = 0;
};

}  // namespace spread::bench
