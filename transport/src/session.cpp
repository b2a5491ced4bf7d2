#include "spread/transport/session.h"

#include <algorithm>
#include <utility>

#include "spread/transport/auth/authenticator.h"
#include "spread/transport/auth/token_refresh.h"
#include "spread/transport/message_position.h"

namespace spread::transport {

namespace {
// Messages handed to the connection per send() call: enough to fill a socket write,
// few enough that one busy session does not hold its lock for long.
constexpr std::size_t kSendBatchMax = 64;
}  // namespace

std::string resumeJson(const core::SubscribeResult& result) {
  const bool served =
      result.resume == core::ResumeOutcome::kNotAsked || result.resume == core::ResumeOutcome::kRecovered;
  std::string json = served ? R"({"resume":"ok")"
                            : std::string(R"({"resume":"impossible","reason":")") + core::describe(result.resume) + '"';
  json += R"(,"epoch":")" + epochHex(result.epoch) + R"(","offset":)" + std::to_string(result.liveAfter);
  if (served) json += R"(,"replayed":)" + std::to_string(result.replayed);
  json += '}';
  return json;
}

class Session::Guard {
 public:
  explicit Guard(Session& session) : session_(session) { session_.mutex_.lock(); }
  ~Guard() {
    session_.mutex_.unlock();
    if (session_.pumpOwed_.load()) session_.pumpIfOwed();
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  Session& session_;
};

void Session::pumpIfOwed() {
  while (pumpOwed_.load()) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    // Whoever holds the lock took it after the debt was recorded, so its release pays.
    if (!lock.owns_lock()) return;
    if (!pumpOwed_.exchange(false)) return;
    pumpLocked();
  }
}

struct Session::Allocated : Session {
  Allocated(TransportContext& context, std::shared_ptr<Connection> connection, std::string topic,
            std::unique_ptr<auth::Grant> grant, core::SubscribeFrom from, PresenceAsk presence)
      : Session(context, std::move(connection), std::move(topic), std::move(grant), from, std::move(presence)) {}
};

std::shared_ptr<Session> Session::create(TransportContext& context, std::shared_ptr<Connection> connection,
                                         std::string topic, std::unique_ptr<auth::Grant> grant,
                                         core::SubscribeFrom from, PresenceAsk presence) {
  return std::make_shared<Allocated>(context, std::move(connection), std::move(topic), std::move(grant), from,
                                     std::move(presence));
}

Session::Session(TransportContext& context, std::shared_ptr<Connection> connection, std::string topic,
                 std::unique_ptr<auth::Grant> grant, core::SubscribeFrom from, PresenceAsk presence)
    : context_(context),
      connection_(std::move(connection)),
      topic_(std::move(topic)),
      from_(from.kind == core::SubscribeFrom::Kind::kLive ? nullptr : std::make_unique<core::SubscribeFrom>(from)),
      token_(grant != nullptr ? std::make_unique<TokenState>(TokenState{std::move(*grant)}) : nullptr),
      presenceAsk_(context.presence != nullptr && (!presence.name.empty() || presence.events)
                       ? std::make_unique<PresenceAsk>(std::move(presence))
                       : nullptr),
      publishes_(context.session.publishRate(), context.clock.now()) {}

Session::~Session() {
  leavePresenceLocked();  // nobody else can hold the lock of a session being destroyed
  subscription_.unsubscribe();
  context_.executor.cancel(pingTimer_);
  if (token_) context_.executor.cancel(token_->expiryTimer);
}

// Even a reader holds the lock a refused wakeup may count on, so it pays like any holder:
// the Guard (which pumps) is why these casts away const.
Session::State Session::state() const {
  Guard lock(const_cast<Session&>(*this));
  return state_;
}

std::optional<CloseCode> Session::closeCode() const {
  Guard lock(const_cast<Session&>(*this));
  return closeCode_;
}

void Session::start() {
  Guard lock(*this);
  if (state_ != State::kNew) return;
  state_ = State::kOpen;
  lastHeard_ = context_.clock.now();

  core::TopicLookup lookup = context_.broker.topic(topic_);
  if (!lookup.ok()) {
    if (lookup.status == core::TopicLookup::Status::kShuttingDown) {
      context_.metrics.rejected(Rejection::kDraining);
      endLocked(CloseFrame{CloseCode::kGoingAway, kReasonShuttingDown});
    } else {
      context_.metrics.rejected(lookup.status == core::TopicLookup::Status::kTooManyTopics
                                    ? Rejection::kTooManyTopics
                                    : Rejection::kBadTopic);
      endLocked(CloseFrame{CloseCode::kPolicyViolation, "topic unavailable"});
    }
    return;
  }

  queue_ = std::make_shared<core::QueueSubscriber>(context_.session.queue, context_.faults);
  // The wakeup runs on the fan-out thread. A free session is pumped right there, which
  // spares an executor task per subscriber and message; a busy one gets a task instead,
  // so the fan-out never waits for a session's lock.
  queue_->setWakeup([weak = weak_from_this(), &executor = context_.executor] {
    auto self = weak.lock();
    if (!self) return;
    std::unique_lock lock(self->mutex_, std::try_to_lock);
    if (lock.owns_lock()) {
      self->pumpLocked();
      lock.unlock();
      self->pumpIfOwed();  // a wakeup refused while we held the lock counts on us
      return;
    }
    if (executor.post([weak] {
          if (auto self = weak.lock()) self->onWritable();
        })) {
      return;
    }
    // The executor has stopped and will not run the pump. Record the debt, then look at
    // the lock again: either it is free now and we pump, or its holder took it after the
    // debt was recorded and pumps when it lets go. So the close of an abandoned topic, or
    // a message, still reaches the client.
    self->pumpOwed_.store(true);
    self->pumpIfOwed();
  });
  core::SubscribeFrom from = from_ ? *from_ : core::SubscribeFrom::live();
  // A replay must fit the queue it lands in, or it would drop the client as too slow before
  // it read a byte: one too large for it is refused (a resume) or cut (the last N).
  from.replayMessagesMax = context_.session.queue.messagesMax;
  from.replayBytesMax = context_.session.queue.bytesMax;
  // A cluster's topic may decide a resume only once it has read its history: the answer is
  // then sent from the fan-out, still before the replay and any live message.
  from.decided = [weak = weak_from_this()](const core::SubscribeResult& decided) {
    auto self = weak.lock();
    if (!self) return;
    Guard lock(*self);
    if (self->state_ == State::kOpen) self->connection_->sendText(resumeJson(decided));
  };
  core::SubscribeResult subscribed = lookup.topic->subscribe(queue_, from);
  if (!subscribed.ok()) {
    endLocked(CloseFrame{CloseCode::kGoingAway, kReasonShuttingDown});
    return;
  }
  subscription_ = subscribed.handle;
  // Sent before any message: messages reach the connection only through pumpLocked, which
  // needs the lock this method holds (a wakeup that finds it held posts its pump instead).
  if (from_ && subscribed.resume != core::ResumeOutcome::kPending) connection_->sendText(resumeJson(subscribed));
  from_.reset();
  joinPresenceLocked();
  schedulePingLocked();
  if (token_) scheduleExpiryLocked();
}

void Session::joinPresenceLocked() {
  if (context_.presence == nullptr) return;
  const std::unique_ptr<PresenceAsk> ask = std::move(presenceAsk_);
  PresenceSink sink;
  if (ask && ask->events) {
    // The queue, not the session: a frame goes where messages go and is bounded as they are.
    sink = [queue = queue_, &clock = context_.clock](std::string json) {
      auto frame = std::make_shared<const core::Message>(0, clock.now(), core::Payload::raw(std::move(json)));
      if (queue->deliver(frame) != core::Delivery::kAccepted) queue->close(core::CloseReason::kSlowConsumer);
    };
  }
  presenceId_ = context_.presence->join(topic_, ask ? std::move(ask->name) : std::string(), std::move(sink));
}

void Session::leavePresenceLocked() {
  if (presenceId_.empty()) return;
  context_.presence->leave(topic_, std::exchange(presenceId_, {}));
}

void Session::onText(std::string text) {
  {
    Guard lock(*this);
    if (state_ != State::kOpen) return;
    const core::TimePoint now = context_.clock.now();
    lastHeard_ = now;
    if (!admitPublishLocked()) return;
    if (token_) {
      if (std::optional<std::string> token = auth::readTokenRefresh(text)) {
        refreshTokenLocked(*token);
        return;
      }
      if (!token_->grant.publish.allows(topic_)) {
        context_.metrics.rejected(Rejection::kForbidden);
        replyLocked(errorJson("your token does not allow publishing to topic '" + topic_ + "'", "token"));
        return;
      }
    }
    const std::size_t cost = text.size() + kHeldPublishOverheadBytes;
    if (heldBytes_ + cost > heldBytesMax(context_.session)) {
      context_.metrics.rejected(Rejection::kBusy);
      replyLocked(errorJson("too many of your messages are waiting for room in the topic; slow down"));
      return;
    }
    held_.push_back(HeldPublish{std::move(text), now});
    heldBytes_ += cost;
  }
  submitHeld();
}

void Session::submitHeld() {
  for (;;) {
    HeldPublish next;
    core::Duration waitMax{};
    std::string author;
    {
      Guard lock(*this);
      // Whoever is submitting comes back here when its publish returns, and takes this turn.
      if (submitting_) return;
      const bool turnsTaken = publishesWaiting_ >= kPublishesWaitingMax && state_ != State::kClosed;
      if (heldHead_ == held_.size() || turnsTaken) {
        updateReadHoldLocked();
        return;
      }
      next = std::move(held_[heldHead_++]);
      if (heldHead_ == held_.size()) {
        held_ = {};
        heldHead_ = 0;
      }
      heldBytes_ -= next.text.size() + kHeldPublishOverheadBytes;
      ++publishesWaiting_;
      submitting_ = true;
      // The wait counts from arrival: time spent held behind earlier publishes is spent.
      waitMax = std::max(core::Duration::zero(),
                         next.arrivedAt + context_.session.publishWaitMax - context_.clock.now());
      if (token_) author = token_->grant.subject;
    }
    // Outside the lock: the result may arrive inline, and reporting it takes the lock.
    auto reported = [weak = weak_from_this()](PublishResult result) {
      if (auto self = weak.lock()) self->onPublished(result);
    };
    if (author.empty()) {
      context_.publisher.publish(topic_, next.text, waitMax, std::move(reported));
    } else {
      context_.publisher.publishAs(author, topic_, next.text, waitMax, std::move(reported));
    }
    Guard lock(*this);
    submitting_ = false;
  }
}

void Session::onPublished(const PublishResult& result) {
  {
    Guard lock(*this);
    --publishesWaiting_;
    if (!result.ok() && state_ == State::kOpen) replyLocked(result.errorJson());
  }
  submitHeld();
}

void Session::updateReadHoldLocked() {
  // Once the session has ended the client's texts are ignored, and its close must be read.
  const bool hold = heldHead_ != held_.size() && state_ == State::kOpen;
  if (hold == readingHeld_) return;
  readingHeld_ = hold;
  // A client we stopped reading could not be heard meanwhile: its idleness counts from now.
  if (!hold) lastHeard_ = context_.clock.now();
  connection_->holdReading(hold);
}

bool Session::admitPublishLocked() {
  const char* refusal = nullptr;
  if (publishes_.take(context_.session.publishRate(), context_.clock.now())) {
    context_.metrics.limitRefused(Limit::kPublishesPerSecond);
    refusal = "too many publishes on this connection";
  } else if (connection_->admitPublish()) {
    context_.metrics.limitRefused(Limit::kAddressPublishesPerSecond);
    refusal = "too many publishes from this address";
  }
  if (refusal == nullptr) return true;
  context_.metrics.rejected(Rejection::kRateLimited);
  // The reason comes first as a message the client can read, then the close, as over HTTP
  // a 429 would come before the client is asked to slow down.
  connection_->sendText(errorJson(refusal));
  endLocked(CloseFrame{CloseCode::kPolicyViolation, kReasonRateExceeded});
  return false;
}

void Session::replyLocked(std::string json) {
  if (connection_->bytesQueued() >= context_.session.sendWindowBytes) {
    context_.metrics.rejected(Rejection::kUnreadReplies);
    context_.metrics.limitRefused(Limit::kSendWindow);
    endLocked(CloseFrame{CloseCode::kPolicyViolation, kReasonUnreadReplies});
    return;
  }
  connection_->sendText(std::move(json));
}

void Session::onHeard() {
  Guard lock(*this);
  lastHeard_ = context_.clock.now();
}

void Session::onWritable() {
  Guard lock(*this);
  pumpLocked();
}

void Session::pumpLocked() {
  if (state_ != State::kOpen || !queue_) return;
  const std::optional<core::CloseReason> ended = queue_->closeReason();
  if (ended == core::CloseReason::kSlowConsumer) {
    // An evicted reader is told at once; flushing its backlog would only delay that.
    queue_->discard();
    context_.metrics.slowConsumerDropped();
    if (context_.faults != nullptr && context_.faults->wrongDropCode) {
      endLocked(closeFrameFor(core::CloseReason::kGoingAway));  // the injected fault
      return;
    }
    endLocked(closeFrameFor(*ended));
    return;
  }
  if (ended == core::CloseReason::kGoingAway && context_.faults != nullptr && context_.faults->unflushedClose) {
    // The injected fault: a close that must flush first drops the backlog instead.
    queue_->discard();
    endLocked(closeFrameFor(*ended));
    return;
  }
  for (std::size_t queued = connection_->bytesQueued(); queued < context_.session.sendWindowBytes;
       queued = connection_->bytesQueued()) {
    // Only what the window has room for moves (the last message may pass it), so a
    // connection holds at most the window plus one message and its frame headers.
    const std::size_t budget = context_.session.sendWindowBytes - queued;
    std::vector<core::MessagePtr> batch = queue_->popUpTo(kSendBatchMax, budget);
    if (!batch.empty()) connection_->send(batch);
    // A batch short of both the count and the budget emptied the queue: the next delivery
    // wakes us, so asking once more would only take the queue's lock to find nothing. One
    // that reached the budget may not have filled the window after all, since the writer
    // may have drained it meanwhile (and then has no window opening to report): look again.
    std::size_t bytes = 0;
    for (const core::MessagePtr& message : batch) bytes += message->bytes().size();
    if (batch.size() < kSendBatchMax && bytes < budget) break;
  }
  if (ended && queue_->size() == 0) endLocked(closeFrameFor(*ended));
}

void Session::schedulePingLocked() {
  const core::TimePoint now = context_.clock.now();
  const core::TimePoint idleAt = lastHeard_ + context_.session.idleTimeout;
  const core::Duration untilIdle = std::max(core::Duration::zero(), idleAt - now);
  pingTimer_ = context_.executor.postAfter(std::min(context_.session.pingInterval, untilIdle),
                                           [weak = weak_from_this()] {
                                             if (auto self = weak.lock()) self->onPingTimer();
                                           });
  // Refused: the executor has stopped, which it does only as the server stops. Without its
  // timer the session could neither ping nor notice idleness, so it ends now.
  if (pingTimer_ == core::TimerId::kNone) endLocked(CloseFrame{CloseCode::kGoingAway, kReasonShuttingDown});
}

void Session::onPingTimer() {
  Guard lock(*this);
  pingTimer_ = core::TimerId::kNone;
  if (state_ != State::kOpen) return;
  // A client whose reading we hold is not idle, only unheard; the hold ends within
  // publishWaitMax of its last message, and idleness counts from then.
  if (!readingHeld_ && context_.clock.now() - lastHeard_ >= context_.session.idleTimeout) {
    endLocked(CloseFrame{CloseCode::kGoingAway, kReasonIdle});
    return;
  }
  connection_->ping();
  schedulePingLocked();
}

void Session::scheduleExpiryLocked() {
  // A fresh token without `exp` must also take the old one's expiry away.
  cancelExpiryLocked();
  if (!token_->grant.validFor || state_ != State::kOpen) return;
  token_->expiryTimer = context_.executor.postAfter(*token_->grant.validFor, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    Guard lock(*self);
    self->token_->expiryTimer = core::TimerId::kNone;
    self->endLocked(CloseFrame{CloseCode::kPolicyViolation, kReasonTokenExpired});
  });
  // Refused: the executor has stopped, as it does only when the server stops.
  if (token_->expiryTimer == core::TimerId::kNone) endLocked(CloseFrame{CloseCode::kGoingAway, kReasonShuttingDown});
}

void Session::cancelExpiryLocked() {
  if (!token_) return;
  context_.executor.cancel(token_->expiryTimer);
  token_->expiryTimer = core::TimerId::kNone;
}

void Session::refreshTokenLocked(std::string_view token) {
  auto refuse = [&](const std::string& why) {
    context_.metrics.rejected(Rejection::kUnauthorized);
    replyLocked(errorJson("the fresh token was refused: " + why, "token"));
  };
  if (context_.auth == nullptr) return refuse("this server does not check tokens");
  auto checked = context_.auth->authenticate(token);
  if (auto* failure = std::get_if<auth::AuthFailure>(&checked)) return refuse(failure->reason);
  auth::Grant& fresh = std::get<auth::Grant>(checked);
  if (fresh.subject != token_->grant.subject) return refuse("it names another subject than the token it replaces");
  if (!fresh.subscribe.allows(topic_)) return refuse("it does not allow subscribing to topic '" + topic_ + "'");
  token_->grant = std::move(fresh);
  scheduleExpiryLocked();
  replyLocked(R"({"token":"accepted"})");
}

void Session::onDisconnected() {
  {
    Guard lock(*this);
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    context_.executor.cancel(pingTimer_);
    cancelExpiryLocked();
    subscription_.unsubscribe();
    leavePresenceLocked();
  }
  // What the client sent before it hung up still goes to the topic, in order, though nobody
  // is left to hear how it went: once closed, held publishes go in without waiting their turn.
  submitHeld();
}

void Session::closeWith(CloseCode code, std::string_view reason) {
  Guard lock(*this);
  endLocked(CloseFrame{code, reason});
}

void Session::endLocked(CloseFrame farewell) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  state_ = State::kClosing;
  context_.executor.cancel(pingTimer_);
  pingTimer_ = core::TimerId::kNone;
  cancelExpiryLocked();
  subscription_.unsubscribe();
  leavePresenceLocked();
  closeCode_ = farewell.code;
  connection_->close(farewell.code, farewell.reason);
  updateReadHoldLocked();
}

}  // namespace spread::transport
