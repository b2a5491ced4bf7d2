// Fuzzes the configuration reader as spreadd runs it: PropertyFile::parse, then
// readDaemonConfig over the built-in defaults, then, when the websocket transport is
// listed, its parseConfig on the keys handed to it and locateTransportError on any refusal.
// Nothing crashes; every error names a key, and the input's line when the key came from
// the input. The whole input is the text of the file given with --config.
#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "daemon_config.h"
#include "embedded_defaults.h"
#include "fuzz_input.h"
#include "property_file.h"
#include "websocket_config.h"

namespace {

using spread::daemon::ConfigError;
using spread::daemon::DaemonConfig;
using spread::daemon::PropertyFile;
using spread::daemon::TransportSettings;
using spread::fuzz::check;

constexpr const char* kSource = "fuzz.properties";

// Lines as PropertyFile counts them: "\n", "\r\n" and a lone "\r" each end one.
int lineCount(std::string_view text) {
  int lines = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) ++lines;
  }
  return lines;
}

void checkDaemonError(const ConfigError& error, int lines) {
  if (error.key.empty()) {
    // The one error with no key to name: a line such as "= value".
    check(error.problem == "the line has a value but no key", "an error names a key");
  }
  check(!error.problem.empty(), "an error says what is wrong");
  if (error.source == kSource) {
    check(error.line >= 1 && error.line <= lines, "an error from the input names a line of the input");
  } else {
    check(error.source == spread::daemon::kEmbeddedDefaultsSource, "an error names the file or the defaults");
    check(!error.key.empty(), "an error about the defaults names a key");
  }
}

// Runs the transport's own reader as TransportSet::start() does and checks where its
// refusal is said to be.
void checkWebSocketKeys(const TransportSettings& settings, int lines) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  for (const auto& [key, setting] : settings.keys) config->setString(key, setting.value);
  const auto parsed = spread::plugins::websocket::parseConfig(*config);
  const auto* error = std::get_if<std::string>(&parsed);
  if (error == nullptr) return;

  const std::string prefix = spread::plugins::websocket::kConfigPrefix;
  check(error->starts_with(prefix), "a transport error names its full key");
  const std::size_t colon = error->find(':', prefix.size());
  check(colon != std::string::npos, "a transport error names its key, then the problem");
  const std::string key = error->substr(prefix.size(), colon - prefix.size());
  const auto* named = [&]() -> const spread::daemon::Setting* {
    for (const auto& [candidate, setting] : settings.keys) {
      if (candidate == key) return &setting;
    }
    return nullptr;
  }();
  if (named == nullptr) {
    std::fprintf(stderr, "error: %s\n", error->c_str());
    check(false, "a transport error names a key the configuration has");
  }
  const std::string located = spread::daemon::locateTransportError(settings, *error);
  const std::string expected = named->source + ":" + std::to_string(named->line) + ": " + prefix + key + ": ";
  if (!located.starts_with(expected)) {
    std::fprintf(stderr, "expected: %s\nlocated:  %s\n", expected.c_str(), located.c_str());
    check(false, "a transport error is located at the line of the key it names");
  }
  if (named->source == kSource) check(named->line >= 1 && named->line <= lines, "that line is in the input");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PropertyFile defaults =
      PropertyFile::parse(spread::daemon::embeddedDefaults(), spread::daemon::kEmbeddedDefaultsSource);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int lines = lineCount(text);

  const PropertyFile file = PropertyFile::parse(text, kSource);
  for (const auto& entry : file.entries()) check(entry.line >= 1 && entry.line <= lines, "entries have input lines");

  const auto result = spread::daemon::readDaemonConfig(defaults, &file);
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    check(!errors->empty(), "a refusal has at least one error");
    for (const ConfigError& error : *errors) checkDaemonError(error, lines);
    return 0;
  }
  const DaemonConfig& config = std::get<DaemonConfig>(result);
  for (const TransportSettings& settings : config.transportSettings) {
    if (settings.name == "websocket") checkWebSocketKeys(settings, lines);
  }
  return 0;
}
