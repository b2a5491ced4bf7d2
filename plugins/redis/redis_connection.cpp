#include "redis_connection.h"

#include <sys/epoll.h>

#include <cstring>
#include <memory>
#include <random>
#include <utility>

#include "reply_text.h"

namespace spread::plugins::redis {

namespace {

RandomSource randomOrDefault(const RandomSource& random) {
  if (random) return random;
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

std::string milliseconds(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

}  // namespace

// The C entry points hiredis calls; `data` is the RedisConnection set as ev.data.
struct RedisConnection::Hooks {
  static RedisConnection& of(void* data) { return *static_cast<RedisConnection*>(data); }
  static void addRead(void* data) { of(data).setInterest(of(data).interest_ | EPOLLIN); }
  static void delRead(void* data) { of(data).setInterest(of(data).interest_ & ~std::uint32_t{EPOLLIN}); }
  static void addWrite(void* data) { of(data).setInterest(of(data).interest_ | EPOLLOUT); }
  static void delWrite(void* data) { of(data).setInterest(of(data).interest_ & ~std::uint32_t{EPOLLOUT}); }
  static void cleanup(void* data) { of(data).detach(); }
  static void reply(redisAsyncContext* context, void* reply, void* privdata) {
    auto* target = static_cast<CallbackTarget*>(privdata);
    if (target->push) {
      target->connection->onPush(static_cast<const redisReply*>(reply));
    } else {
      target->connection->onReply(context, static_cast<const redisReply*>(reply));
    }
  }
};

RedisConnection::RedisConnection(std::string name, const RedisLinkOptions& options, EpollLoop& loop,
                                 std::uint8_t slot, Listener listener)
    : name_(std::move(name)),
      options_(options),
      loop_(loop),
      slot_(slot),
      listener_(std::move(listener)),
      backoff_(options.backoffMin, options.backoffMax, randomOrDefault(options.random)) {}

RedisConnection::~RedisConnection() { close("link stopped"); }

std::string RedisConnection::describe(const std::string& what) const {
  return "redis " + options_.host + ":" + std::to_string(options_.port) + " (" + name_ + " connection): " + what;
}

void RedisConnection::startConnect() {
  phase_ = Phase::kConnecting;
  connectDeadline_ = SteadyClock::now() + options_.connectTimeout;
  closeReason_.clear();
  freeing_ = false;
  redisAsyncContext* context = redisAsyncConnect(options_.host.c_str(), options_.port);
  if (context == nullptr) {
    closeReason_ = "out of memory";
    return;
  }
  if (context->err != 0) {
    // Nothing is attached yet: hiredis frees it without calling back.
    closeReason_ = context->errstr;
    redisAsyncFree(context);
    return;
  }
  // An idle connection sends nothing, so only TCP keepalive notices a peer that vanished
  // without a reset (hiredis' default: probes after 15 s). A failure here costs only that.
  redisEnableKeepAlive(&context->c);
  if (int error = loop_.add(context->c.fd, key(), 0); error != 0) {
    closeReason_ = std::string("epoll_ctl: ") + std::strerror(error);
    redisAsyncFree(context);
    return;
  }
  context_ = context;
  fd_ = context->c.fd;
  interest_ = 0;
  context->ev.data = this;
  context->ev.addRead = &Hooks::addRead;
  context->ev.delRead = &Hooks::delRead;
  context->ev.addWrite = &Hooks::addWrite;
  context->ev.delWrite = &Hooks::delWrite;
  context->ev.cleanup = &Hooks::cleanup;
  guard_ = ReplyGuard();
  guard_.install(&context->c);
  sendHandshake();
}

void RedisConnection::sendHandshake() {
  // Pipelined: all three leave at once when the TCP connect completes. A refusal closes the
  // connection; the commands after it then fail with the refusal as the reason, and do nothing.
  auto expectOk = [this](std::string what) {
    return [this, what = std::move(what)](const redisReply* reply, const std::string&) {
      if (reply == nullptr) return;
      if (!isStatus(*reply, "OK")) freeContext(what + " refused: " + replyText(*reply));
    };
  };
  if (!options_.password.empty()) send({"AUTH", options_.password}, "AUTH", connectDeadline_, expectOk("AUTH"));
  std::string db = std::to_string(options_.db);
  send({"SELECT", db}, "SELECT", connectDeadline_, expectOk("SELECT " + db));
  send({"PING"}, "PING", connectDeadline_, [this](const redisReply* reply, const std::string&) {
    if (reply == nullptr) return;
    if (!isStatus(*reply, "PONG")) {
      freeContext("PING answered with " + replyText(*reply));
      return;
    }
    phase_ = Phase::kReady;
    readyDue_ = true;
    backoff_.reset();
  });
}

void RedisConnection::send(const std::vector<std::string_view>& argv, std::string name,
                           SteadyClock::time_point deadline, ReplyHandler done) {
  std::vector<const char*> arguments;
  std::vector<std::size_t> lengths;
  for (std::string_view argument : argv) {
    arguments.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  ++inHiredis_;
  int status = redisAsyncCommandArgv(context_, &Hooks::reply, &inOrder_, static_cast<int>(argv.size()),
                                     arguments.data(), lengths.data());
  --inHiredis_;
  if (status != REDIS_OK) {
    done(nullptr, describe("could not send " + name + " (the connection is closing)"));
    return;
  }
  guard_.expectReply();
  pending_.push_back({deadline, std::move(name), std::move(done)});
}

void RedisConnection::command(const std::vector<std::string_view>& argv, ReplyHandler done) {
  if (phase_ != Phase::kReady || freeing_ || context_ == nullptr) {
    done(nullptr, describe("not connected"));
    return;
  }
  std::string name(argv.empty() ? std::string_view("command") : argv.front());
  send(argv, std::move(name), SteadyClock::now() + options_.commandTimeout, std::move(done));
  settle();
}

bool RedisConnection::pubsub(const std::vector<std::string_view>& argv) {
  if (phase_ != Phase::kReady || freeing_ || context_ == nullptr) return false;
  std::vector<const char*> arguments;
  std::vector<std::size_t> lengths;
  for (std::string_view argument : argv) {
    arguments.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  ++inHiredis_;
  int status = redisAsyncCommandArgv(context_, &Hooks::reply, &pushes_, static_cast<int>(argv.size()),
                                     arguments.data(), lengths.data());
  --inHiredis_;
  settle();
  return status == REDIS_OK;
}

void RedisConnection::onReply(redisAsyncContext* context, const redisReply* reply) {
  if (pending_.empty()) {
    // hiredis placed a reply no command waits for (ReplyGuard stops the cases it would
    // assert on; this is what is left): the stream can no longer be trusted.
    if (reply != nullptr) freeContext("redis sent a reply no command was waiting for");
    return;
  }
  Pending pending = std::move(pending_.front());
  pending_.pop_front();
  if (reply == nullptr) {
    if (closeReason_.empty()) {
      closeReason_ = !guard_.refusal().empty() ? guard_.refusal()
                     : context->c.err != 0     ? std::string(context->c.errstr)
                                               : "connection closed";
    }
    pending.done(nullptr, describe(closeReason_));
    return;
  }
  pending.done(reply, "");
}

void RedisConnection::onPush(const redisReply* reply) {
  // A null push is hiredis freeing its subscription table: the loss is reported by settle().
  if (reply != nullptr && listener_.push) listener_.push(*reply);
}

void RedisConnection::setInterest(std::uint32_t events) {
  if (events == interest_ || fd_ < 0) return;
  interest_ = events;
  // Called from inside hiredis: the connection is closed once hiredis has returned (settle()).
  if (int error = loop_.modify(fd_, key(), events); error != 0 && pollFailure_.empty()) {
    pollFailure_ = std::string("epoll_ctl: ") + std::strerror(error);
  }
}

void RedisConnection::detach() {
  if (closeReason_.empty()) {
    closeReason_ = !guard_.refusal().empty()  ? guard_.refusal()
                   : context_->c.err != 0    ? std::string(context_->c.errstr)
                                             : "connection closed";
  }
  if (fd_ >= 0) loop_.remove(fd_);
  fd_ = -1;
  interest_ = 0;
  context_ = nullptr;
  freeing_ = false;
  ++generation_;
}

void RedisConnection::freeContext(const std::string& reason) {
  if (context_ == nullptr || freeing_) return;
  if (closeReason_.empty()) closeReason_ = reason;
  freeing_ = true;
  // Inside a hiredis callback this only marks the context; hiredis frees it on return.
  ++inHiredis_;
  redisAsyncFree(context_);
  --inHiredis_;
}

void RedisConnection::settle() {
  if (inHiredis_ > 0) return;
  if (!pollFailure_.empty()) {
    std::string failure = std::move(pollFailure_);
    pollFailure_.clear();
    freeContext(failure);
  }
  if (context_ == nullptr && (phase_ == Phase::kConnecting || phase_ == Phase::kReady)) {
    std::string reason = describe(closeReason_.empty() ? "connection closed" : closeReason_);
    while (!pending_.empty()) {
      Pending pending = std::move(pending_.front());
      pending_.pop_front();
      pending.done(nullptr, reason);
    }
    readyDue_ = false;
    phase_ = Phase::kWaiting;
    auto delay = backoff_.next();
    retryAt_ = SteadyClock::now() + delay;
    closeReason_.clear();
    if (listener_.lost) listener_.lost(reason, delay);
    return;
  }
  if (readyDue_ && phase_ == Phase::kReady) {
    readyDue_ = false;
    if (listener_.ready) listener_.ready();
  }
}

void RedisConnection::handleEvents(std::uint64_t key, std::uint32_t events) {
  if (key != this->key() || context_ == nullptr) return;  // An event of a context already closed.
  ++inHiredis_;
  bool connected = (context_->c.flags & REDIS_CONNECTED) != 0;
  if ((events & EPOLLOUT) != 0 || (!connected && (events & (EPOLLERR | EPOLLHUP)) != 0)) {
    redisAsyncHandleWrite(context_);
  }
  if (context_ != nullptr && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) redisAsyncHandleRead(context_);
  --inHiredis_;
  if (context_ != nullptr && !freeing_) {
    const redisReader* reader = context_->c.reader;
    if (reader->len - reader->pos > options_.replyBytesMax) {
      freeContext("a reply is larger than replyBytesMax (" + std::to_string(options_.replyBytesMax) + " bytes)");
    }
  }
  settle();
}

void RedisConnection::tick(SteadyClock::time_point now) {
  switch (phase_) {
    case Phase::kWaiting:
      if (now >= retryAt_) startConnect();
      break;
    case Phase::kConnecting:
      if (now >= connectDeadline_) {
        freeContext("not connected and answering within connectTimeout (" + milliseconds(options_.connectTimeout) +
                    ")");
      }
      break;
    case Phase::kReady:
      if (!pending_.empty() && now >= pending_.front().deadline) {
        freeContext(pending_.front().name + " not answered within commandTimeout (" +
                    milliseconds(options_.commandTimeout) + ")");
      }
      break;
    case Phase::kClosed:
      break;
  }
  settle();
}

std::optional<SteadyClock::time_point> RedisConnection::nextDeadline() const {
  switch (phase_) {
    case Phase::kWaiting:
      return retryAt_;
    case Phase::kConnecting:
      return connectDeadline_;
    case Phase::kReady:
      if (!pending_.empty()) return pending_.front().deadline;
      return std::nullopt;
    case Phase::kClosed:
      return std::nullopt;
  }
  return std::nullopt;
}

void RedisConnection::reset(const std::string& reason) {
  freeContext(reason);
  settle();
}

void RedisConnection::close(const std::string& reason) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  freeContext(reason);
  std::string failure = describe(reason);
  while (!pending_.empty()) {
    Pending pending = std::move(pending_.front());
    pending_.pop_front();
    pending.done(nullptr, failure);
  }
}

}  // namespace spread::plugins::redis
