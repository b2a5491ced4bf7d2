#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "spread/core/executor.h"
#include "spread/core/subscriber.h"

namespace spread::core {

using MessageHandler = std::function<void(const MessagePtr&)>;
using CloseHandler = std::function<void(CloseReason)>;

/// Runs a handler during fan-out, on the fan-out thread: the topic waits for it. A handler
/// that throws is removed with CloseReason::kHandlerFailed. Each instance is a separate
/// subscription, even when two are made from the same function.
class HandlerSubscriber final : public Subscriber {
 public:
  explicit HandlerSubscriber(MessageHandler onMessage, CloseHandler onClose = {});

  Delivery deliver(const MessagePtr& message) override;
  void close(CloseReason reason) override;

 private:
  MessageHandler onMessage_;
  CloseHandler onClose_;
};

/// Runs a handler on the executor, off the fan-out path, one message at a time and in
/// order. Its backlog is bounded: when `backlogMax` messages wait, the next delivery is
/// refused and the subscriber dropped as a slow consumer.
///
/// How it ends:
///  - kGoingAway (its topic closed): the backlog is still handled, then onClose runs, then
///    it has finished (whenFinished), which is what lets the topic's close complete: once
///    Topic::close reports kCompleted, no handler of this subscriber runs again;
///  - any other reason: the backlog is discarded, a handler call in progress on another
///    thread is waited for, and onClose runs before close() returns, so nothing of it runs
///    after an unsubscribe() or a drop has returned (except the call that unsubscribed
///    itself, if it did so from inside its handler);
///  - if the executor refuses the task that would handle the backlog, the subscriber ends
///    itself: the backlog is discarded and onClose is told kAbandoned.
class AsyncHandlerSubscriber final : public Subscriber,
                                     public std::enable_shared_from_this<AsyncHandlerSubscriber> {
 public:
  static std::shared_ptr<AsyncHandlerSubscriber> create(Executor& executor, MessageHandler onMessage,
                                                        CloseHandler onClose = {},
                                                        std::size_t backlogMax = 1024);

  Delivery deliver(const MessagePtr& message) override;
  void close(CloseReason reason) override;
  void whenFinished(std::function<void()> finished) override;

 private:
  AsyncHandlerSubscriber(Executor& executor, MessageHandler onMessage, CloseHandler onClose,
                         std::size_t backlogMax);
  void runBacklog();
  void finishClose(CloseReason reason);

  Executor& executor_;
  MessageHandler onMessage_;
  CloseHandler onClose_;
  const std::size_t backlogMax_;

  // Held while a handler runs, so close() from another thread waits for it to finish.
  std::recursive_mutex callMutex_;
  std::mutex mutex_;
  std::deque<MessagePtr> backlog_;
  bool running_ = false;
  std::optional<CloseReason> closeReason_;
  bool closeStarted_ = false;   // onClose is running or has run
  bool closeFinished_ = false;  // onClose has returned
  std::function<void()> finished_;
};

}  // namespace spread::core
