#include "scenario_settings.h"

#include "scenario_values.h"

namespace spread::sim {

using namespace scenario_values;

void applySetting(Settings& settings, const std::string& name, const std::string& value) {
  if (name == "seed") {
    auto seed = parseUnsigned(value);
    if (!seed) throw LineError{"expected the seed as a whole number, got '" + value + "'"};
    settings.seed = *seed;
  } else if (name == "queueBytes") {
    settings.queueBytes = parseBytes(value, "queueBytes");
  } else if (name == "sendWindow") {
    settings.sendWindowBytes = parseBytes(value, "sendWindow");
  } else if (name == "messageBytesMax") {
    settings.messageBytesMax = parseBytes(value, "messageBytesMax");
  } else if (name == "pingInterval") {
    settings.pingInterval = parseDuration(value, "pingInterval");
  } else if (name == "idleTimeout") {
    settings.idleTimeout = parseDuration(value, "idleTimeout");
  } else if (name == "publishWait") {
    settings.publishWait = parseDuration(value, "publishWait");
  } else if (name == "fanoutBatch") {
    settings.fanoutBatch = parseCount(value, "fanoutBatch");
  } else if (name == "inbound") {
    settings.inboundMessagesMax = parseCount(value, "inbound");
  } else if (name == "topicsMax") {
    settings.topicsMax = parseCount(value, "topicsMax");
  } else if (name == "topicLinger") {
    settings.topicLinger = parseDuration(value, "topicLinger");
  } else if (name == "closeTimeout") {
    settings.closeTimeout = parseDuration(value, "closeTimeout");
  } else if (name == "history") {
    settings.history = parseCount(value, "history (messages kept per topic)", 100'000);
  } else if (name == "nodes") {
    settings.nodes = static_cast<int>(parseCount(value, "nodes (cluster nodes)", 3));
  } else if (name == "tokens") {
    if (value != "on" && value != "off") throw LineError{"expected tokens on or off, got '" + value + "'"};
    settings.tokens = value == "on";
  } else {
    throw LineError{
        "unknown setting '" + name +
        "': expected one of seed, queueBytes, sendWindow, messageBytesMax, pingInterval, idleTimeout, "
        "publishWait, fanoutBatch, inbound, topicsMax, topicLinger, closeTimeout, tokens, history, nodes"};
  }
}

}  // namespace spread::sim
