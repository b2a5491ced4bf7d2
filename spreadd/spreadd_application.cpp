#include "spreadd_application.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string_view>
#include <vector>

#include "build_version.h"
#include "configuration_reload.h"
#include "embedded_defaults.h"
#include "logging_setup.h"
#include "property_file.h"
#include "server_runtime.h"
#include "shutdown_sequence.h"
#include "token_checking.h"
#include "transport_set.h"

namespace spread::daemon {
namespace {

constexpr const char* kDefaultConfig = "etc/server.properties";
// How long a --daemon launcher waits for the detached server to be listening.
constexpr std::chrono::seconds kDaemonReadyWithin{60};

void printError(const std::string& message) { std::cerr << "spreadd: error: " << message << std::endl; }

// Errors found once logging is set up go to standard error as always, and also to the log
// when that is a file (where a --daemon's standard error, /dev/null, would lose them).
void reportError(const DaemonConfig& config, const std::string& message) {
  printError(message);
  if (!config.logFile.value.empty()) Poco::Logger::get("spreadd").error(message);
}

// A lifecycle line ("listening ...", "ready", "stopped"): on standard output, where
// supervisors and tests wait for it, and in the log too when that is a file. A log on the
// console would show it twice.
void announce(const DaemonConfig& config, const std::string& line) {
  std::cout << "spreadd: " << line << std::endl;
  if (!config.logFile.value.empty()) Poco::Logger::get("spreadd").information(line);
}

// The running program's own path, from the kernel: argv[0] may be relative or a bare name.
std::string executablePath() {
  char buffer[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (length <= 0) return {};
  return std::string(buffer, static_cast<std::size_t>(length));
}

}  // namespace

SpreaddApplication::SpreaddApplication() : startDirectory_(Poco::Path::current()) { setUnixOptions(true); }

namespace {

// The signals spreadd waits for: the three ServerApplication::waitForTerminationRequest()
// waits for, and SIGHUP, which asks for the credentials to be reloaded.
sigset_t waitedSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGQUIT);
  sigaddset(&signals, SIGHUP);
  return signals;
}

// Waits for a termination signal, calling `reload` on each SIGHUP meanwhile (a SIGHUP that
// arrives during a reload is kept pending and served next).
template <typename Reload>
void waitForTermination(Reload&& reload) {
  const sigset_t signals = waitedSignals();
  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received != SIGHUP) return;
    reload();
  }
}

}  // namespace

void SpreaddApplication::blockTerminationSignals() {
  const sigset_t signals = waitedSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void SpreaddApplication::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);  // --daemon, --umask, --pidfile
  options.addOption(Poco::Util::Option("help", "h", "Print this help and exit.").required(false).repeatable(false));
  options.addOption(Poco::Util::Option("version", "",
                                       "Print 'spreadd <version> (<git commit>)' and exit; the commit is the one "
                                       "built, with -dirty if the tree had uncommitted changes.")
                        .required(false)
                        .repeatable(false));
  options.addOption(Poco::Util::Option("config", "c", "Read the configuration from FILE (see below).")
                        .required(false)
                        .repeatable(false)
                        .argument("FILE"));
  options.addOption(
      Poco::Util::Option("check-config", "",
                         "Validate the configuration, load the plugins and let each check its own keys, then "
                         "exit: 0 if good, 78 if not.")
          .required(false)
          .repeatable(false));
}

void SpreaddApplication::handleOption(const std::string& name, const std::string& value) {
  if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    versionRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "check-config") {
    checkOnly_ = true;
  } else if (name == "daemon") {
    // An abbreviation such as --daem, which Poco's own check for "--daemon" misses.
    daemon_ = true;
    return;
  } else if (name == "config") {
    configPath_ = fromStartDirectory(value);
  } else if (name == "pidfile") {
    // Poco deletes the pid file at exit by the path it was given; after --daemon's
    // chdir("/") only an absolute path still names the same file.
    pidFile_ = fromStartDirectory(value);
    // Poco writes the file right now. A path it cannot write is a value spreadd cannot use
    // (main() reports it, exit 78), not a command line it cannot parse.
    try {
      ServerApplication::handleOption(name, pidFile_);
    } catch (const Poco::Exception& error) {
      pidFileError_ = "--pidfile " + pidFile_ + ": cannot be written: " + error.displayText();
      pidFile_.clear();
    }
    return;
  }
  ServerApplication::handleOption(name, value);
}

int SpreaddApplication::runCommandLine(int argc, char** argv) {
  // ServerApplication::run() catches the exception a command line it cannot parse throws,
  // logs it to logger() (Poco's "ApplicationStartup" logger until logging is set up) and
  // returns EXIT_CONFIG without calling initialize(). This channel makes that log line one
  // of spreadd's error lines, and commandLineParsed_ tells the failure apart.
  Poco::AutoPtr<Poco::PatternFormatter> format(new Poco::PatternFormatter("spreadd: error: %t (see --help)"));
  Poco::AutoPtr<Poco::Channel> console(new Poco::ConsoleChannel);
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(format, console));
  logger().setChannel(channel);
  // Poco would fork for --daemon before reading anything, so it never sees the option:
  // spreadd detaches itself once everything has been checked (see main()).
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::string_view(argv[i]) == "--daemon") {
      daemon_ = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  args.push_back(nullptr);
  const int status = run(static_cast<int>(args.size()) - 1, args.data());
  return commandLineParsed_ ? status : EXIT_USAGE;
}

void SpreaddApplication::initialize(Poco::Util::Application& self) {
  commandLineParsed_ = true;
  ServerApplication::initialize(self);
}

std::string SpreaddApplication::fromStartDirectory(const std::string& path) const {
  if (path.empty()) return path;
  return Poco::Path(path).makeAbsolute(Poco::Path(startDirectory_)).toString();
}

void SpreaddApplication::displayHelp() const {
  Poco::Util::HelpFormatter help(options());
  help.setCommand(commandName());
  help.setUsage("[OPTIONS]");
  help.setHeader("The Spread publish/subscribe server.");
  help.setFooter(
      "Without --config, spreadd reads etc/server.properties from the directory it is started in "
      "if that file exists, and otherwise runs on its built-in defaults (which are that file as "
      "shipped). Once every transport is listening it prints 'spreadd: listening <transport> "
      "<endpoint>' for each URL it serves, then 'spreadd: ready'. SIGHUP rereads the configuration and applies "
      "what can change without a restart (the log level, the transports' limits, allowed origins, trusted "
      "proxies, TLS certificates), logs what it changed and what needs a restart, then prints "
      "'spreadd: reloaded'; a configuration start would refuse is refused ('spreadd: reload refused') and the "
      "server runs on as it was. SIGINT, SIGTERM or SIGQUIT shut it down "
      "gracefully within spread.shutdownGraceMs; it then prints 'spreadd: stopped' and exits 0. "
      "With --daemon it checks everything first, then detaches; the command returns once the "
      "server is ready (0), or with the server's own error and exit status.");
  help.format(std::cout);
}

std::optional<DaemonConfig> SpreaddApplication::readConfig(std::string& describedSource,
                                                           std::vector<std::string>& errors) const {
  const PropertyFile defaults = PropertyFile::parse(embeddedDefaults(), kEmbeddedDefaultsSource);
  std::string path = configPath_;
  if (path.empty()) {
    const std::string candidate = fromStartDirectory(kDefaultConfig);
    if (Poco::File(candidate).exists()) path = candidate;
  }
  std::optional<PropertyFile> file;
  if (!path.empty()) {
    try {
      file = PropertyFile::load(path);
    } catch (const Poco::Exception& error) {
      errors.push_back("cannot read the configuration: " + error.displayText());
      return std::nullopt;
    }
  }
  describedSource = path.empty() ? std::string(kEmbeddedDefaultsSource) : path;
  auto result = readDaemonConfig(defaults, file ? &*file : nullptr);
  if (auto* found = std::get_if<std::vector<ConfigError>>(&result)) {
    for (const auto& error : *found) errors.push_back(error.message());
    return std::nullopt;
  }
  return std::get<DaemonConfig>(std::move(result));
}

bool SpreaddApplication::setUpLogging(DaemonConfig& config) const {
  config.logFile.value = fromStartDirectory(config.logFile.value);
  try {
    configureLogging(config.logPriority, config.logPattern, config.logFile.value);
  } catch (const Poco::Exception& error) {
    printError(ConfigError{config.logFile.source, config.logFile.line, "logging.file",
                           "cannot be opened: " + error.displayText()}
                   .message());
    return false;
  }
  return true;
}

std::string SpreaddApplication::resolvePluginDir(const std::string& configured) const {
  if (!configured.empty()) return fromStartDirectory(configured);
  // The build tree (bin/, lib/spread/) and the package (/usr/bin, /usr/lib/spread) share
  // this layout, so one rule serves both.
  Poco::Path program(executablePath());
  return program.parent().popDirectory().pushDirectory("lib").pushDirectory("spread").toString();
}

int SpreaddApplication::main(const std::vector<std::string>& args) {
  if (helpRequested_) {
    displayHelp();
    return EXIT_OK;
  }
  if (versionRequested_) {
    std::cout << "spreadd " << buildVersion() << std::endl;
    return EXIT_OK;
  }
  if (!args.empty()) {
    printError("unexpected argument '" + args.front() + "' (see --help)");
    return EXIT_USAGE;
  }
  if (!pidFileError_.empty()) {
    printError(pidFileError_);
    return EXIT_CONFIG;
  }
  std::string source;
  std::vector<std::string> configErrors;
  std::optional<DaemonConfig> config = readConfig(source, configErrors);
  for (const std::string& error : configErrors) printError(error);
  if (!config || !setUpLogging(*config)) return EXIT_CONFIG;
  auto authenticator = makeAuthenticator(*config, [this](const std::string& path) { return fromStartDirectory(path); });
  if (auto* error = std::get_if<ConfigError>(&authenticator)) {
    printError(error->message());
    return EXIT_CONFIG;
  }
  // Loading a plugin starts no thread and needs no runtime, so --check-config checks the
  // plugins too, and a missing one is reported before anything needs shutting down.
  auto loaded = TransportSet::load(*config, resolvePluginDir(config->pluginDir));
  if (auto* errors = std::get_if<std::vector<std::string>>(&loaded)) {
    for (const auto& error : *errors) reportError(*config, error);
    return EXIT_CONFIG;
  }
  // Every transport's keys are checked before any transport starts, so that a bad value is
  // a configuration error (78) on a normal start as under --check-config, and a start()
  // failure is left meaning a resource that cannot be had (69).
  const std::vector<std::string> keyErrors = std::get<TransportSet>(loaded).checkConfig(*config);
  if (!keyErrors.empty()) {
    for (const auto& error : keyErrors) reportError(*config, error);
    return EXIT_CONFIG;
  }
  // The engine plugin checks its keys as it makes its backplane, which starts nothing yet.
  std::unique_ptr<EnginePlugin> enginePlugin;
  if (config->engine.name != "inprocess") {
    auto engine = EnginePlugin::load(*config, resolvePluginDir(config->pluginDir));
    if (auto* error = std::get_if<std::string>(&engine)) {
      reportError(*config, *error);
      return EXIT_CONFIG;
    }
    enginePlugin = std::move(std::get<std::unique_ptr<EnginePlugin>>(engine));
  }
  if (checkOnly_) {
    std::cout << "spreadd: configuration OK (" << source << ")" << std::endl;
    return EXIT_OK;
  }
  if (daemon_) {
    int launcherStatus = EXIT_OK;
    detachment_ = Detachment::detach(kDaemonReadyWithin, launcherStatus);
    if (!detachment_) std::_Exit(launcherStatus);
    if (!rewritePidFile()) return EXIT_CONFIG;
  }
  Poco::Logger::get("spreadd").information("configuration read from " + source);
  return serve(*config, std::get<TransportSet>(loaded),
               std::get<std::unique_ptr<transport::auth::Authenticator>>(authenticator).get(), enginePlugin.get());
}

int SpreaddApplication::serve(DaemonConfig& config, TransportSet& transports,
                              const transport::auth::Authenticator* authenticator, EnginePlugin* enginePlugin) {
  Poco::Logger& logger = Poco::Logger::get("spreadd");
  ServerRuntime runtime(config, enginePlugin);
  if (auto error = transports.start(runtime, config, authenticator)) {
    reportError(config, *error);
    if (!shutDown(runtime, transports, config.shutdownGrace, logger).clean()) {
      transports.abandon();
      exitAbandoningTransports(config, EXIT_UNAVAILABLE);
    }
    transports.unload();
    return EXIT_UNAVAILABLE;
  }
  for (const auto& [name, endpoints] : transports.endpoints()) {
    // One line per URL: a transport may listen on several (plain and TLS).
    std::size_t at = 0;
    while (at < endpoints.size()) {
      const std::size_t end = std::min(endpoints.find(' ', at), endpoints.size());
      const std::string endpoint = endpoints.substr(at, end - at);
      at = end + 1;
      if (endpoint.empty()) continue;
      announce(config, "listening " + name + " " + endpoint);
    }
  }
  announce(config, "ready");
  if (detachment_) detachment_->ready();

  waitForTermination([&] { reload(config, transports); });

  logger.information("shutting down");
  if (!shutDown(runtime, transports, config.shutdownGrace, logger).clean()) {
    transports.abandon();
    exitAbandoningTransports(config, EXIT_OK);
  }
  // The transports go before the runtime they were started on.
  transports.unload();
  announce(config, "stopped");
  return EXIT_OK;
}

void SpreaddApplication::reload(DaemonConfig& running, TransportSet& transports) {
  Poco::Logger& logger = Poco::Logger::get("spreadd");
  logger.information("SIGHUP: reloading the configuration");
  // What start would refuse, a reload refuses, with the same errors; nothing is applied
  // then, and the server runs on as it was.
  std::string source;
  std::vector<std::string> errors;
  std::optional<DaemonConfig> next = readConfig(source, errors);
  if (next) {
    auto authenticator = makeAuthenticator(*next, [this](const std::string& path) { return fromStartDirectory(path); });
    if (auto* error = std::get_if<ConfigError>(&authenticator)) errors.push_back(error->message());
  }
  if (next && errors.empty()) errors = transports.checkConfig(*next);
  if (!errors.empty()) {
    for (const std::string& error : errors) reportError(running, error);
    logger.error("configuration not reloaded from " + (source.empty() ? configPath_ : source) +
                 ": the running configuration stays");
    std::cout << "spreadd: reload refused" << std::endl;
    return;
  }
  ReloadSummary summary = applyDaemonKeys(running, *next);
  TransportSet::ReloadReport transported = transports.reload(*next);
  summary.applied.insert(summary.applied.end(), transported.applied.begin(), transported.applied.end());
  summary.needsRestart.insert(summary.needsRestart.end(), transported.needsRestart.begin(),
                              transported.needsRestart.end());
  for (const std::string& error : transported.errors) logger.error(error);
  logger.information(describeReload(source, summary));
  // Once everything is logged: a supervisor (or a test) waiting on stdout knows it is over.
  std::cout << "spreadd: reloaded" << std::endl;
}

bool SpreaddApplication::rewritePidFile() const {
  if (pidFile_.empty()) return true;
  std::ofstream file(pidFile_, std::ios::trunc);
  file << ::getpid() << "\n";
  if (file.flush()) return true;
  printError("--pidfile " + pidFile_ + ": cannot be written");
  return false;
}

void SpreaddApplication::exitAbandoningTransports(const DaemonConfig& config, int status) {
  // A transport that never stopped may still be using the runtime from its own threads, so
  // no destructor may run: leave at once, doing by hand the little exit would have done.
  announce(config, "stopped");
  if (!pidFile_.empty()) std::remove(pidFile_.c_str());
  std::_Exit(status);
}

}  // namespace spread::daemon
