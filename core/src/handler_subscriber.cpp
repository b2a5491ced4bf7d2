#include "spread/core/handler_subscriber.h"

#include <utility>

namespace spread::core {

HandlerSubscriber::HandlerSubscriber(MessageHandler onMessage, CloseHandler onClose)
    : onMessage_(std::move(onMessage)), onClose_(std::move(onClose)) {}

Delivery HandlerSubscriber::deliver(const MessagePtr& message) {
  try {
    onMessage_(message);
  } catch (...) {
    return Delivery::kFailed;
  }
  return Delivery::kAccepted;
}

void HandlerSubscriber::close(CloseReason reason) {
  if (!onClose_) return;
  try {
    onClose_(reason);
  } catch (...) {
    // The subscription is over either way; a throwing close handler cannot undo that.
  }
}

std::shared_ptr<AsyncHandlerSubscriber> AsyncHandlerSubscriber::create(
    Executor& executor, MessageHandler onMessage, CloseHandler onClose, std::size_t backlogMax) {
  return std::shared_ptr<AsyncHandlerSubscriber>(new AsyncHandlerSubscriber(
      executor, std::move(onMessage), std::move(onClose), backlogMax));
}

AsyncHandlerSubscriber::AsyncHandlerSubscriber(Executor& executor, MessageHandler onMessage,
                                               CloseHandler onClose, std::size_t backlogMax)
    : executor_(executor),
      onMessage_(std::move(onMessage)),
      onClose_(std::move(onClose)),
      backlogMax_(backlogMax) {}

Delivery AsyncHandlerSubscriber::deliver(const MessagePtr& message) {
  std::lock_guard lock(mutex_);
  if (closeReason_) {
    // A subscriber that ended itself (its handler threw, or its task was refused) says so,
    // which lets the topic forget it.
    const bool failed = *closeReason_ == CloseReason::kHandlerFailed || *closeReason_ == CloseReason::kAbandoned;
    return failed ? Delivery::kFailed : Delivery::kAccepted;
  }
  if (backlog_.size() >= backlogMax_) return Delivery::kFull;
  backlog_.push_back(message);
  if (running_) return Delivery::kAccepted;
  running_ = true;
  if (executor_.post([self = shared_from_this()] { self->runBacklog(); })) return Delivery::kAccepted;
  // The executor has stopped: nothing would ever handle the backlog. The topic, told
  // kFailed, ends the subscription, and close() reports this reason rather than its own.
  running_ = false;
  backlog_.clear();
  closeReason_ = CloseReason::kAbandoned;
  return Delivery::kFailed;
}

void AsyncHandlerSubscriber::close(CloseReason reason) {
  // Waiting for callMutex_ is what guarantees that no handler call is in flight, or
  // starts, once an unsubscribe has returned.
  std::lock_guard call(callMutex_);
  std::optional<CloseReason> finishWith;
  {
    std::lock_guard lock(mutex_);
    if (!closeReason_) {
      closeReason_ = reason;
      if (reason != CloseReason::kGoingAway) backlog_.clear();
    }
    // A subscriber that ended itself reports why it did. Holding callMutex_, no handler
    // call is in flight, so only a backlog still to be handled (kGoingAway) makes the close
    // wait for the backlog task; that task then finishes it once it has run dry.
    if (!running_ || *closeReason_ != CloseReason::kGoingAway) finishWith = closeReason_;
  }
  if (finishWith) finishClose(*finishWith);
}

void AsyncHandlerSubscriber::whenFinished(std::function<void()> finished) {
  {
    std::lock_guard lock(mutex_);
    if (!closeFinished_) {
      finished_ = std::move(finished);
      return;
    }
  }
  finished();
}

void AsyncHandlerSubscriber::runBacklog() {
  for (;;) {
    std::lock_guard call(callMutex_);
    MessagePtr next;
    std::optional<CloseReason> closing;
    {
      std::lock_guard lock(mutex_);
      if (backlog_.empty()) {
        running_ = false;
        closing = closeReason_;
      } else {
        next = std::move(backlog_.front());
        backlog_.pop_front();
      }
    }
    if (!next) {
      if (closing) finishClose(*closing);
      return;
    }
    try {
      onMessage_(next);
    } catch (...) {
      // The topic only learns of failures during deliver(); here the subscriber ends
      // itself, without taking further messages.
      {
        std::lock_guard lock(mutex_);
        backlog_.clear();
        if (!closeReason_) closeReason_ = CloseReason::kHandlerFailed;
      }
      continue;
    }
  }
}

void AsyncHandlerSubscriber::finishClose(CloseReason reason) {
  {
    std::lock_guard lock(mutex_);
    if (closeStarted_) return;
    closeStarted_ = true;
  }
  if (onClose_) {
    try {
      onClose_(reason);
    } catch (...) {
    }
  }
  std::function<void()> finished;
  {
    std::lock_guard lock(mutex_);
    closeFinished_ = true;
    finished = std::move(finished_);
  }
  if (finished) finished();
}

}  // namespace spread::core
