#include "redis_backplane.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "reply_text.h"

namespace spread::plugins::redis {

namespace {

// KEYS: meta hash, log stream. ARGV: a fresh epoch (used only when the log does not exist),
// the bytes, the stream's MAXLEN (0: no stream), the TTL in ms (0: none), the channel.
// A missing meta hash means the log was lost (expired, flushed, evicted): whatever is left
// of the stream goes too, so that offsets restart at 1 under the new epoch. Numbers are
// formatted with %d: Lua's own conversion would write big ones in exponent form.
constexpr const char* kAppendScript = R"lua(
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local maxlen = tonumber(ARGV[3])
if maxlen > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, string.format('%d-0', offset), 'b', ARGV[2])
end
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  if maxlen > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
redis.call('PUBLISH', ARGV[5], epoch .. ':' .. string.format('%d', offset) .. ':' .. ARGV[2])
return {epoch, string.format('%d', offset)}
)lua";

// KEYS: meta hash, log stream. ARGV: the first id wanted ("<offset>-0") or "tail", the count.
// Returns {epoch or "0", last offset, entries}; meta and entries in one atomic step.
constexpr const char* kReadScript = R"lua(
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'offset')
if not meta[1] then return {'0', '0', {}} end
local entries
if ARGV[1] == 'tail' then
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[2])
else
  entries = redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])
end
return {meta[1], meta[2] or '0', entries}
)lua";

std::string sha1Of(const std::string& text) {
  Poco::SHA1Engine engine;
  engine.update(text);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

RedisBackplaneOptions checked(RedisBackplaneOptions options) {
  std::string problem = validateBackplaneOptions(options);
  if (!problem.empty()) throw std::invalid_argument("redis backplane options: " + problem);
  return options;
}

std::optional<std::uint64_t> numberIn(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view stringOf(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_STRING) return {};
  return {reply->str, reply->len};
}

// One stream entry, [id, [field, value]], as a LogEntry; nullopt when it is not shaped so.
std::optional<core::LogEntry> entryOf(const redisReply* entry) {
  if (entry == nullptr || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return std::nullopt;
  std::string_view id = stringOf(entry->element[0]);
  const redisReply* fields = entry->element[1];
  if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY || fields->elements != 2) return std::nullopt;
  if (fields->element[1] == nullptr || fields->element[1]->type != REDIS_REPLY_STRING) return std::nullopt;
  auto dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto offset = numberIn(id.substr(0, dash));
  if (!offset) return std::nullopt;
  return core::LogEntry{*offset, std::string(stringOf(fields->element[1]))};
}

}  // namespace

RedisBackplane::RedisBackplane(RedisBackplaneOptions options)
    : options_(checked(std::move(options))),
      appendScript_(kAppendScript),
      readScript_(kReadScript),
      appendSha_(sha1Of(appendScript_)),
      readSha_(sha1Of(readScript_)),
      epochRandom_(std::random_device{}()) {
  RedisLinkHandlers handlers;
  handlers.message = [this](std::string_view channel, std::string_view payload) { onMessage(channel, payload); };
  handlers.state = [this](const LinkState& state) { onState(state); };
  handlers.subscribed = [this](std::string_view channel) {
    if (auto topic = topicOf(channel); topic && listener_ != nullptr) listener_->onFollowing(*topic);
  };
  link_ = std::make_unique<RedisLink>(options_.link, std::move(handlers));
}

RedisBackplane::~RedisBackplane() { stop(); }

void RedisBackplane::start(core::BackplaneListener& listener) {
  // Set before the link's thread exists, which then only reads it.
  listener_ = &listener;
  link_->start();
}

void RedisBackplane::stop() { link_->stop(); }

std::string RedisBackplane::server() const {
  return options_.link.host + ":" + std::to_string(options_.link.port);
}

std::string RedisBackplane::channelOf(std::string_view topic) const {
  return options_.prefix + "{" + std::string(topic) + "}";
}

std::optional<std::string_view> RedisBackplane::topicOf(std::string_view channel) const {
  if (!channel.starts_with(options_.prefix)) return std::nullopt;
  channel.remove_prefix(options_.prefix.size());
  if (channel.size() < 2 || channel.front() != '{' || channel.back() != '}') return std::nullopt;
  return channel.substr(1, channel.size() - 2);
}

std::uint64_t RedisBackplane::freshEpoch() {
  if (options_.epochSource) return options_.epochSource();
  std::lock_guard lock(epochMutex_);
  std::uint64_t epoch = 0;
  while (epoch == 0) epoch = epochRandom_() >> 1;  // 63 bits: fits Redis' and Lua's signed integers as text
  return epoch;
}

void RedisBackplane::runScript(const std::string& script, const std::string& sha, std::vector<std::string> keysAndArgs,
                               RedisLink::CommandDone done, bool retried) {
  std::vector<std::string> argv{retried ? "EVAL" : "EVALSHA", retried ? script : sha, "2"};
  argv.insert(argv.end(), keysAndArgs.begin(), keysAndArgs.end());
  auto shared = std::make_shared<RedisLink::CommandDone>(std::move(done));
  auto admission = link_->command(
      std::move(argv), [this, &script, &sha, keysAndArgs = std::move(keysAndArgs), shared, retried](
                           const redisReply* reply, const std::string& failure) mutable {
        // A restarted or flushed Redis forgot the script: send its text once, which also caches it again.
        if (!retried && reply != nullptr && reply->type == REDIS_REPLY_ERROR &&
            std::string_view(reply->str, reply->len).starts_with("NOSCRIPT")) {
          runScript(script, sha, std::move(keysAndArgs), std::move(*shared), true);
          return;
        }
        (*shared)(reply, failure);
      });
  if (admission == PublishAdmission::kAccepted) return;
  std::string problem = "redis " + server() + ": ";
  if (admission == PublishAdmission::kRefusedTooManyPending) {
    problem += std::to_string(options_.link.pendingCommandsMax) + " commands unanswered (pendingCommandsMax)";
  } else if (admission == PublishAdmission::kRefusedStopped) {
    problem = "stopped";
  } else {
    problem = link_->state().reason;
  }
  if (!link_->post([shared, problem] { (*shared)(nullptr, problem); })) (*shared)(nullptr, "stopped");
}

void RedisBackplane::append(std::string_view topic, std::string bytes, core::AppendDone done) {
  std::string hashTagged = options_.prefix + "{" + std::string(topic) + "}";
  std::vector<std::string> keysAndArgs{hashTagged + ":meta",
                                       hashTagged + ":log",
                                       std::to_string(freshEpoch()),
                                       std::move(bytes),
                                       std::to_string(options_.historySize),
                                       std::to_string(options_.historyTtl.count()),
                                       hashTagged};
  runScript(appendScript_, appendSha_, std::move(keysAndArgs),
            [this, done = std::move(done)](const redisReply* reply, const std::string& failure) {
              core::AppendResult result;
              if (reply == nullptr) {
                result.problem = failure;
              } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
                auto epoch = numberIn(stringOf(reply->element[0]));
                auto offset = numberIn(stringOf(reply->element[1]));
                if (epoch && offset) result = {true, *offset, *epoch, ""};
              }
              if (!result.ok && result.problem.empty()) {
                result.problem = "redis " + server() + ": append answered with " +
                                 (reply == nullptr ? std::string("nothing") : replyText(*reply));
              }
              (result.ok ? appends_ : appendFailures_).fetch_add(1);
              done(std::move(result));
            });
}

void RedisBackplane::read(std::string_view topic, std::uint64_t after, std::size_t countMax, core::ReadDone done) {
  std::string hashTagged = options_.prefix + "{" + std::string(topic) + "}";
  // Ids are "<offset>-0", so the first id after `after` is after+1 (kTail reads from the end).
  std::string from = after == kTail ? "tail" : std::to_string(after + 1) + "-0";
  std::vector<std::string> keysAndArgs{hashTagged + ":meta", hashTagged + ":log", std::move(from),
                                       std::to_string(std::max<std::size_t>(countMax, 1))};
  runScript(readScript_, readSha_, std::move(keysAndArgs),
            [this, after, countMax, done = std::move(done)](const redisReply* reply, const std::string& failure) {
              core::LogRead result;
              if (reply == nullptr) {
                result.problem = failure;
                done(std::move(result));
                return;
              }
              std::optional<std::uint64_t> epoch;
              std::optional<std::uint64_t> last;
              if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
                  reply->element[2]->type == REDIS_REPLY_ARRAY) {
                epoch = numberIn(stringOf(reply->element[0]));
                last = numberIn(stringOf(reply->element[1]));
              }
              if (epoch && last) {
                result = {true, *epoch, *last, {}, ""};
                const redisReply* entries = reply->element[2];
                for (std::size_t i = 0; i < entries->elements && result.entries.size() < countMax; ++i) {
                  auto entry = entryOf(entries->element[i]);
                  if (!entry) {
                    result = {};
                    break;
                  }
                  result.entries.push_back(std::move(*entry));
                }
                if (after == kTail) std::reverse(result.entries.begin(), result.entries.end());
              }
              if (!result.ok) result.problem = "redis " + server() + ": read answered with " + replyText(*reply);
              done(std::move(result));
            });
}

void RedisBackplane::follow(std::string_view topic) { link_->subscribe(channelOf(topic)); }

void RedisBackplane::unfollow(std::string_view topic) { link_->unsubscribe(channelOf(topic)); }

void RedisBackplane::onMessage(std::string_view channel, std::string_view payload) {
  auto topic = topicOf(channel);
  auto firstColon = payload.find(':');
  auto secondColon = firstColon == std::string_view::npos ? firstColon : payload.find(':', firstColon + 1);
  if (!topic || secondColon == std::string_view::npos) {
    malformedDropped_.fetch_add(1);
    return;
  }
  auto epoch = numberIn(payload.substr(0, firstColon));
  auto offset = numberIn(payload.substr(firstColon + 1, secondColon - firstColon - 1));
  if (!epoch || !offset || *epoch == 0 || *offset == 0) {
    malformedDropped_.fetch_add(1);
    return;
  }
  entriesReceived_.fetch_add(1);
  listener_->onEntry(*topic, *epoch, core::LogEntry{*offset, std::string(payload.substr(secondColon + 1))});
}

void RedisBackplane::onState(const LinkState& state) {
  if (state.connected) {
    if (wasConnected_) reconnects_.fetch_add(1);
  }
  if (listener_ != nullptr) listener_->onAvailability(state.connected, state.connected ? "" : state.reason);
  if (state.connected) wasConnected_ = true;
}

RedisBackplaneCounters RedisBackplane::counters() const {
  return {appends_.load(), appendFailures_.load(), entriesReceived_.load(), malformedDropped_.load(),
          reconnects_.load()};
}

}  // namespace spread::plugins::redis
