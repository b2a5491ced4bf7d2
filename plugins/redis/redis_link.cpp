#include "redis_link.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "channel_subscriptions.h"
#include "epoll_loop.h"
#include "redis_connection.h"
#include "reply_text.h"

namespace spread::plugins::redis {

namespace {

constexpr std::uint8_t kPublisherSlot = 1;
constexpr std::uint8_t kSubscriberSlot = 2;
// The loop wakes at least this often even with nothing due, which bounds the harm of a missed wake-up.
constexpr std::chrono::milliseconds kIdleWaitMax{1000};

RedisLinkOptions checked(RedisLinkOptions options) {
  std::string problem = validateOptions(options);
  if (!problem.empty()) throw std::invalid_argument("redis link options: " + problem);
  return options;
}

std::string_view elementText(const redisReply& reply, std::size_t index) {
  const redisReply* element = reply.element[index];
  if (element == nullptr || element->type != REDIS_REPLY_STRING) return {};
  return {element->str, element->len};
}

}  // namespace

RedisLink::RedisLink(RedisLinkOptions options, RedisLinkHandlers handlers)
    : options_(checked(std::move(options))), handlers_(std::move(handlers)) {
  std::string server = "redis " + options_.host + ":" + std::to_string(options_.port);
  state_ = {false, "connecting to " + server};
  publisherReason_ = subscriberReason_ = state_.reason;
}

RedisLink::~RedisLink() { stop(); }

void RedisLink::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  loop_ = std::make_unique<EpollLoop>();
  subscriptions_ = std::make_unique<ChannelSubscriptions>();
  RedisConnection::Listener publisherEvents;
  publisherEvents.ready = [this] { updateState(); };
  publisherEvents.lost = [this](const std::string& reason, std::chrono::milliseconds) {
    publisherReason_ = reason;
    updateState();
  };
  publisher_ = std::make_unique<RedisConnection>("publishing", options_, *loop_, kPublisherSlot, publisherEvents);
  RedisConnection::Listener subscriberEvents;
  subscriberEvents.ready = [this] {
    subscriberReady_ = true;
    reconcile(true);
    updateState();
  };
  subscriberEvents.lost = [this](const std::string& reason, std::chrono::milliseconds) {
    subscriberReason_ = reason;
    subscriberReady_ = false;
    subscriptions_->connectionLost();
    updateState();
  };
  subscriberEvents.push = [this](const redisReply& push) { onPush(push); };
  subscriber_ = std::make_unique<RedisConnection>("subscribing", options_, *loop_, kSubscriberSlot, subscriberEvents);
  thread_ = std::thread([this] { run(); });
}

void RedisLink::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (!thread_.joinable()) return;
  if (std::this_thread::get_id() == thread_.get_id()) return;  // The loop sees stopping_ and ends; ~RedisLink joins.
  loop_->wake();
  thread_.join();
}

PublishAdmission RedisLink::publish(std::string channel, std::string payload,
                                    std::function<void(const PublishResult&)> done) {
  return command({"PUBLISH", std::move(channel), std::move(payload)},
                 [done = std::move(done)](const redisReply* reply, const std::string& failure) {
                   if (!done) return;
                   if (reply == nullptr) {
                     done({false, 0, failure});
                   } else if (reply->type == REDIS_REPLY_INTEGER) {
                     done({true, reply->integer, ""});
                   } else {
                     done({false, 0, "PUBLISH refused: " + replyText(*reply)});
                   }
                 });
}

PublishAdmission RedisLink::command(std::vector<std::string> argv, CommandDone done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return PublishAdmission::kRefusedStopped;
    if (!connected_.load()) return PublishAdmission::kRefusedNotConnected;
    if (pending_.load() >= options_.pendingCommandsMax) return PublishAdmission::kRefusedTooManyPending;
    ++pending_;
    queue_.push_back({std::move(argv), std::move(done)});
  }
  loop_->wake();  // Set before the thread started, and kept until the link is destroyed.
  return PublishAdmission::kAccepted;
}

void RedisLink::subscribe(std::string channel) {
  EpollLoop* loop = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!wanted_.insert(std::move(channel)).second) return;
    wantedChanged_ = true;
    loop = loop_.get();
  }
  if (loop != nullptr) loop->wake();
}

void RedisLink::unsubscribe(const std::string& channel) {
  EpollLoop* loop = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (wanted_.erase(channel) == 0) return;
    wantedChanged_ = true;
    loop = loop_.get();
  }
  if (loop != nullptr) loop->wake();
}

bool RedisLink::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !loop_) return false;
    posted_.push_back(std::move(task));
  }
  loop_->wake();
  return true;
}

LinkState RedisLink::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void RedisLink::finish(CommandRequest& request, const redisReply* reply, const std::string& failure) {
  // Counted down first, so a callback that sends again finds the room it freed.
  --pending_;
  auto done = std::move(request.done);
  if (done) done(reply, failure);
}

void RedisLink::sendTaken(std::deque<CommandRequest>& requests) {
  for (CommandRequest& request : requests) {
    if (!connected_.load()) {
      finish(request, nullptr, "not connected: " + publisherReason_);
      continue;
    }
    // The handler owns the callback; the arguments are copied into hiredis' buffer here.
    auto shared = std::make_shared<CommandRequest>(std::move(request));
    std::vector<std::string_view> argv(shared->argv.begin(), shared->argv.end());
    publisher_->command(argv, [this, shared](const redisReply* reply, const std::string& failure) {
      finish(*shared, reply, failure);
    });
  }
  requests.clear();
}

void RedisLink::reconcile(bool ready) {
  reconcileDue_ = false;
  if (!subscriberReady_) return;
  auto deadline = SteadyClock::now() + options_.commandTimeout;
  for (const auto& change : subscriptions_->reconcile(deadline, ready)) {
    std::vector<std::string_view> argv{change.subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE"};
    for (const std::string& channel : change.channels) argv.emplace_back(channel);
    // A refusal means the connection is closing; its loss starts the next resubscription.
    subscriber_->pubsub(argv);
  }
}

void RedisLink::heartbeat(SteadyClock::time_point now) {
  if (publisher_->phase() != RedisConnection::Phase::kReady) {
    nextHeartbeat_ = now + options_.heartbeatInterval;
    return;
  }
  // Any command in flight has a deadline already, which checks the server as well.
  if (publisher_->inFlight() > 0) nextHeartbeat_ = now + options_.heartbeatInterval;
  if (now < nextHeartbeat_) return;
  nextHeartbeat_ = now + options_.heartbeatInterval;
  publisher_->command({"PING"}, [this](const redisReply* reply, const std::string&) {
    if (reply != nullptr && !isStatus(*reply, "PONG")) publisher_->reset("PING answered with " + replyText(*reply));
  });
}

void RedisLink::onPush(const redisReply& push) {
  // ReplyGuard let through only arrays of two to four elements led by two bulk strings.
  if (push.type != REDIS_REPLY_ARRAY || push.elements < 2) return;
  std::string_view kind = elementText(push, 0);
  std::string_view channel = elementText(push, 1);
  if (kind == "message" && push.elements == 3) {
    if (!subscriptions_->wanted(channel)) return;  // Unsubscribed since; Redis had not heard yet.
    const redisReply* payload = push.element[2];
    if (payload->type != REDIS_REPLY_STRING) return;
    if (handlers_.message) handlers_.message(channel, {payload->str, payload->len});
  } else if (kind == "subscribe") {
    bool wanted = subscriptions_->subscribeConfirmed(channel);
    reconcileDue_ = true;
    if (wanted && handlers_.subscribed) handlers_.subscribed(channel);
  } else if (kind == "unsubscribe") {
    subscriptions_->unsubscribeConfirmed(channel);
    reconcileDue_ = true;
  }
}

void RedisLink::updateState() {
  LinkState next;
  bool publisherUp = publisher_->phase() == RedisConnection::Phase::kReady;
  bool subscriberUp = subscriberReady_ && subscriber_->phase() == RedisConnection::Phase::kReady;
  if (!publisherUp) {
    next = {false, publisherReason_};
  } else if (!subscriberUp) {
    next = {false, subscriberReason_};
  } else if (!subscriptions_->synced()) {
    next = {false, "redis " + options_.host + ":" + std::to_string(options_.port) +
                       ": subscribing again to " + std::to_string(subscriptions_->wantedCount()) + " channels"};
  } else {
    next = {true, "connected to redis " + options_.host + ":" + std::to_string(options_.port)};
  }
  {
    std::lock_guard lock(mutex_);
    if (next == state_) return;
    state_ = next;
    connected_.store(next.connected);
  }
  if (handlers_.state) handlers_.state(next);
}

void RedisLink::run() {
  std::string failure = "link stopped";
  try {
    serve();
  } catch (const std::exception& error) {
    // Only the loop itself (epoll_wait) throws; without it the link cannot go on.
    failure = std::string("link stopped: ") + error.what();
  }
  // Stopping: in-flight publishes fail as the connections close, queued ones here.
  publisher_->close(failure);
  subscriber_->close(failure);
  std::deque<CommandRequest> taken;
  std::deque<std::function<void()>> posted;
  {
    std::lock_guard lock(mutex_);
    taken.swap(queue_);
    posted.swap(posted_);
    stopping_ = true;
    connected_.store(false);
    state_ = {false, failure};
  }
  for (CommandRequest& request : taken) finish(request, nullptr, failure);
  for (auto& task : posted) task();
  if (failure != "link stopped" && handlers_.state) handlers_.state({false, failure});
}

void RedisLink::serve() {
  std::deque<CommandRequest> taken;
  std::deque<std::function<void()>> posted;
  while (true) {
    auto now = SteadyClock::now();
    auto wakeAt = now + kIdleWaitMax;
    std::optional<SteadyClock::time_point> heartbeatAt;
    if (publisher_->phase() == RedisConnection::Phase::kReady) heartbeatAt = nextHeartbeat_;
    for (auto deadline :
         {publisher_->nextDeadline(), subscriber_->nextDeadline(), subscriptions_->nextDeadline(), heartbeatAt}) {
      if (deadline) wakeAt = std::min(wakeAt, *deadline);
    }
    // Rounded up, so the loop does not wake a fraction of a millisecond early and spin.
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(std::max(wakeAt - now, SteadyClock::duration::zero()));
    for (const EpollLoop::Event& event : loop_->wait(wait)) {
      std::uint8_t slot = event.key & 0xff;
      (slot == kPublisherSlot ? *publisher_ : *subscriber_).handleEvents(event.key, event.events);
    }
    now = SteadyClock::now();
    publisher_->tick(now);
    subscriber_->tick(now);
    if (auto channel = subscriptions_->overdue(now)) {
      subscriber_->reset("(UN)SUBSCRIBE " + *channel + " not confirmed within commandTimeout (" +
                         std::to_string(options_.commandTimeout.count()) + " ms)");
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      taken.swap(queue_);
      posted.swap(posted_);
      if (wantedChanged_) {
        subscriptions_->want(wanted_);
        wantedChanged_ = false;
        reconcileDue_ = true;
      }
    }
    sendTaken(taken);
    for (auto& task : posted) task();
    posted.clear();
    heartbeat(SteadyClock::now());
    if (reconcileDue_) reconcile(false);
    updateState();
  }
}

}  // namespace spread::plugins::redis
