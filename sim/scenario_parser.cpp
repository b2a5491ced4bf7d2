#include "scenario_parser.h"

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "scenario_settings.h"
#include "scenario_values.h"
#include "spread/core/topic_name.h"

namespace spread::sim {

namespace {

constexpr std::size_t kBurstCountMax = 100'000;
constexpr std::size_t kBurstTextBytesMax = 1 << 20;  // also for send's size=
constexpr core::Duration kGraceDefault = std::chrono::seconds(5);
constexpr core::Duration kRestartDownDefault = std::chrono::milliseconds(10);

using namespace scenario_values;

void checkClientName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 32;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (!ok)
    throw LineError{"expected a client name of 1 to 32 letters, digits, '_' or '-', got '" + name + "'"};
}

void checkTopic(const std::string& topic) {
  if (auto problem = core::checkTopicName(topic)) throw LineError{"bad topic '" + topic + "': " + *problem};
}

class LineParser {
 public:
  LineParser(std::vector<Token> tokens, std::size_t first) : tokens_(std::move(tokens)), next_(first) {}

  const Token& word(std::string_view what) {
    if (next_ >= tokens_.size())
      throw LineError{"expected " + std::string(what) + " after '" + tokens_[next_ - 1].text + "'"};
    return tokens_[next_++];
  }
  std::string bare(std::string_view what) {
    const Token& token = word(what);
    if (token.quoted) throw LineError{"expected " + std::string(what) + ", got a quoted string"};
    return token.text;
  }
  std::string quoted(std::string_view what) {
    const Token& token = word(what);
    if (!token.quoted)
      throw LineError{"expected " + std::string(what) + " in double quotes, got '" + token.text + "'"};
    return token.text;
  }
  bool done() const { return next_ >= tokens_.size(); }
  /// The word `ahead` tokens on, or empty.
  std::string peek(std::size_t ahead = 0) const {
    return next_ + ahead < tokens_.size() && !tokens_[next_ + ahead].quoted ? tokens_[next_ + ahead].text
                                                                            : std::string();
  }
  void skip() { ++next_; }
  bool peekQuoted(std::size_t ahead = 0) const {
    return next_ + ahead < tokens_.size() && tokens_[next_ + ahead].quoted;
  }
  bool peekBare() const {
    return !done() && !tokens_[next_].quoted && tokens_[next_].text.find('=') == std::string::npos;
  }

  /// Remaining tokens as key=value options; keys not in `allowed` are errors.
  std::map<std::string, std::string> options(std::initializer_list<std::string_view> allowed) {
    std::map<std::string, std::string> out;
    while (!done()) {
      const Token& token = tokens_[next_++];
      const std::size_t eq = token.text.find('=');
      std::string names;
      for (auto name : allowed) names += (names.empty() ? "" : ", ") + std::string(name) + "=";
      if (token.quoted || eq == std::string::npos) {
        throw LineError{"unexpected '" + token.text + "'" +
                        (names.empty() ? ": expected the end of the line" : ": expected one of " + names)};
      }
      const std::string key = token.text.substr(0, eq);
      bool known = false;
      for (auto name : allowed) known = known || name == key;
      if (!known)
        throw LineError{"unknown option '" + key + "='" +
                        (names.empty() ? "" : ": expected one of " + names)};
      if (out.count(key) != 0) throw LineError{"option '" + key + "=' given twice"};
      out[key] = token.text.substr(eq + 1);
    }
    return out;
  }

 private:
  std::vector<Token> tokens_;
  std::size_t next_;
};

bool isExpectationWord(const std::string& word) {
  static const std::set<std::string> kWords{"received", "published", "rejected", "closed", "open",
                                            "refused",  "got",       "ended",    "resumed"};
  return kWords.count(word) != 0;
}

Expectation parseExpectation(LineParser& p) {
  Expectation expect;
  const std::string what = p.bare("received, published, rejected, closed, open, refused, got, ended or resumed");
  if (what == "received" || what == "published" || what == "rejected") {
    expect.kind = what == "received"    ? Expectation::Kind::kReceived
                  : what == "published" ? Expectation::Kind::kPublished
                                        : Expectation::Kind::kRejected;
    std::string count = p.bare("a message count");
    if (count.starts_with(">=")) {
      expect.compare = Expectation::Compare::kAtLeast;
      count = count.substr(2);
      if (count.empty()) count = p.bare("a message count");
    } else if (count.starts_with("<=")) {
      expect.compare = Expectation::Compare::kAtMost;
      count = count.substr(2);
      if (count.empty()) count = p.bare("a message count");
    }
    auto value = parseUnsigned(count);
    if (!value) throw LineError{"expected a message count like 10, >=10 or <=10, got '" + count + "'"};
    expect.count = *value;
    if (expect.kind == Expectation::Kind::kRejected) {
      auto options = p.options({"kind"});
      if (options.count("kind")) {
        expect.rejection = rejectionKindNamed(options["kind"]);
        if (!expect.rejection)
          throw LineError{"unknown rejection kind '" + options["kind"] + "': expected " + rejectionKindNames()};
      }
      return expect;
    }
  } else if (what == "closed") {
    expect.kind = Expectation::Kind::kClosed;
    const std::string code = p.bare("a close code");
    auto value = parseUnsigned(code);
    if (!value || *value < 1000 || *value > 4999)
      throw LineError{"expected a close code from 1000 to 4999, got '" + code + "'"};
    expect.code = static_cast<int>(*value);
    // `closed 1001 "idle timeout"` tells an idle timeout from a shutdown.
    if (p.peekQuoted()) expect.reason = p.quoted("a close reason");
  } else if (what == "open") {
    expect.kind = Expectation::Kind::kOpen;
  } else if (what == "refused") {
    expect.kind = Expectation::Kind::kRefused;
  } else if (what == "got") {
    expect.kind = Expectation::Kind::kGot;
    expect.bytes = p.quoted("the bytes the client must have heard");
    if (expect.bytes.empty()) throw LineError{"expected at least one byte after 'got'"};
  } else if (what == "ended") {
    expect.kind = Expectation::Kind::kEnded;
  } else if (what == "resumed") {
    // `resumed "ok"`, or the reason a resume was impossible: `resumed "offset too old"`.
    expect.kind = Expectation::Kind::kResumed;
    expect.reason = p.quoted("\"ok\" or the reason the resume was impossible");
  } else {
    throw LineError{"expected received, published, rejected, closed, open, refused, got, ended or resumed "
                    "after the client, got '" +
                    what + "'"};
  }
  p.options({});
  return expect;
}

class ScenarioReader {
 public:
  explicit ScenarioReader(Scenario& scenario) : scenario_(scenario) {}

  void readLine(std::string_view text, int lineNumber) {
    std::vector<Token> tokens = tokenize(text);
    if (tokens.empty()) return;
    if (!tokens[0].quoted && tokens[0].text == "set") {
      if (sawEvent_) throw LineError{"'set' lines must come before the first event"};
      LineParser p(std::move(tokens), 1);
      const std::string name = p.bare("a setting name");
      const std::string value = p.bare("a value for '" + name + "'");
      p.options({});
      applySetting(scenario_.settings, name, value);
      return;
    }
    sawEvent_ = true;
    Event event;
    event.line = lineNumber;
    if (tokens[0].quoted) throw LineError{"expected a time (like 10ms) or 'end' at the start of the line"};
    if (tokens[0].text == "end") {
      event.atEnd = true;
      sawEnd_ = true;
    } else {
      if (sawEnd_) throw LineError{"timed events cannot follow an 'end' line"};
      event.at = parseDuration(tokens[0].text, "a time (like 10ms) or 'end'");
      if (event.at < lastAt_) {
        throw LineError{"time " + tokens[0].text + " is earlier than the line before (" +
                        formatDuration(lastAt_) + "): times never decrease"};
      }
      lastAt_ = event.at;
    }
    if (tokens.size() < 2)
      throw LineError{
          "expected an event after the time: join, subscribe, send, publish, burst, stall, resume, leave, "
          "disconnect, shutdown, expect, raw, frame, link or backplane"};
    LineParser p(std::move(tokens), 2);
    readEvent(event, p, scenarioWordAt(text));
    scenario_.events.push_back(std::move(event));
  }

 private:
  static std::string scenarioWordAt(std::string_view text) {
    std::vector<Token> tokens = tokenize(text);
    return tokens.size() > 1 ? tokens[1].text : std::string();
  }

  void readEvent(Event& event, LineParser& p, const std::string& verb) {
    using Kind = Event::Kind;
    static const std::map<std::string, Kind> kVerbs{
        {"join", Kind::kJoin},         {"subscribe", Kind::kSubscribe}, {"send", Kind::kSend},
        {"publish", Kind::kPublish},   {"burst", Kind::kBurst},         {"stall", Kind::kStall},
        {"resume", Kind::kResume},     {"leave", Kind::kLeave},         {"disconnect", Kind::kDisconnect},
        {"shutdown", Kind::kShutdown}, {"expect", Kind::kExpect},        {"raw", Kind::kRaw},
        {"frame", Kind::kFrame},       {"link", Kind::kLink},           {"backplane", Kind::kBackplane}};
    auto found = kVerbs.find(verb);
    if (found == kVerbs.end()) {
      throw LineError{"unknown event '" + verb +
                      "': expected join, subscribe, send, publish, burst, stall, resume, leave, disconnect, "
                      "shutdown, expect, raw, frame, link or backplane"};
    }
    event.kind = found->second;
    if (event.atEnd && event.kind != Kind::kExpect) throw LineError{"only 'expect' may be timed 'end'"};
    checkClusterEvent(event.kind);
    if (event.kind == Kind::kLink) return readLink(event, p);
    if (event.kind == Kind::kBackplane) return readBackplane(event, p);
    if (event.kind == Kind::kShutdown) {
      auto options = p.options({"grace"});
      event.grace = options.count("grace") ? parseDuration(options["grace"], "grace") : kGraceDefault;
      return;
    }
    // "expect client bob closed 1008" reads as "expect bob closed 1008", unless a client is
    // called "client" and the next word is not a client (then it is that client's topic).
    if (event.kind == Kind::kExpect && p.peek() == "client" && !p.peek(1).empty() &&
        !isExpectationWord(p.peek(1)) && (joined_.count(p.peek(1)) != 0 || joined_.count("client") == 0))
      p.skip();
    event.client = p.bare("a client name");
    checkClientName(event.client);
    if (event.kind == Kind::kJoin) {
      if (!joined_.insert(event.client).second)
        throw LineError{"client '" + event.client + "' already joined"};
    } else if (joined_.count(event.client) == 0) {
      throw LineError{"client '" + event.client + "' is used before it joined: add a 'join " + event.client +
                      "' line first"};
    }
    // stall|resume NAME [TOPIC] ..., send NAME [TOPIC] "text": a bare word there is a topic
    // (send's text is always quoted, so "send alice hello" is still a missing quote).
    const bool topicNext =
        event.kind == Kind::kSend ? p.peekBare() && p.peekQuoted(1)
                                  : (event.kind == Kind::kStall || event.kind == Kind::kResume) && p.peekBare();
    if (topicNext) event.topic = subscribedTopic(event, p.bare("a topic"));
    switch (event.kind) {
      case Kind::kJoin: {
        auto options = p.options({"latency", "jitter", "window", "rate", "token", "node"});
        if (options.count("node")) event.node = parseNode(options["node"]);
        if (options.count("latency")) event.latency = parseDuration(options["latency"], "latency");
        if (options.count("jitter")) event.jitter = parseDuration(options["jitter"], "jitter");
        if (options.count("window")) event.window = parseBytes(options["window"], "window");
        if (options.count("rate"))
          event.rate = parseCount(options["rate"], "rate (messages read per second)", 1'000'000'000);
        if (options.count("token")) {
          if (!scenario_.settings.tokens) throw LineError{"token= needs 'set tokens on' before the first event"};
          const std::string& token = options["token"];
          if (token == "none" || token == "forged" || token == "forever") {
            event.token = token;
          } else {
            // Spelled as formatDuration() writes it, so that a scenario reads back as it was.
            event.token = formatDuration(parseDuration(token, "token (none, forged, forever or a lifetime)"));
          }
        }
        break;
      }
      case Kind::kSubscribe: {
        event.topic = p.bare("a topic");
        checkTopic(event.topic);
        subscribed_.insert({event.client, event.topic});
        auto options = p.options({"queue", "since", "last"});
        if (options.count("queue")) event.queue = parseCount(options["queue"], "queue (messages)");
        if (options.count("since")) {
          if (options["since"] != "read") throw LineError{"expected since=read, got since=" + options["since"]};
          event.sinceRead = true;
        }
        if (options.count("last")) {
          if (event.sinceRead) throw LineError{"since=read and last= cannot be combined"};
          event.last = parseCount(options["last"], "last (messages)", 100'000);
        }
        break;
      }
      case Kind::kSend: {
        event.text = p.quoted("the message text");
        auto options = p.options({"size"});
        if (options.count("size"))
          event.size = parseCount(options["size"], "size (bytes of text)", kBurstTextBytesMax);
        break;
      }
      case Kind::kPublish:
        event.topic = p.bare("a topic");
        checkTopic(event.topic);
        event.text = p.quoted("the message text");
        p.options({});
        break;
      case Kind::kBurst: {
        event.topic = p.bare("a topic");
        checkTopic(event.topic);
        event.count = parseCount(p.bare("a message count"), "the burst's message count", kBurstCountMax);
        auto options = p.options({"every", "size"});
        if (options.count("every")) event.every = parseDuration(options["every"], "every");
        if (options.count("size"))
          event.size = parseCount(options["size"], "size (bytes of text)", kBurstTextBytesMax);
        break;
      }
      case Kind::kResume: {
        auto options = p.options({"rate"});
        if (options.count("rate"))
          event.rate = parseCount(options["rate"], "rate (messages read per second)", 1'000'000'000);
        break;
      }
      case Kind::kLeave:
        if (p.peekBare()) {
          event.topic = p.bare("a topic");
          checkTopic(event.topic);
        }
        p.options({});
        break;
      case Kind::kExpect: readExpectation(event, p); break;
      case Kind::kRaw:
        event.text = p.quoted("the bytes to send");
        if (event.text.empty()) throw LineError{"expected at least one byte to send"};
        if (event.text.size() > kBurstTextBytesMax) throw LineError{"at most 1 MiB of bytes per line"};
        p.options({});
        break;
      case Kind::kFrame: readFrame(event, p); break;
      case Kind::kStall:
      case Kind::kDisconnect: p.options({}); break;
      case Kind::kShutdown:
      case Kind::kLink:
      case Kind::kBackplane: break;
    }
  }

  // The cluster commands, and what a cluster scenario (set nodes 2 or 3) can play so far:
  // its clients are the nodes' own subscribers and publishers, not WebSocket sessions.
  void checkClusterEvent(Event::Kind kind) const {
    using Kind = Event::Kind;
    const bool cluster = scenario_.settings.nodes > 1;
    if ((kind == Kind::kLink || kind == Kind::kBackplane) && !cluster) {
      throw LineError{"'" + std::string(toString(kind)) +
                      "' needs a cluster: add 'set nodes 2' (or 3) before the first event"};
    }
    const bool playable = kind == Kind::kJoin || kind == Kind::kSubscribe || kind == Kind::kPublish ||
                          kind == Kind::kBurst || kind == Kind::kLeave || kind == Kind::kDisconnect ||
                          kind == Kind::kExpect || kind == Kind::kLink || kind == Kind::kBackplane;
    if (cluster && !playable) {
      throw LineError{"'" + std::string(toString(kind)) +
                      "' is not played in a cluster scenario yet (set nodes > 1): use join, subscribe, publish, "
                      "burst, leave, disconnect, expect, link or backplane"};
    }
  }

  int parseNode(const std::string& text) const {
    const auto node = parseUnsigned(text);
    const int nodes = scenario_.settings.nodes;
    if (!node || *node < 1 || *node > static_cast<std::uint64_t>(nodes)) {
      throw LineError{"expected node= from 1 to " + std::to_string(nodes) + " (set nodes " + std::to_string(nodes) +
                      "), got '" + text + "'"};
    }
    return static_cast<int>(*node);
  }

  // link node=N cut|heal|delay=D
  void readLink(Event& event, LineParser& p) const {
    const std::string node = p.bare("node=N (the node whose link changes)");
    if (node.rfind("node=", 0) != 0) throw LineError{"expected node=N after 'link', got '" + node + "'"};
    event.node = parseNode(node.substr(5));
    const std::string change = p.bare("cut, heal or delay=D");
    if (change == "cut") {
      event.linkChange = Event::LinkChange::kCut;
    } else if (change == "heal") {
      event.linkChange = Event::LinkChange::kHeal;
    } else if (change.rfind("delay=", 0) == 0) {
      event.linkChange = Event::LinkChange::kDelay;
      event.delay = parseDuration(change.substr(6), "delay");
    } else {
      throw LineError{"expected cut, heal or delay=D after the node, got '" + change + "'"};
    }
    p.options({});
  }

  // backplane restart [down=D]
  static void readBackplane(Event& event, LineParser& p) {
    const std::string what = p.bare("'restart'");
    if (what != "restart") throw LineError{"expected 'backplane restart', got 'backplane " + what + "'"};
    auto options = p.options({"down"});
    event.delay = options.count("down") ? parseDuration(options["down"], "down") : kRestartDownDefault;
  }

  // expect NAME [TOPIC] WHAT ...: the word after the name is a topic unless it is one of
  // the expectation words, so that "expect alice received 3" keeps its meaning; a topic
  // spelled like one is still a topic when another expectation word follows it, as in
  // "expect alice open open" (no expectation word is followed by another).
  void readExpectation(Event& event, LineParser& p) {
    const std::string next = p.peek();
    const bool topicFollows =
        !next.empty() && (isExpectationWord(p.peek(1)) || (!isExpectationWord(next) && !p.peek(1).empty()));
    if (!next.empty() && !isExpectationWord(next) && !topicFollows) {
      throw LineError{"expected received, published, rejected, closed, open, refused, got, ended or resumed "
                      "after the client, got '" +
                      next + "'"};
    }
    if (topicFollows) {
      if (!isExpectationWord(p.peek(1))) {
        throw LineError{"expected received, published, rejected, closed, open, refused, got, ended or resumed "
                        "after the topic '" +
                        next + "', got '" + p.peek(1) + "'"};
      }
      event.topic = p.bare("a topic");
      checkTopic(event.topic);
      if (p.peek() == "got" || p.peek() == "ended") {
        throw LineError{"'" + p.peek() +
                        "' takes no topic: it is about the bytes of a byte-level client, which has no "
                        "subscribe line"};
      }
    }
    event.expect = parseExpectation(p);
    using Want = Expectation::Kind;
    const Want want = event.expect.kind;
    if (scenario_.settings.nodes > 1 && want != Want::kReceived && want != Want::kPublished &&
        want != Want::kRejected && want != Want::kOpen && want != Want::kResumed) {
      throw LineError{"a cluster scenario (set nodes > 1) judges received, published, rejected, open and resumed "
                      "only"};
    }
    if (!event.topic.empty()) subscribedTopic(event, event.topic);
  }

  // A topic that picks one of the client's connections: it must have subscribed to it on
  // an earlier line, so that a misspelt topic is a mistake here, not an empty count later.
  std::string subscribedTopic(const Event& event, const std::string& topic) const {
    checkTopic(topic);
    if (subscribed_.count({event.client, topic}) == 0) {
      throw LineError{"client '" + event.client + "' has not subscribed to '" + topic + "' before this " +
                      std::string(toString(event.kind)) + " line: add a 'subscribe " + event.client + " " +
                      topic + "' line first"};
    }
    return topic;
  }

  // frame NAME OPCODE "payload" [code=N] [fin=0] [mask=0]
  static void readFrame(Event& event, LineParser& p) {
    const std::string opcode = p.bare("an opcode (text, binary, continuation, close, ping, pong or 0-15)");
    event.opcode = -1;
    for (int value = 0; value < 16; ++value) {
      if (opcodeName(value) == opcode) event.opcode = value;
    }
    if (event.opcode < 0) {
      auto number = parseUnsigned(opcode);
      if (!number || *number > 15)
        throw LineError{"expected an opcode (text, binary, continuation, close, ping, pong or 0-15), got '" +
                        opcode + "'"};
      event.opcode = static_cast<int>(*number);
    }
    event.text = p.peekQuoted() ? p.quoted("the frame's payload") : std::string();
    if (event.text.size() > kBurstTextBytesMax) throw LineError{"at most 1 MiB of payload per frame"};
    auto options = p.options({"code", "fin", "mask"});
    if (options.count("code")) {
      auto code = parseUnsigned(options["code"]);
      if (!code || *code > 65535) throw LineError{"expected code= from 0 to 65535, got '" + options["code"] + "'"};
      event.closeCode = static_cast<int>(*code);
    }
    for (const char* flag : {"fin", "mask"}) {
      if (!options.count(flag)) continue;
      if (options[flag] != "0" && options[flag] != "1")
        throw LineError{std::string("expected ") + flag + "=0 or " + flag + "=1, got '" + options[flag] + "'"};
      (std::string_view(flag) == "fin" ? event.fin : event.masked) = options[flag] == "1";
    }
  }

  Scenario& scenario_;
  std::set<std::string> joined_;
  std::set<std::pair<std::string, std::string>> subscribed_;  // client, topic
  core::Duration lastAt_{};
  bool sawEvent_ = false;
  bool sawEnd_ = false;
};

}  // namespace

ParseResult parseScenario(std::string_view text, const std::string& file) {
  Scenario scenario;
  scenario.file = file;
  ScenarioReader reader(scenario);
  int lineNumber = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++lineNumber;
    try {
      reader.readLine(text.substr(start, end - start), lineNumber);
    } catch (const LineError& error) {
      return ParseError{file, lineNumber, error.message};
    }
    start = end + 1;
  }
  return scenario;
}

ParseResult loadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ParseError{path, 0, "cannot read the file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parseScenario(text.str(), path);
}

}  // namespace spread::sim
