#include "spread/core/injected_faults.h"

#include <functional>
#include <map>

namespace spread::core {

namespace {
using Switch = bool InjectedFaults::*;
const std::map<std::string, Switch, std::less<>>& switches() {
  static const std::map<std::string, Switch, std::less<>> all{
      {"topic-skips-subscriber", &InjectedFaults::topicSkipsSubscriber},
      {"queue-forgets-bound", &InjectedFaults::queueForgetsBound},
      {"unflushed-close", &InjectedFaults::unflushedClose},
      {"wrong-drop-code", &InjectedFaults::wrongDropCode},
      {"parser-accepts-bad-utf8", &InjectedFaults::parserAcceptsBadUtf8},
  };
  return all;
}
}  // namespace

bool InjectedFaults::enable(std::string_view name) {
  auto found = switches().find(name);
  if (found == switches().end()) return false;
  this->*(found->second) = true;
  return true;
}

const std::set<std::string>& InjectedFaults::names() {
  static const std::set<std::string> all = [] {
    std::set<std::string> out;
    for (const auto& [name, unused] : switches()) out.insert(name);
    return out;
  }();
  return all;
}

}  // namespace spread::core
