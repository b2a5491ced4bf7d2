#include "fuzzer.h"

#include <algorithm>
#include <map>
#include <variant>

#include "scenario_parser.h"
#include "spread/plugins/sim/split_mix.h"

namespace spread::sim {

namespace {

using plugins::sim::SplitMix;
using std::chrono::milliseconds;

core::Duration ms(std::uint64_t value) { return milliseconds(static_cast<std::int64_t>(value)); }

const std::string kUpgradeHead =
    "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

std::string randomBytes(SplitMix& rng, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += static_cast<char>(rng.below(256));
  return out;
}

// One line of trouble from a byte-level client: malformed or oversized HTTP, a publish
// spelled by hand, an upgrade, or a frame that breaks RFC 6455 (or keeps to it).
void addHostileLine(SplitMix& rng, Event& event, const std::vector<std::string>& topics) {
  const std::string topic = topics[rng.below(topics.size())];
  event.kind = Event::Kind::kRaw;
  switch (rng.below(12)) {
    case 0: event.text = randomBytes(rng, rng.between(1, 64)); break;
    case 1: event.text = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nnonsense\r\n\r\n"; break;
    case 2:
      event.text = "POST /publish?topic=" + topic + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                   (rng.chance(50) ? std::string("many") : std::to_string(rng.below(100'000))) + "\r\n\r\n";
      break;
    case 3:
      event.text = "GET /" + std::string(rng.between(8'000, 9'000), 'a') + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
      break;
    case 4: {
      const std::string body = rng.chance(30) ? randomBytes(rng, rng.between(1, 40))
                                              : "{\"name\":\"h\",\"msg\":\"x" + std::to_string(rng.below(1000)) + "\"}";
      event.text = "POST /publish?topic=" + topic +
                   " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
      break;
    }
    case 5: event.text = "GET /subscribe?topic=" + topic + " HTTP/1.1\r\n" + kUpgradeHead; break;
    case 6: event.text = "GET /subscribe?topic=" + std::string(65, 't') + " HTTP/1.1\r\n" + kUpgradeHead; break;
    case 7: event.text = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"; break;  // a head that never ends
    default: {
      // A frame: on a stream that has not upgraded it is garbage HTTP, which is trouble too.
      event.kind = Event::Kind::kFrame;
      static constexpr int kOpcodes[] = {0, 1, 1, 1, 2, 3, 8, 9, 10, 11};
      event.opcode = kOpcodes[rng.below(std::size(kOpcodes))];
      event.text = rng.chance(40) ? randomBytes(rng, rng.below(200))
                                  : "{\"name\":\"h\",\"msg\":\"f" + std::to_string(rng.below(1000)) + "\"}";
      if (event.opcode == 8 && rng.chance(70)) event.closeCode = static_cast<int>(rng.between(999, 4001));
      event.fin = !rng.chance(15);
      event.masked = !rng.chance(10);
      break;
    }
  }
}

// Text that is not UTF-8 however it goes on, after a valid start: a stray continuation
// byte, a byte UTF-8 never uses, an overlong form, a surrogate, a code point above U+10FFFF.
std::string invalidUtf8(SplitMix& rng) {
  static const char* const kBad[] = {"\x80", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
  const std::string start = rng.chance(50) ? "{\"name\":\"h\",\"msg\":\"" : "";
  return start + kBad[rng.below(std::size(kBad))] + (rng.chance(50) ? "\"}" : "");
}

struct Generator {
  SplitMix& rng;
  const Swarm& swarm;
  std::vector<Event> events;

  Event make(Event::Kind kind, core::Duration at, const std::string& client) {
    Event event;
    event.kind = kind;
    event.at = at;
    event.client = client;
    return event;
  }
};

}  // namespace

std::string Swarm::describe() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : " ") + std::string(name);
  };
  add(stalls, "stalls");
  add(slowReaders, "slow-readers");
  add(disconnects, "disconnects");
  add(leaves, "leaves");
  add(bursts, "bursts");
  add(jitter, "jitter");
  add(earlyShutdown, "early-shutdown");
  add(publishDuringShutdown, "publish-during-shutdown");
  add(manyRooms, "many-rooms");
  add(smallWindows, "small-windows");
  add(smallQueues, "small-queues");
  add(keepalive, "keepalive");
  add(frames, "frames");
  add(lateJoiners, "late-joiners");
  add(busyTopics, "busy-topics");
  add(bigMessages, "big-messages");
  add(topicChurn, "topic-churn");
  add(hostileBytes, "hostile-bytes");
  return out.empty() ? "none" : out;
}

Swarm Fuzzer::swarmFor(std::uint64_t seed) {
  SplitMix rng(seed ^ 0x5157A5Eull);
  Swarm s;
  for (bool* on : {&s.stalls, &s.slowReaders, &s.disconnects, &s.leaves, &s.bursts, &s.jitter,
                   &s.earlyShutdown, &s.publishDuringShutdown, &s.manyRooms, &s.smallWindows, &s.smallQueues,
                   &s.keepalive, &s.frames, &s.lateJoiners, &s.busyTopics, &s.bigMessages, &s.topicChurn,
                   &s.hostileBytes}) {
    *on = rng.chance(50);
  }
  return s;
}

Scenario Fuzzer::generate(std::uint64_t seed) {
  const Swarm swarm = swarmFor(seed);
  SplitMix rng(seed);
  Scenario scenario;
  Settings& settings = scenario.settings;
  settings.seed = seed;
  settings.sendWindowBytes = rng.between(256, 16 * 1024);
  settings.closeTimeout = ms(rng.chance(10) ? 0 : rng.between(10, 500));
  settings.fanoutBatch = rng.between(1, 64);
  if (swarm.keepalive) {
    settings.pingInterval = ms(rng.between(5, 50));
    settings.idleTimeout = settings.pingInterval * static_cast<std::int64_t>(rng.between(2, 4));
  }
  if (swarm.busyTopics) {
    settings.inboundMessagesMax = rng.between(2, 32);
    settings.publishWait = ms(rng.below(20));
  }

  if (swarm.bigMessages) {
    settings.queueBytes = rng.between(256, 8 * 1024);
    settings.messageBytesMax = rng.between(256, 4096);
  }
  // Topic churn draws from its own stream, so that every other draw, and so each seed's
  // scenario from before it existed, stays as it was.
  SplitMix churn(seed ^ 0x7091C5ull);
  if (swarm.topicChurn) settings.topicLinger = ms(churn.below(30));
  std::vector<std::string> topics{"chat"};
  if (swarm.manyRooms) {
    const std::uint64_t rooms = rng.between(2, 4);
    for (std::uint64_t i = 2; i <= rooms; ++i) topics.push_back("room" + std::to_string(i));
    if (rng.chance(30)) settings.topicsMax = rng.between(1, rooms);
  }
  auto pickTopic = [&] { return topics[rng.below(topics.size())]; };

  Generator g{rng, swarm, {}};
  const std::uint64_t clientCount = rng.between(1, 6);
  std::vector<std::string> clients;
  std::map<std::string, core::Duration> joinedAt;
  for (std::uint64_t i = 1; i <= clientCount; ++i) {
    const std::string name = "c" + std::to_string(i);
    clients.push_back(name);
    const core::Duration at = swarm.lateJoiners && i > 1 && rng.chance(40) ? ms(rng.between(1, 150)) : ms(0);
    joinedAt[name] = at;
    Event join = g.make(Event::Kind::kJoin, at, name);
    join.latency = core::Duration(std::chrono::microseconds(rng.chance(20) ? 0 : rng.below(5000)));
    if (swarm.jitter) join.jitter = core::Duration(std::chrono::microseconds(rng.below(3000)));
    if (swarm.smallWindows) join.window = rng.between(64, 4096);
    if (swarm.slowReaders && rng.chance(50)) join.rate = rng.between(20, 5000);
    g.events.push_back(join);
    Event subscribe = g.make(Event::Kind::kSubscribe, at, name);
    subscribe.topic = pickTopic();
    subscribe.queue = swarm.smallQueues ? rng.between(1, 16) : rng.between(16, 256);
    g.events.push_back(subscribe);
  }

  enum Action { kPublish, kBurst, kStall, kResume, kLeave, kResubscribe, kDisconnect, kSend };
  std::vector<Action> actions{kPublish};
  if (swarm.bursts) actions.push_back(kBurst);
  if (swarm.stalls) actions.insert(actions.end(), {kStall, kResume});
  if (swarm.leaves) actions.insert(actions.end(), {kLeave, kResubscribe});
  if (swarm.disconnects) actions.insert(actions.end(), {kDisconnect, kResubscribe});
  if (swarm.frames) actions.push_back(kSend);

  core::Duration t = ms(0);
  const std::uint64_t actionCount = rng.between(3, 40);
  const std::uint64_t shutdownAfter = swarm.earlyShutdown ? rng.below(actionCount) : actionCount;
  for (std::uint64_t i = 0; i < actionCount; ++i) {
    t += ms(rng.below(25));
    if (i == shutdownAfter) {
      Event shutdown = g.make(Event::Kind::kShutdown, t, "");
      shutdown.grace = ms(rng.chance(10) ? 0 : rng.between(1, 400));
      g.events.push_back(shutdown);
      if (!swarm.publishDuringShutdown) break;
    }
    std::vector<std::string> present;
    for (const auto& name : clients) {
      if (joinedAt[name] <= t) present.push_back(name);
    }
    const std::string client = present[rng.below(present.size())];
    Event event = g.make(Event::Kind::kPublish, t, client);
    switch (actions[rng.below(actions.size())]) {
      case kPublish:
        event.topic = pickTopic();
        event.text = "m" + std::to_string(i);
        break;
      case kBurst:
        event.kind = Event::Kind::kBurst;
        event.topic = pickTopic();
        event.count = rng.between(2, 120);
        event.every = core::Duration(std::chrono::microseconds(rng.below(3) == 0 ? 0 : rng.below(2000)));
        if (swarm.bigMessages && rng.chance(50)) event.size = rng.between(16, 2048);
        break;
      case kStall: event.kind = Event::Kind::kStall; break;
      case kResume:
        event.kind = Event::Kind::kResume;
        if (swarm.slowReaders && rng.chance(30)) event.rate = rng.between(20, 5000);
        break;
      case kLeave: event.kind = Event::Kind::kLeave; break;
      case kResubscribe:
        event.kind = Event::Kind::kSubscribe;
        event.topic = pickTopic();
        event.queue = swarm.smallQueues ? rng.between(1, 16) : rng.between(16, 256);
        break;
      case kDisconnect: event.kind = Event::Kind::kDisconnect; break;
      case kSend:
        event.kind = Event::Kind::kSend;
        event.text = rng.chance(10) ? "" : "f" + std::to_string(i);
        if (swarm.bigMessages && rng.chance(30)) event.size = rng.between(16, 4096);
        break;
    }
    g.events.push_back(event);
  }
  if (swarm.earlyShutdown) {
    // Sometimes a storm of large publishes lands just before the shutdown, so that it finds
    // sessions with a backlog to flush. Its own stream of numbers, like the churn below.
    SplitMix storm(seed ^ 0x5707Eull);
    auto shutdown = std::find_if(g.events.begin(), g.events.end(),
                                 [](const Event& e) { return e.kind == Event::Kind::kShutdown; });
    if (shutdown != g.events.end() && storm.chance(50)) {
      // Early enough that its publishes arrive (a link's latency is under 5 ms) before the
      // shutdown refuses them.
      const core::Duration at = shutdown->at - ms(5 + storm.below(3));
      Event burst = g.make(Event::Kind::kBurst, std::max(ms(0), at), clients.front());
      burst.topic = topics[storm.below(topics.size())];
      burst.count = storm.between(40, 160);
      // Under the message limit (the chat envelope adds a few dozen bytes), or none would land.
      burst.size = std::min<std::uint64_t>(storm.between(1024, 4096), settings.messageBytesMax / 2);
      g.events.push_back(burst);
    }
  }
  if (swarm.topicChurn) {
    // One more client keeps entering a room of its own, publishing there and leaving: it comes
    // back sometimes within the linger (the same topic) and sometimes after it (a new topic
    // under the same name, whose log starts again).
    const std::string churner = "churner";
    g.events.push_back(g.make(Event::Kind::kJoin, ms(0), churner));
    core::Duration at = ms(churn.below(20));
    const std::uint64_t rounds = churn.between(2, 6);
    for (std::uint64_t round = 1; round <= rounds; ++round) {
      Event subscribe = g.make(Event::Kind::kSubscribe, at, churner);
      subscribe.topic = "churn";
      g.events.push_back(subscribe);
      Event post = g.make(Event::Kind::kPublish, at + ms(churn.between(2, 10)), churner);
      post.topic = "churn";
      post.text = "c" + std::to_string(round);
      g.events.push_back(post);
      at += ms(churn.between(12, 20));
      Event leave = g.make(Event::Kind::kLeave, at, churner);
      leave.topic = "churn";
      g.events.push_back(leave);
      at += ms(churn.below(60));
    }
  }
  if (swarm.hostileBytes) {
    // Byte-level clients of their own stream of numbers, so every other draw stays as it
    // was for each seed.
    SplitMix hostile(seed ^ 0x4057113ull);
    const std::uint64_t count = hostile.between(1, 3);
    for (std::uint64_t i = 1; i <= count; ++i) {
      const std::string name = "h" + std::to_string(i);
      Event join = g.make(Event::Kind::kJoin, ms(0), name);
      if (hostile.chance(30)) join.window = hostile.between(64, 4096);
      g.events.push_back(join);
      core::Duration at = ms(hostile.below(20));
      const std::uint64_t lines = hostile.between(1, 8);
      for (std::uint64_t line = 0; line < lines; ++line) {
        Event event = g.make(Event::Kind::kRaw, at, name);
        addHostileLine(hostile, event, topics);
        g.events.push_back(event);
        at += ms(hostile.below(30));
      }
    }
  }
  if (swarm.hostileBytes) {
    // A client that upgrades and sends text that is not UTF-8 straight away, then pings: a
    // server that should have failed the connection but read on answers the ping. Its own
    // stream of numbers again, so the other byte-level clients stay as they were.
    SplitMix badText(seed ^ 0xBAD7E47ull);
    if (badText.chance(50)) {
      const std::string name = "h0";
      g.events.push_back(g.make(Event::Kind::kJoin, ms(0), name));
      const core::Duration at = ms(badText.below(60));
      Event upgrade = g.make(Event::Kind::kRaw, at, name);
      upgrade.text = "GET /subscribe?topic=" + topics[badText.below(topics.size())] + " HTTP/1.1\r\n" + kUpgradeHead;
      Event text = g.make(Event::Kind::kFrame, at, name);
      text.opcode = 1;
      text.text = invalidUtf8(badText);
      text.fin = !badText.chance(20);
      Event ping = g.make(Event::Kind::kFrame, at, name);
      ping.opcode = 9;
      ping.text = "p" + std::to_string(badText.below(1000));
      g.events.insert(g.events.end(), {upgrade, text, ping});
    }
  }
  std::stable_sort(g.events.begin(), g.events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  scenario.events = std::move(g.events);

  // Write it out and read it back, so that line numbers match the text a person would see.
  const std::string name = "fuzz-seed-" + std::to_string(seed) + ".scn";
  ParseResult parsed = parseScenario(formatScenario(scenario), name);
  return std::get<Scenario>(std::move(parsed));
}

}  // namespace spread::sim
