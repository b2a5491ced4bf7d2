#include "redis_presence.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <tuple>

#include <hiredis/hiredis.h>

#include "reply_text.h"
#include "spread/transport/chat_codec.h"
#include "spread/transport/random_bytes.h"

namespace spread::plugins::redis {

using transport::PresenceList;
using transport::PresenceListing;
using transport::PresenceMember;

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Ids are random rather than counted: they name members on every node, so they must not
// collide between nodes, and they must say nothing of each other (as the in-process ones).
std::string randomText(std::size_t chars, std::string_view alphabet) {
  std::vector<unsigned char> bytes(chars);
  transport::fillRandom(bytes.data(), bytes.size());
  std::string text(chars, '\0');
  // Both alphabets' sizes divide 256, so every character is equally likely.
  for (std::size_t i = 0; i < chars; ++i) text[i] = alphabet[bytes[i] % alphabet.size()];
  return text;
}

std::string admissionProblem(PublishAdmission admission, const LinkState& state) {
  switch (admission) {
    case PublishAdmission::kAccepted: return {};
    case PublishAdmission::kRefusedNotConnected: return state.reason.empty() ? "not connected" : state.reason;
    case PublishAdmission::kRefusedTooManyPending: return "too many commands waiting for redis";
    case PublishAdmission::kRefusedStopped: return "presence stopped";
  }
  return "refused";
}

// The entries a list reads come from other nodes' code: anything unexpected is skipped.
bool parseEntry(std::string_view field, std::string_view value, std::string& node, PresenceMember& member,
                std::int64_t& order, std::uint64_t& seq) {
  const std::size_t slash = field.find('/');
  if (slash == std::string_view::npos) return false;
  node = std::string(field.substr(0, slash));
  try {
    Poco::JSON::Parser parser;
    auto object = parser.parse(std::string(value)).extract<Poco::JSON::Object::Ptr>();
    if (object.isNull()) return false;
    member.id = object->getValue<std::string>("id");
    member.name = object->getValue<std::string>("name");
    order = object->getValue<std::int64_t>("o");
    seq = object->getValue<std::uint64_t>("seq");
  } catch (const std::exception&) {  // Poco's exceptions are std::exceptions too
    return false;
  }
  return member.id == field.substr(slash + 1);
}

}  // namespace

std::string validatePresenceOptions(const RedisPresenceOptions& options) {
  if (std::string link = validateOptions(options.link); !link.empty()) return link;
  if (options.ttl < std::chrono::milliseconds(100)) return "presenceTtlMs: must be at least 100";
  if (options.heartbeatInterval.count() < 0 || options.heartbeatInterval >= options.ttl) {
    return "presence heartbeat interval: must be shorter than presenceTtlMs";
  }
  if (options.node.find('/') != std::string::npos) return "presence node: must not contain '/'";
  if (options.membersPerTopicMax == 0) return "presence membersPerTopicMax: must be at least 1";
  return {};
}

RedisPresence::RedisPresence(RedisPresenceOptions options) : options_(std::move(options)) {
  if (options_.node.empty()) options_.node = randomText(16, "0123456789abcdef");
  if (options_.heartbeatInterval.count() == 0) options_.heartbeatInterval = options_.ttl / 3;
  if (std::string problem = validatePresenceOptions(options_); !problem.empty()) throw std::invalid_argument(problem);
  RedisLinkHandlers handlers;
  handlers.message = [this](std::string_view channel, std::string_view payload) { onMessage(channel, payload); };
  handlers.state = [this](const LinkState& state) { onState(state); };
  handlers.subscribed = [this](std::string_view channel) { onSubscribed(channel); };
  link_ = std::make_unique<RedisLink>(options_.link, std::move(handlers));
}

RedisPresence::~RedisPresence() { stop(); }

std::string RedisPresence::server() const { return options_.link.host + ":" + std::to_string(options_.link.port); }

std::string RedisPresence::hashKey(const std::string& topic) const {
  return options_.prefix + "P{" + topic + "}:presence";
}

std::string RedisPresence::orderKey(const std::string& topic) const {
  return options_.prefix + "P{" + topic + "}:order";
}

std::string RedisPresence::channelOf(const std::string& topic) const {
  return options_.prefix + "P{" + topic + "}:events";
}

std::string RedisPresence::nodeKey(const std::string& node) const { return options_.prefix + "P:node:" + node; }

std::string RedisPresence::describe(const std::string& problem) const {
  // The link's reasons name the server already; a bare one ("link stopped") gets it here.
  return problem.starts_with("redis ") ? problem : "redis " + server() + ": " + problem;
}

void RedisPresence::start() {
  link_->start();
  heartbeat_ = std::thread([this] { heartbeatLoop(); });
}

void RedisPresence::stop() {
  std::vector<std::pair<std::string, std::pair<std::string, LocalMember>>> members;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    for (auto& [topic, state] : topics_) {
      for (auto& [id, member] : state.members) members.push_back({topic, {id, std::move(member)}});
    }
    topics_.clear();  // no sink is called from here on
    entries_ = 0;
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();

  // A clean stop takes this node's members out now rather than after the TTL; bounded by
  // the link's command timeout, so a Redis that does not answer does not hold the daemon.
  std::mutex doneMutex;
  std::condition_variable doneChanged;
  std::size_t outstanding = 0;
  auto send = [&](std::vector<std::string> argv) {
    {
      std::lock_guard lock(doneMutex);
      ++outstanding;
    }
    auto done = [&](const redisReply*, const std::string&) {
      std::lock_guard lock(doneMutex);
      --outstanding;
      doneChanged.notify_all();
    };
    if (link_->command(std::move(argv), done) != PublishAdmission::kAccepted) {
      std::lock_guard lock(doneMutex);
      --outstanding;
    }
  };
  if (link_->state().connected) {
    for (const auto& [topic, member] : members) {
      send({"HDEL", hashKey(topic), fieldOf(member.first)});
      send({"PUBLISH", channelOf(topic),
            member.first + " " + transport::presenceEventJson("leave", {member.first, member.second.name})});
    }
    send({"DEL", nodeKey(options_.node)});
    std::unique_lock lock(doneMutex);
    doneChanged.wait_for(lock, options_.link.commandTimeout + options_.link.commandTimeout / 2,
                         [&] { return outstanding == 0; });
  }
  // Fails what is still unanswered (each callback once), so `done` above is never called late.
  link_->stop();
}

void RedisPresence::abandon() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    topics_.clear();
    entries_ = 0;
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  link_->stop();
}

std::string RedisPresence::join(const std::string& topic, std::string name, transport::PresenceSink sink) {
  std::string id = randomText(11, kAlphabet);
  bool listNow = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return id;
    Topic& state = topics_[topic];
    // Over the cap the member has an id but is entered nowhere: a topic's entries stay bounded.
    if (state.members.size() >= options_.membersPerTopicMax) return id;
    std::string entry = R"({"id":)";
    transport::appendJsonString(entry, id);
    entry += R"(,"name":)";
    transport::appendJsonString(entry, name);
    entry += R"(,"node":)";
    transport::appendJsonString(entry, options_.node);
    entry += R"(,"seq":)" + std::to_string(++seq_);  // the script adds "o" and the closing brace
    LocalMember& member = state.members[id] = LocalMember{name, std::move(entry)};
    ++entries_;
    writeMemberLocked(topic, id, member);
    publishEventLocked(topic, "join", {id, name});
    if (sink) {
      if (state.watchers.empty()) link_->subscribe(channelOf(topic));
      state.watchers[id] = Watcher{std::move(sink), false, {}};
      listNow = state.subscribed;
    }
  }
  // Otherwise the channel's confirmation sends the members frame (onSubscribed).
  if (listNow) sendMembersFrames(topic);
  return id;
}

void RedisPresence::writeMemberLocked(const std::string& topic, const std::string& id, const LocalMember& member) {
  // Join order comes from a counter in Redis, taken in the same script as the write: clocks
  // of different nodes cannot order two joins in one millisecond, and one counter can.
  static constexpr const char* kWriteEntry =
      "local order = redis.call('INCR', KEYS[2]) "
      "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ',\"o\":' .. order .. '}') "
      "return order";
  // Refused while Redis is away: onState() writes every member again when it is back.
  (void)link_->command({"EVAL", kWriteEntry, "2", hashKey(topic), orderKey(topic), fieldOf(id), member.entry},
                       [](const redisReply*, const std::string&) {});
}

void RedisPresence::publishEventLocked(const std::string& topic, std::string_view kind, const PresenceMember& member) {
  (void)link_->publish(channelOf(topic), member.id + " " + transport::presenceEventJson(kind, member),
                       [](const PublishResult&) {});
}

void RedisPresence::leave(const std::string& topic, const std::string& id) {
  if (calling_.load() == std::this_thread::get_id()) {
    // From inside a sink: this thread holds the lock already and is walking the watchers.
    leavesOwed_.emplace_back(topic, id);
    return;
  }
  std::lock_guard lock(mutex_);
  leaveLocked(topic, id);
}

void RedisPresence::leaveLocked(const std::string& topic, const std::string& id) {
  auto found = topics_.find(topic);
  if (found == topics_.end()) return;
  Topic& state = found->second;
  auto member = state.members.find(id);
  if (member == state.members.end()) return;
  removeEntryLocked(topic, fieldOf(id));
  publishEventLocked(topic, "leave", {id, member->second.name});
  state.members.erase(member);
  --entries_;
  if (state.watchers.erase(id) > 0 && state.watchers.empty()) {
    link_->unsubscribe(channelOf(topic));
    state.subscribed = false;
  }
  if (state.members.empty()) topics_.erase(found);
}

void RedisPresence::removeEntryLocked(const std::string& topic, const std::string& field) {
  // An entry this node could not delete would stay listed for as long as the node lives (its
  // heartbeat keeps it alive): it is owed, and deleted when the link is back.
  auto owe = [this, topic, field](const redisReply* reply, const std::string&) {
    if (reply != nullptr) return;
    std::lock_guard lock(mutex_);
    if (!stopped_) deletesOwed_.emplace_back(topic, field);
  };
  if (link_->command({"HDEL", hashKey(topic), field}, owe) != PublishAdmission::kAccepted) {
    deletesOwed_.emplace_back(topic, field);
  }
}

void RedisPresence::finishLeavesLocked() {
  calling_.store(std::thread::id{});
  while (!leavesOwed_.empty()) {
    auto [topic, id] = std::move(leavesOwed_.back());
    leavesOwed_.pop_back();
    leaveLocked(topic, id);
  }
}

std::size_t RedisPresence::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

void RedisPresence::list(const std::string& topic, std::size_t max, transport::PresenceListDone done) const {
  readLive(topic, [max, done = std::move(done), this](std::vector<Entry> live, std::size_t count, std::string problem) {
    if (!problem.empty()) return done(PresenceListing{{}, describe(problem)});
    PresenceList list;
    list.count = count;
    for (std::size_t i = 0; i < live.size() && i < max; ++i) list.members.push_back(std::move(live[i].member));
    list.truncated = list.count > list.members.size();
    done(PresenceListing{std::move(list), {}});
  });
}

void RedisPresence::readLive(const std::string& topic,
                             std::function<void(std::vector<Entry>, std::size_t, std::string)> done) const {
  auto shared = std::make_shared<decltype(done)>(std::move(done));
  auto fail = [shared](const std::string& problem) { (*shared)({}, 0, problem); };
  const std::string key = hashKey(topic);
  // HLEN first, so that a topic bigger than the cap is read in part (HSCAN) rather than whole.
  auto onSize = [this, topic, key, shared, fail](const redisReply* reply, const std::string& failure) {
    if (reply == nullptr) return fail(failure);
    if (reply->type != REDIS_REPLY_INTEGER) return fail("HLEN " + key + " answered " + replyText(*reply));
    const auto size = static_cast<std::size_t>(std::max<long long>(reply->integer, 0));
    std::vector<std::string> read = {"HGETALL", key};
    if (size > options_.membersPerTopicMax) {
      read = {"HSCAN", key, "0", "COUNT", std::to_string(options_.membersPerTopicMax)};
    }
    auto onEntries = [this, topic, key, size, shared, fail](const redisReply* reply, const std::string& failure) {
      if (reply == nullptr) return fail(failure);
      const redisReply* pairs = reply;
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 && reply->element[1]->type == REDIS_REPLY_ARRAY) {
        pairs = reply->element[1];  // HSCAN: [cursor, [field, value, ...]]
      }
      if (pairs->type != REDIS_REPLY_ARRAY) return fail("reading " + key + " answered " + replyText(*reply));
      auto entries = std::make_shared<std::vector<Entry>>();
      std::set<std::string> others;
      for (std::size_t i = 0; i + 1 < pairs->elements && entries->size() < options_.membersPerTopicMax; i += 2) {
        const redisReply* field = pairs->element[i];
        const redisReply* value = pairs->element[i + 1];
        if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) continue;
        Entry entry;
        entry.field.assign(field->str, field->len);
        if (!parseEntry(entry.field, {value->str, value->len}, entry.node, entry.member, entry.order, entry.seq)) {
          continue;
        }
        if (entry.node != options_.node) others.insert(entry.node);
        entries->push_back(std::move(entry));
      }
      auto finish = [this, topic, size, entries, shared](const std::set<std::string>& dead) {
        std::vector<Entry> live;
        std::vector<Entry> gone;
        for (Entry& entry : *entries) (dead.count(entry.node) > 0 ? gone : live).push_back(std::move(entry));
        std::sort(live.begin(), live.end(), [](const Entry& a, const Entry& b) {
          return std::tie(a.order, a.node, a.seq) < std::tie(b.order, b.node, b.seq);
        });
        const std::size_t count = size >= gone.size() ? size - gone.size() : 0;
        if (!gone.empty()) dropDead(topic, std::move(gone));
        (*shared)(std::move(live), std::max(count, live.size()), {});
      };
      if (others.empty()) return finish({});
      // A node is alive while its heartbeat key exists; this node is, since it is reading.
      std::vector<std::string> mget = {"MGET"};
      std::vector<std::string> nodes(others.begin(), others.end());
      for (const std::string& node : nodes) mget.push_back(nodeKey(node));
      PublishAdmission admitted = link_->command(
          std::move(mget), [nodes, finish, fail](const redisReply* reply, const std::string& failure) {
            if (reply == nullptr) return fail(failure);
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements != nodes.size()) {
              return fail("MGET of the nodes' heartbeats answered " + replyText(*reply));
            }
            std::set<std::string> dead;
            for (std::size_t i = 0; i < nodes.size(); ++i) {
              if (reply->element[i]->type == REDIS_REPLY_NIL) dead.insert(nodes[i]);
            }
            finish(dead);
          });
      if (admitted != PublishAdmission::kAccepted) fail(admissionProblem(admitted, link_->state()));
    };
    PublishAdmission next = link_->command(std::move(read), onEntries);
    if (next != PublishAdmission::kAccepted) fail(admissionProblem(next, link_->state()));
  };
  PublishAdmission admitted = link_->command({"HLEN", key}, std::move(onSize));
  if (admitted != PublishAdmission::kAccepted) fail(admissionProblem(admitted, link_->state()));
}

void RedisPresence::dropDead(const std::string& topic, std::vector<Entry> dead) const {
  for (Entry& entry : dead) {
    // Every node that lists the topic may find the same dead entry; only the one whose HDEL
    // removed it tells the leave, so watchers see it once.
    auto tell = [this, topic, member = std::move(entry.member)](const redisReply* reply, const std::string&) {
      if (reply == nullptr || reply->type != REDIS_REPLY_INTEGER || reply->integer != 1) return;
      (void)link_->publish(channelOf(topic), member.id + " " + transport::presenceEventJson("leave", member),
                           [](const PublishResult&) {});
    };
    (void)link_->command({"HDEL", hashKey(topic), entry.field}, std::move(tell));
  }
}

void RedisPresence::sendMembersFrames(const std::string& topic) {
  std::set<std::string> waiting;
  {
    std::lock_guard lock(mutex_);
    auto found = topics_.find(topic);
    if (found == topics_.end()) return;
    for (const auto& [id, watcher] : found->second.watchers) {
      if (!watcher.listed) waiting.insert(id);
    }
  }
  // Read even when nobody waits: that is the sweep that drops dead nodes' members.
  readLive(topic, [this, topic, waiting](std::vector<Entry> live, std::size_t count, std::string problem) {
    if (!problem.empty() || waiting.empty()) return;  // the next heartbeat tries again
    std::lock_guard lock(mutex_);
    auto found = topics_.find(topic);
    if (found == topics_.end()) return;
    PresenceList list;
    list.count = count;
    for (std::size_t i = 0; i < live.size() && i < kMembersListedMax; ++i) list.members.push_back(live[i].member);
    list.truncated = list.count > list.members.size();
    calling_.store(std::this_thread::get_id());
    for (auto& [id, watcher] : found->second.watchers) {
      // Only those whose own entry was written before this read began: the list has them in it.
      if (watcher.listed || waiting.count(id) == 0) continue;
      watcher.sink(transport::presenceMembersJson(list, id));
      for (std::string& frame : watcher.early) watcher.sink(std::move(frame));
      watcher.early.clear();
      watcher.listed = true;
    }
    finishLeavesLocked();
  });
}

void RedisPresence::onMessage(std::string_view channel, std::string_view payload) {
  const std::string head = options_.prefix + "P{";
  const std::string tail = "}:events";
  if (!channel.starts_with(head) || !channel.ends_with(tail) || channel.size() < head.size() + tail.size()) return;
  const std::string topic(channel.substr(head.size(), channel.size() - head.size() - tail.size()));
  const std::size_t space = payload.find(' ');
  if (space == std::string_view::npos) return;
  const std::string from(payload.substr(0, space));
  const std::string frame(payload.substr(space + 1));
  std::lock_guard lock(mutex_);
  auto found = topics_.find(topic);
  if (found == topics_.end()) return;
  calling_.store(std::this_thread::get_id());
  deliverLocked(found->second, from, frame);
  finishLeavesLocked();
}

void RedisPresence::deliverLocked(Topic& topic, const std::string& from, const std::string& frame) {
  for (auto& [id, watcher] : topic.watchers) {
    if (id == from) continue;  // its own join: its members frame has it
    if (watcher.listed) {
      watcher.sink(frame);
    } else {
      if (watcher.early.size() >= options_.earlyEventsMax) watcher.early.pop_front();
      watcher.early.push_back(frame);
    }
  }
}

void RedisPresence::onSubscribed(std::string_view channel) {
  const std::string head = options_.prefix + "P{";
  const std::string tail = "}:events";
  if (!channel.starts_with(head) || !channel.ends_with(tail)) return;
  const std::string topic(channel.substr(head.size(), channel.size() - head.size() - tail.size()));
  {
    std::lock_guard lock(mutex_);
    auto found = topics_.find(topic);
    if (found == topics_.end() || found->second.watchers.empty()) return;
    found->second.subscribed = true;
  }
  sendMembersFrames(topic);
}

void RedisPresence::onState(const LinkState& state) {
  if (options_.availability) options_.availability(state);
  std::lock_guard lock(mutex_);
  if (!state.connected) {
    for (auto& [topic, members] : topics_) members.subscribed = false;
    return;
  }
  if (stopped_) return;
  // Back (or there for the first time): Redis may have lost everything, or expired this
  // node while it was away, so the heartbeat and every member are written again.
  (void)link_->command({"SET", nodeKey(options_.node), "1", "PX", std::to_string(options_.ttl.count())},
                       [](const redisReply*, const std::string&) {});
  for (const auto& [topic, members] : topics_) {
    for (const auto& [id, member] : members.members) writeMemberLocked(topic, id, member);
  }
  std::vector<std::pair<std::string, std::string>> owed;
  owed.swap(deletesOwed_);
  for (const auto& [topic, field] : owed) removeEntryLocked(topic, field);
}

void RedisPresence::heartbeatLoop() {
  std::unique_lock lock(mutex_);
  auto next = std::chrono::steady_clock::now() + options_.heartbeatInterval;
  while (!stopping_) {
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    next = std::chrono::steady_clock::now() + options_.heartbeatInterval;
    lock.unlock();
    beat();
    lock.lock();
  }
}

void RedisPresence::beat() {
  (void)link_->command({"SET", nodeKey(options_.node), "1", "PX", std::to_string(options_.ttl.count())},
                       [](const redisReply*, const std::string&) {});
  std::vector<std::string> watched;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [topic, state] : topics_) {
      if (state.subscribed) watched.push_back(topic);
    }
  }
  for (const std::string& topic : watched) sendMembersFrames(topic);
}

}  // namespace spread::plugins::redis
