#include "spread/client/subscription.h"

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "backoff.h"
#include "option_checks.h"
#include "websocket_session.h"

namespace spread::client {

using Kind = SubscriptionEvent::Kind;

const char* toString(SubscriptionEvent::Kind kind) {
  switch (kind) {
    case Kind::kConnected: return "connected";
    case Kind::kDisconnected: return "disconnected";
    case Kind::kConnectFailed: return "connect failed";
    case Kind::kRetrying: return "retrying";
    case Kind::kStopped: return "stopped";
    case Kind::kServerError: return "server error";
    case Kind::kTokenAccepted: return "token accepted";
  }
  return "unknown";
}

// The client thread, and the state it shares with the caller's threads (stop, token). The
// thread holds a shared_ptr to it, so that a Subscription destroyed from inside a handler can
// let the thread finish on its own.
class Subscription::Worker : public SessionHost, public std::enable_shared_from_this<Worker> {
 public:
  Worker(SubscriptionOptions options, MessageHandler onMessage, EventHandler onEvent)
      : options_(std::move(options)),
        onMessage_(std::move(onMessage)),
        onEvent_(std::move(onEvent)),
        token_(options_.token),
        backoff_(options_.backoffInitial, options_.backoffMax, options_.jitterSeed) {}

  void start() {
    std::lock_guard joining(joinMutex_);
    thread_ = std::thread([self = shared_from_this()] { self->run(); });
    std::lock_guard lock(mutex_);
    threadId_ = thread_.get_id();
  }

  // Stops the thread and waits for it, unless called on it: from a handler, close() only asks,
  // and the destructor detaches the thread, since nobody is left to join it.
  void stop(bool fromDestructor) {
    bool onThread = false;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      onThread = threadId_ == std::this_thread::get_id();
    }
    wake_.notify_all();
    // Another thread may be in join() below, holding joinMutex_, waiting for this handler.
    if (onThread && !fromDestructor) return;
    std::lock_guard joining(joinMutex_);
    if (!thread_.joinable()) return;
    if (onThread) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

  void setToken(std::string token) {
    {
      std::lock_guard lock(mutex_);
      token_ = std::move(token);
      ++tokenGeneration_;
      tokenToSend_ = true;
    }
    wake_.notify_all();
  }

  // SessionHost, on the client thread.
  bool stopRequested() override {
    std::lock_guard lock(mutex_);
    return stop_;
  }

  std::optional<std::string> takeTokenToSend() override {
    std::lock_guard lock(mutex_);
    if (!tokenToSend_) return std::nullopt;
    tokenToSend_ = false;
    return token_;
  }

  // Handlers must not throw (see subscription.h); noexcept turns one that does into
  // std::terminate rather than a thread that ends silently.
  void emit(const SubscriptionEvent& event) noexcept override {
    if (onEvent_) onEvent_(event);
  }

  void deliver(const Message& message) noexcept override { onMessage_(message); }

 private:
  void run() {
    {
      std::lock_guard lock(mutex_);
      threadId_ = std::this_thread::get_id();  // a handler may call close() before start() notes it
    }
    for (;;) {
      std::string token;
      std::uint64_t generation = 0;
      {
        std::lock_guard lock(mutex_);
        token = token_;
        generation = tokenGeneration_;
        tokenToSend_ = false;  // this connect carries it in its header
      }
      const SessionEnd ended = runWebSocketSession(options_, token, *this);
      if (ended.kind == SessionEnd::Kind::kStopped || stopRequested()) return;
      if (ended.wasConnected) backoff_.reset();
      if (ended.kind == SessionEnd::Kind::kRefused || ended.kind == SessionEnd::Kind::kTokenExpired) {
        // A token set during the session may not have reached the server in time: it is worth
        // a connect of its own.
        if (tokenChangedSince(generation)) continue;
        SubscriptionEvent stopped{Kind::kStopped};
        stopped.httpStatus = ended.httpStatus;
        stopped.reason = ended.kind == SessionEnd::Kind::kTokenExpired
                             ? "token expired; set a new token to reconnect"
                             : "the server refused the subscription with " + std::to_string(ended.httpStatus) + " " +
                                   ended.reason + "; set a token to try again";
        emit(stopped);
        if (!waitForTokenOrStop(generation)) return;
        backoff_.reset();
        continue;
      }
      SubscriptionEvent retrying{Kind::kRetrying};
      retrying.retryIn = backoff_.next();
      emit(retrying);
      if (!waitOrStop(retrying.retryIn)) return;
    }
  }

  bool tokenChangedSince(std::uint64_t generation) {
    std::lock_guard lock(mutex_);
    return tokenGeneration_ != generation;
  }

  // False if close() came first.
  bool waitOrStop(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [&] { return stop_; });
  }

  // Waits for the user rather than the network, so without a deadline: setToken() or close()
  // ends it. False if close() did.
  bool waitForTokenOrStop(std::uint64_t generation) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stop_ || tokenGeneration_ != generation; });
    return !stop_;
  }

  const SubscriptionOptions options_;
  const MessageHandler onMessage_;
  const EventHandler onEvent_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string token_;
  std::uint64_t tokenGeneration_ = 0;
  bool tokenToSend_ = false;
  std::thread::id threadId_;

  Backoff backoff_;  // the client thread's alone
  std::mutex joinMutex_;
  std::thread thread_;
};

Subscription::Subscription(SubscriptionOptions options, MessageHandler onMessage, EventHandler onEvent) {
  const std::string owner = "SubscriptionOptions";
  requireEndpoint(options.host, options.port, owner);
  requirePositive(options.connectTimeout, owner, "connectTimeout");
  requirePositive(options.handshakeTimeout, owner, "handshakeTimeout");
  requirePositive(options.frameTimeout, owner, "frameTimeout");
  requirePositive(options.stopCheckInterval, owner, "stopCheckInterval");
  requirePositive(options.backoffInitial, owner, "backoffInitial");
  requireOption(options.backoffMax >= options.backoffInitial, owner, "backoffMax",
                std::to_string(options.backoffMax.count()) + " ms is below backoffInitial");
  requireOption(options.frameBytesMax > 0, owner, "frameBytesMax", "is not positive");
  if (!onMessage) throw std::invalid_argument("Subscription: the message handler is empty");
  worker_ = std::make_shared<Worker>(std::move(options), std::move(onMessage), std::move(onEvent));
  worker_->start();
}

Subscription::~Subscription() { worker_->stop(/*fromDestructor=*/true); }

void Subscription::close() { worker_->stop(/*fromDestructor=*/false); }

void Subscription::setToken(std::string token) { worker_->setToken(std::move(token)); }

}  // namespace spread::client
