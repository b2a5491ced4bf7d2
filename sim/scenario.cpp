#include "scenario.h"

#include <sstream>

#include "spread/transport/chat_codec.h"

namespace spread::sim {

std::string_view toString(Event::Kind kind) {
  switch (kind) {
    case Event::Kind::kJoin: return "join";
    case Event::Kind::kSubscribe: return "subscribe";
    case Event::Kind::kSend: return "send";
    case Event::Kind::kPublish: return "publish";
    case Event::Kind::kBurst: return "burst";
    case Event::Kind::kStall: return "stall";
    case Event::Kind::kResume: return "resume";
    case Event::Kind::kLeave: return "leave";
    case Event::Kind::kDisconnect: return "disconnect";
    case Event::Kind::kShutdown: return "shutdown";
    case Event::Kind::kExpect: return "expect";
    case Event::Kind::kRaw: return "raw";
    case Event::Kind::kFrame: return "frame";
    case Event::Kind::kLink: return "link";
    case Event::Kind::kBackplane: return "backplane";
  }
  return "?";
}

std::string_view opcodeName(int opcode) {
  switch (opcode) {
    case 0: return "continuation";
    case 1: return "text";
    case 2: return "binary";
    case 8: return "close";
    case 9: return "ping";
    case 10: return "pong";
    default: return {};
  }
}

std::string formatDuration(core::Duration duration) {
  const auto ns = duration.count();
  if (ns == 0) return "0ms";
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

namespace {

std::string quoted(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string formatExpectation(const Expectation& expect) {
  switch (expect.kind) {
    case Expectation::Kind::kReceived:
    case Expectation::Kind::kPublished:
    case Expectation::Kind::kRejected: {
      const char* what = expect.kind == Expectation::Kind::kReceived    ? "received "
                         : expect.kind == Expectation::Kind::kPublished ? "published "
                                                                        : "rejected ";
      const char* op = expect.compare == Expectation::Compare::kAtLeast  ? ">="
                       : expect.compare == Expectation::Compare::kAtMost ? "<="
                                                                         : "";
      std::string out = what + std::string(op) + std::to_string(expect.count);
      if (expect.rejection) out += " kind=" + std::string(toString(*expect.rejection));
      return out;
    }
    case Expectation::Kind::kClosed:
      return "closed " + std::to_string(expect.code) + (expect.reason ? " " + quoted(*expect.reason) : "");
    case Expectation::Kind::kOpen: return "open";
    case Expectation::Kind::kRefused: return "refused";
    case Expectation::Kind::kGot: return "got " + quoted(expect.bytes);
    case Expectation::Kind::kEnded: return "ended";
    case Expectation::Kind::kResumed: return "resumed " + quoted(expect.reason.value_or(""));
  }
  return "?";
}

}  // namespace

std::string formatEvent(const Event& event) {
  std::ostringstream out;
  out << (event.atEnd ? std::string("end") : formatDuration(event.at)) << ' ' << toString(event.kind);
  const bool hasClient = event.kind != Event::Kind::kShutdown && event.kind != Event::Kind::kLink &&
                         event.kind != Event::Kind::kBackplane;
  if (hasClient) out << ' ' << event.client;
  // The topic that picks one of the client's connections comes right after its name.
  const bool picksConnection = event.kind == Event::Kind::kStall || event.kind == Event::Kind::kResume ||
                               event.kind == Event::Kind::kSend || event.kind == Event::Kind::kExpect;
  if (picksConnection && !event.topic.empty()) out << ' ' << event.topic;
  switch (event.kind) {
    case Event::Kind::kJoin:
      if (event.latency) out << " latency=" << formatDuration(*event.latency);
      if (event.jitter) out << " jitter=" << formatDuration(*event.jitter);
      if (event.window) out << " window=" << *event.window;
      if (event.rate) out << " rate=" << *event.rate;
      if (event.token) out << " token=" << *event.token;
      if (event.node != 1) out << " node=" << event.node;
      break;
    case Event::Kind::kSubscribe:
      out << ' ' << event.topic;
      if (event.queue) out << " queue=" << *event.queue;
      if (event.sinceRead) out << " since=read";
      if (event.last) out << " last=" << *event.last;
      break;
    case Event::Kind::kSend:
      out << ' ' << quoted(event.text);
      if (event.size) out << " size=" << *event.size;
      break;
    case Event::Kind::kPublish: out << ' ' << event.topic << ' ' << quoted(event.text); break;
    case Event::Kind::kBurst:
      out << ' ' << event.topic << ' ' << event.count;
      if (event.every != core::Duration::zero()) out << " every=" << formatDuration(event.every);
      if (event.size) out << " size=" << *event.size;
      break;
    case Event::Kind::kResume:
      if (event.rate) out << " rate=" << *event.rate;
      break;
    case Event::Kind::kLeave:
      if (!event.topic.empty()) out << ' ' << event.topic;
      break;
    case Event::Kind::kShutdown: out << " grace=" << formatDuration(event.grace); break;
    case Event::Kind::kExpect: out << ' ' << formatExpectation(event.expect); break;
    case Event::Kind::kRaw: out << ' ' << quoted(event.text); break;
    case Event::Kind::kFrame: {
      const std::string_view name = opcodeName(event.opcode);
      out << ' ' << (name.empty() ? std::to_string(event.opcode) : std::string(name)) << ' ' << quoted(event.text);
      if (event.closeCode) out << " code=" << *event.closeCode;
      if (!event.fin) out << " fin=0";
      if (!event.masked) out << " mask=0";
      break;
    }
    case Event::Kind::kLink:
      out << " node=" << event.node << ' ';
      switch (event.linkChange) {
        case Event::LinkChange::kCut: out << "cut"; break;
        case Event::LinkChange::kHeal: out << "heal"; break;
        case Event::LinkChange::kDelay: out << "delay=" << formatDuration(event.delay); break;
      }
      break;
    case Event::Kind::kBackplane: out << " restart down=" << formatDuration(event.delay); break;
    case Event::Kind::kStall:
    case Event::Kind::kDisconnect: break;
  }
  return out.str();
}

std::string formatScenario(const Scenario& scenario, const std::string& header) {
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << "# " << line << '\n';
  const Settings& s = scenario.settings;
  const Settings d;
  auto set = [&](const char* name, bool differs, const std::string& value) {
    if (differs) out << "set " << name << ' ' << value << '\n';
  };
  set("seed", s.seed != d.seed, std::to_string(s.seed));
  set("queueBytes", s.queueBytes != d.queueBytes, std::to_string(s.queueBytes));
  set("sendWindow", s.sendWindowBytes != d.sendWindowBytes, std::to_string(s.sendWindowBytes));
  set("messageBytesMax", s.messageBytesMax != d.messageBytesMax, std::to_string(s.messageBytesMax));
  set("pingInterval", s.pingInterval != d.pingInterval, formatDuration(s.pingInterval));
  set("idleTimeout", s.idleTimeout != d.idleTimeout, formatDuration(s.idleTimeout));
  set("publishWait", s.publishWait != d.publishWait, formatDuration(s.publishWait));
  set("fanoutBatch", s.fanoutBatch != d.fanoutBatch, std::to_string(s.fanoutBatch));
  set("inbound", s.inboundMessagesMax != d.inboundMessagesMax, std::to_string(s.inboundMessagesMax));
  set("topicsMax", s.topicsMax != d.topicsMax, std::to_string(s.topicsMax));
  set("topicLinger", s.topicLinger != d.topicLinger, formatDuration(s.topicLinger));
  set("closeTimeout", s.closeTimeout != d.closeTimeout, formatDuration(s.closeTimeout));
  set("tokens", s.tokens != d.tokens, s.tokens ? "on" : "off");
  set("history", s.history != d.history, std::to_string(s.history));
  set("nodes", s.nodes != d.nodes, std::to_string(s.nodes));
  for (const Event& event : scenario.events) out << formatEvent(event) << '\n';
  return out.str();
}

std::string chatBody(const std::string& client, const std::string& text) {
  return transport::ChatCodec::encode(transport::ChatMessage{client, text});
}

}  // namespace spread::sim
