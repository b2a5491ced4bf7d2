#include <map>

#include "client_world.h"

namespace spread::plugins::sim {

namespace {
using Switch = bool BugSwitches::*;
const std::map<std::string, Switch, std::less<>>& switches() {
  static const std::map<std::string, Switch, std::less<>> all{
      {"drop-after-resume", &BugSwitches::dropAfterResume},
      {"duplicate-delivery", &BugSwitches::duplicateDelivery},
      {"close-twice", &BugSwitches::closeTwice},
      {"end-before-flush", &BugSwitches::endBeforeFlush},
      {"queue-off-by-one", &BugSwitches::queueOffByOne},
      {"early-drop", &BugSwitches::earlyDrop},
      {"slow-stop", &BugSwitches::slowStop},
      {"window-ignored", &BugSwitches::windowIgnored},
      {"lost-close", &BugSwitches::lostClose},
      {"throw-in-task", &BugSwitches::throwInTask},
      {"reorder-publishes", &BugSwitches::reorderPublishes},
  };
  return all;
}
}  // namespace

bool BugSwitches::enable(std::string_view name) {
  auto found = switches().find(name);
  if (found == switches().end()) return false;
  this->*(found->second) = true;
  return true;
}

const std::set<std::string>& BugSwitches::names() {
  static const std::set<std::string> all = [] {
    std::set<std::string> out;
    for (const auto& [name, unused] : switches()) out.insert(name);
    return out;
  }();
  return all;
}

}  // namespace spread::plugins::sim
