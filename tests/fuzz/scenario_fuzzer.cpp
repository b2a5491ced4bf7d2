// Fuzzes the scenario parser (spread-sim's language): it never crashes; a refusal names a
// line that exists in the input and says what is wrong there; an accepted scenario, written
// back with formatScenario(), reads back into the same settings and events, as scenario.h
// promises. The whole input is the scenario text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_input.h"
#include "scenario.h"
#include "scenario_parser.h"

namespace {

using spread::fuzz::check;
using spread::sim::Event;
using spread::sim::parseScenario;
using spread::sim::ParseError;
using spread::sim::Scenario;

// Lines as the parser counts them: split at '\n', the text after the last one included.
int lineCount(std::string_view text) {
  int lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

// Events are equal apart from the line they were written on.
bool sameEventsIgnoringLines(const Scenario& a, const Scenario& b) {
  if (a.events.size() != b.events.size()) return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    Event left = a.events[i];
    Event right = b.events[i];
    left.line = right.line = 0;
    if (!(left == right)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parseScenario(text, "fuzz.scn");
  if (const auto* error = std::get_if<ParseError>(&parsed)) {
    check(error->file == "fuzz.scn", "an error names the file");
    check(error->line >= 1 && error->line <= lineCount(text), "an error names a line of the input");
    check(!error->message.empty(), "an error says what is wrong");
    return 0;
  }
  const Scenario& scenario = std::get<Scenario>(parsed);
  const std::string written = spread::sim::formatScenario(scenario);
  const auto reread = parseScenario(written, "written.scn");
  if (const auto* error = std::get_if<ParseError>(&reread)) {
    std::fprintf(stderr, "%s\n--- written as ---\n%s", error->text().c_str(), written.c_str());
    check(false, "a written scenario parses");
  }
  const Scenario& back = std::get<Scenario>(reread);
  check(back.settings == scenario.settings, "a written scenario has the same settings");
  check(sameEventsIgnoringLines(back, scenario), "a written scenario has the same events");
  return 0;
}
