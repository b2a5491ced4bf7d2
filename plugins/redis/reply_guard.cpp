#include "reply_guard.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

namespace spread::plugins::redis {

namespace {

// Bounds the array hiredis allocates up front for a multi-bulk header (8 bytes per element).
constexpr long long kArrayElementsMax = 1 << 20;
// A pub/sub message is [kind, channel, payload] or [pmessage, pattern, channel, payload].
constexpr long long kPushElementsMin = 2;
constexpr long long kPushElementsMax = 4;

ReplyGuard& guardOf(const redisReadTask* task) { return *static_cast<ReplyGuard*>(task->privdata); }

std::string shown(const char* text, std::size_t length) {
  return std::string(text, std::min<std::size_t>(length, 200));
}

}  // namespace

// hiredis calls these through a C function table; each screens the object, then lets
// hiredis' own builder make it.
struct ReplyGuardHooks {
  static bool admit(const redisReadTask* task, int type, long long elements, const char* text, std::size_t length) {
    ReplyGuard& guard = guardOf(task);
    if (task->parent == nullptr) return guard.admitRoot(type, elements, text, length);
    return guard.admitChild(*task, text, length);
  }
  static void* createString(const redisReadTask* task, char* text, std::size_t length) {
    if (!admit(task, task->type, 0, text, length)) return nullptr;
    return guardOf(task).inner_->createString(task, text, length);
  }
  static void* createArray(const redisReadTask* task, int elements) {
    if (elements > kArrayElementsMax) {
      guardOf(task).refuse("redis sent an array of " + std::to_string(elements) + " elements");
      return nullptr;
    }
    if (!admit(task, REDIS_REPLY_ARRAY, elements, nullptr, 0)) return nullptr;
    return guardOf(task).inner_->createArray(task, elements);
  }
  static void* createInteger(const redisReadTask* task, long long value) {
    if (!admit(task, REDIS_REPLY_INTEGER, 0, nullptr, 0)) return nullptr;
    return guardOf(task).inner_->createInteger(task, value);
  }
  static void* createNil(const redisReadTask* task) {
    if (!admit(task, REDIS_REPLY_NIL, 0, nullptr, 0)) return nullptr;
    return guardOf(task).inner_->createNil(task);
  }
  static void freeObject(void* object) {
    // hiredis frees through the reader's table with no task at hand; its own
    // freeReplyObject is the only kind of object the builders make.
    freeReplyObject(object);
  }
};

namespace {
redisReplyObjectFunctions guardedFunctions = {
    ReplyGuardHooks::createString, ReplyGuardHooks::createArray, ReplyGuardHooks::createInteger,
    ReplyGuardHooks::createNil, ReplyGuardHooks::freeObject};
}  // namespace

void ReplyGuard::install(redisContext* context) {
  context_ = context;
  inner_ = context->reader->fn;
  context->reader->fn = &guardedFunctions;
  context->reader->privdata = this;
}

bool ReplyGuard::refuse(std::string why) {
  if (refusal_.empty()) refusal_ = std::move(why);
  return false;
}

bool ReplyGuard::admitRoot(int type, long long elements, const char* text, std::size_t length) {
  checkingPush_ = false;
  pushIsUnsubscribe_ = false;
  // hiredis hands a reply to the oldest waiting command first, subscribed or not.
  if (repliesOwed_ > 0) {
    --repliesOwed_;
    return true;
  }
  if (type == REDIS_REPLY_ERROR) return refuse("redis sent an error no command was waiting for: " + shown(text, length));
  if ((context_->flags & REDIS_SUBSCRIBED) == 0) return refuse("redis sent a reply no command was waiting for");
  if (type != REDIS_REPLY_ARRAY) return refuse("redis sent a pub/sub message that is not an array");
  if (elements < kPushElementsMin || elements > kPushElementsMax) {
    return refuse("redis sent a pub/sub message of " + std::to_string(elements) + " elements");
  }
  checkingPush_ = true;
  return true;
}

bool ReplyGuard::admitChild(const redisReadTask& task, const char* text, std::size_t length) {
  if (!checkingPush_ || task.parent->parent != nullptr) return true;
  if (task.idx <= 1) {
    if (task.type != REDIS_REPLY_STRING || text == nullptr) {
      return refuse("redis sent a pub/sub message whose element " + std::to_string(task.idx) +
                    " is not a bulk string");
    }
    if (task.idx == 0) {
      auto is = [&](const char* word) { return length == std::strlen(word) && ::strncasecmp(text, word, length) == 0; };
      pushIsUnsubscribe_ = is("unsubscribe") || is("punsubscribe");
      if (pushIsUnsubscribe_ && task.parent->elements < 3) return refuse("redis sent an unsubscribe without its count");
    }
    return true;
  }
  if (task.idx == 2 && pushIsUnsubscribe_ && task.type != REDIS_REPLY_INTEGER) {
    return refuse("redis sent an unsubscribe whose count is not an integer");
  }
  return true;
}

}  // namespace spread::plugins::redis
