#include "transport_set.h"

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/MapConfiguration.h>

#include <algorithm>
#include <exception>
#include <future>

namespace spread::daemon {

namespace {

// Transports must not throw, but one that does must not take the daemon down with a
// stray exception: runs `call` and returns the exception's text if it threw.
template <typename Call>
std::optional<std::string> exceptionFrom(Call&& call) {
  try {
    call();
    return std::nullopt;
  } catch (const std::exception& error) {
    return std::string(error.what());
  } catch (...) {
    return std::string("an unknown exception");
  }
}

Poco::AutoPtr<Poco::Util::MapConfiguration> configurationOf(const TransportSettings& settings) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  for (const auto& [key, setting] : settings.keys) config->setString(key, setting.value);
  return config;
}

const TransportSettings* settingsNamed(const DaemonConfig& config, const std::string& name) {
  for (const TransportSettings& settings : config.transportSettings) {
    if (settings.name == name) return &settings;
  }
  return nullptr;
}

// `running` with `applied` keys as `next` has them (or gone, if `next` has them no more).
void takeApplied(TransportSettings& running, const TransportSettings& next, const std::vector<std::string>& applied) {
  for (const std::string& key : applied) {
    std::erase_if(running.keys, [&](const auto& pair) { return pair.first == key; });
    for (const auto& pair : next.keys) {
      if (pair.first == key) running.keys.push_back(pair);
    }
  }
}

}  // namespace

// Members are destroyed in reverse order: the transport first, then the context and the
// configuration it may refer to until the end.
struct TransportSet::Entry {
  TransportSettings settings;  // where each key was set, to locate the transport's errors
  Poco::AutoPtr<Poco::Util::MapConfiguration> config;
  std::unique_ptr<transport::TransportContext> context;
  std::unique_ptr<transport::LoadedTransport> loaded;
  bool started = false;
};

TransportSet::~TransportSet() = default;
TransportSet::TransportSet(TransportSet&&) noexcept = default;
TransportSet& TransportSet::operator=(TransportSet&&) noexcept = default;

std::variant<TransportSet, std::vector<std::string>> TransportSet::load(const DaemonConfig& config,
                                                                        const std::string& pluginDir) {
  transport::PluginLoader loader(pluginDir);
  TransportSet set;
  std::vector<std::string> errors;
  for (const TransportSettings& settings : config.transportSettings) {
    auto result = loader.load(settings.name);
    if (auto* error = std::get_if<transport::PluginError>(&result)) {
      errors.push_back("transport '" + settings.name + "': " + error->message());
      continue;
    }
    auto entry = std::make_unique<Entry>();
    entry->settings = settings;
    entry->config = configurationOf(settings);
    entry->loaded = std::move(std::get<std::unique_ptr<transport::LoadedTransport>>(result));
    set.entries_.push_back(std::move(entry));
  }
  if (!errors.empty()) return errors;
  return set;
}

std::vector<std::string> TransportSet::checkConfig(const DaemonConfig& config) const {
  std::vector<std::string> errors;
  for (const auto& entry : entries_) {
    const TransportSettings* settings = settingsNamed(config, entry->settings.name);
    if (settings == nullptr) continue;  // a reload that drops a transport: it needs a restart
    const auto keys = configurationOf(*settings);
    std::optional<std::string> problem;
    if (auto thrown =
            exceptionFrom([&] { problem = entry->loaded->transport().checkConfig(*keys, config.session); })) {
      errors.push_back("transport '" + settings->name + "': checkConfig() threw " + *thrown);
    } else if (problem) {
      errors.push_back(locateTransportError(*settings, *problem));
    }
  }
  return errors;
}

std::optional<std::string> TransportSet::start(ServerRuntime& runtime, const DaemonConfig& config,
                                               const transport::auth::Authenticator* authenticator) {
  for (auto& entry : entries_) {
    const std::string& name = entry->settings.name;
    entry->context = std::make_unique<transport::TransportContext>(transport::TransportContext{
        runtime.broker(), runtime.clock(), runtime.executor(), runtime.metrics(), runtime.publisher(), config.session,
        *entry->config, Poco::Logger::get("spread.transport." + name), nullptr, authenticator,
        &runtime.presence()});
    entry->context->streams = streams_.get();
    transport::StartResult result;
    if (auto thrown = exceptionFrom([&] { result = entry->loaded->transport().start(*entry->context); })) {
      return "transport '" + name + "': start() threw " + *thrown;
    }
    if (!result.ok) return locateTransportError(entry->settings, result.error);
    entry->started = true;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> TransportSet::endpoints() const {
  std::vector<std::pair<std::string, std::string>> list;
  for (const auto& entry : entries_) {
    if (entry->started) list.emplace_back(entry->settings.name, entry->loaded->transport().endpoint());
  }
  return list;
}

TransportSet::ReloadReport TransportSet::reload(const DaemonConfig& next) {
  ReloadReport report;
  for (auto& entry : entries_) {
    const TransportSettings* settings = settingsNamed(next, entry->settings.name);
    if (!entry->started || settings == nullptr) continue;
    const std::string prefix = "transport." + settings->name + ".";
    const std::vector<std::string> changed = changedKeys(valuesOf(entry->settings), valuesOf(*settings));
    const auto keys = configurationOf(*settings);
    transport::ReloadOutcome outcome;
    if (auto thrown = exceptionFrom([&] { outcome = entry->loaded->transport().reload(*keys, changed); })) {
      report.errors.push_back("transport '" + settings->name + "': reload() threw " + *thrown);
      continue;
    }
    if (outcome.error) report.errors.push_back("transport '" + settings->name + "': " + *outcome.error);
    takeApplied(entry->settings, *settings, outcome.applied);
    for (const std::string& key : outcome.applied) report.applied.push_back(prefix + key);
    for (const std::string& key : outcome.needsRestart) report.needsRestart.push_back(prefix + key);
  }
  return report;
}

void TransportSet::beginDrain() {
  for (auto& entry : entries_) {
    if (!entry->started) continue;
    if (auto thrown = exceptionFrom([&] { entry->loaded->transport().beginDrain(); })) {
      Poco::Logger::get("spreadd").error("transport '" + entry->settings.name + "': beginDrain() threw " + *thrown);
    }
  }
}

std::vector<std::string> TransportSet::stop(WallClock::time_point closeBy, WallClock::time_point waitUntil) {
  // Every transport is told to stop before waiting for any, so they wind down together.
  std::vector<std::pair<Entry*, std::future<transport::StopOutcome>>> stopping;
  for (auto& entry : entries_) {
    if (!entry->started) continue;
    // The promise outlives this call if the transport answers after we stopped waiting.
    auto promise = std::make_shared<std::promise<transport::StopOutcome>>();
    stopping.emplace_back(entry.get(), promise->get_future());
    const auto remaining = std::max(closeBy - WallClock::now(), WallClock::duration::zero());
    auto done = [promise](transport::StopOutcome outcome) {
      // A second call breaks the transport's contract; ignoring it beats throwing into
      // whichever thread of the plugin made it.
      try {
        promise->set_value(outcome);
      } catch (const std::future_error&) {
      }
    };
    if (auto thrown = exceptionFrom(
            [&] { entry->loaded->transport().stop(std::chrono::duration_cast<core::Duration>(remaining), done); })) {
      // It may or may not have stopped; waiting for its callback tells which.
      Poco::Logger::get("spreadd").error("transport '" + entry->settings.name + "': stop() threw " + *thrown);
    }
  }
  std::vector<std::string> unfinished;
  for (auto& [entry, future] : stopping) {
    if (future.wait_until(waitUntil) != std::future_status::ready) {
      unfinished.push_back(entry->settings.name);
    } else {
      entry->started = false;
    }
  }
  return unfinished;
}

void TransportSet::unload() { entries_.clear(); }

void TransportSet::abandon() {
  // A deliberate leak of every entry, with its plugin, context and configuration: see the header.
  for (auto& entry : entries_) (void)entry.release();
  entries_.clear();
}

}  // namespace spread::daemon
