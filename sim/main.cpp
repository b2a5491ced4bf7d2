// spread-sim: replays scenario files against the real core and session logic on virtual
// time, or fuzzes random scenarios and shrinks the first failure. See sim/README.md.
// The hidden option --inject-bug NAME switches on a deliberate bug in the real server code
// (core::InjectedFaults), at the probe or in the sim plugin; only the tests use it, to
// prove the checks catch what they claim to.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fuzzer.h"
#include "scenario_parser.h"
#include "shrinker.h"
#include "simulator.h"
#include "timeline.h"
#include "trace.h"

namespace {

using namespace spread::sim;
using WallClock = std::chrono::steady_clock;  // for the speed summary only; never reaches a trace

constexpr const char* kUsage =
    "usage: spread-sim [run] FILE.scn... [--repeat N] [--seed N] [--trace FILE|-] [--timeline "
    "FILE.svg|FILE.html]\n"
    "       spread-sim fuzz --seeds N [--start S] [--out DIR] [--quiet]\n"
    "       spread-sim generate SEED      (prints the scenario fuzz runs for SEED)\n"
    "common: [--plugin-dir DIR]\n";

struct Options {
  std::string command = "run";
  std::vector<std::string> files;
  std::size_t repeat = 1;
  std::optional<std::uint64_t> seed;
  std::string tracePath;
  std::string timelinePath;
  std::uint64_t seeds = 100;
  std::uint64_t start = 1;
  std::string outDir = ".";
  bool quiet = false;
  RunOptions run;
};

std::string defaultPluginDir() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  // <build>/bin and <build>/lib/spread, as /usr/bin and /usr/lib/spread once installed.
  if (error) return "lib/spread";
  return (self.parent_path() / ".." / "lib" / "spread").lexically_normal().string();
}

std::optional<std::uint64_t> number(const std::string& text) {
  try {
    std::size_t used = 0;
    const unsigned long long value = std::stoull(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Returns an error message, or nothing when the arguments are good.
std::optional<std::string> parseArgs(int argc, char** argv, Options& options) {
  options.run.pluginDir = defaultPluginDir();
  int i = 1;
  if (i < argc && (std::string(argv[i]) == "run" || std::string(argv[i]) == "fuzz" ||
                   std::string(argv[i]) == "generate")) {
    options.command = argv[i++];
  }
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto numeric = [&](std::uint64_t& out) -> std::optional<std::string> {
      auto text = value();
      auto parsed = text ? number(*text) : std::nullopt;
      if (!parsed) return arg + " needs a whole number";
      out = *parsed;
      return std::nullopt;
    };
    std::optional<std::string> problem;
    if (arg == "--repeat") {
      std::uint64_t repeat = 0;
      problem = numeric(repeat);
      options.repeat = repeat == 0 ? 1 : repeat;
    } else if (arg == "--seed") {
      std::uint64_t seed = 0;
      problem = numeric(seed);
      options.seed = seed;
    } else if (arg == "--seeds") {
      problem = numeric(options.seeds);
    } else if (arg == "--start") {
      problem = numeric(options.start);
    } else if (arg == "--trace" || arg == "--timeline" || arg == "--out" || arg == "--plugin-dir" ||
               arg == "--inject-bug") {
      auto text = value();
      if (!text) return arg + " needs a value";
      if (arg == "--trace") options.tracePath = *text;
      if (arg == "--timeline") options.timelinePath = *text;
      if (arg == "--out") options.outDir = *text;
      if (arg == "--plugin-dir") options.run.pluginDir = *text;
      if (arg == "--inject-bug") options.run.bugs.push_back(*text);
    } else if (arg == "--quiet") {
      options.quiet = true;
    } else if (arg.starts_with("--")) {
      return "unknown option " + arg;
    } else {
      options.files.push_back(arg);
    }
    if (problem) return problem;
  }
  if (options.command == "run" && options.files.empty()) return "no scenario files given";
  if (options.command == "generate" && (options.files.size() != 1 || !number(options.files[0])))
    return "generate needs one seed";
  return std::nullopt;
}

std::string rates(const RunStats& total, double seconds) {
  const double wall = std::max(seconds, 1e-6);
  const double simulated = std::chrono::duration<double>(total.virtualTime).count();
  char text[256];
  std::snprintf(text, sizeof text,
                "%llu client sessions, %llu deliveries, %.1f s simulated in %.2f s wall "
                "(%.0f sessions/s, %.0f deliveries/s, %.0fx real time)",
                static_cast<unsigned long long>(total.connections),
                static_cast<unsigned long long>(total.deliveries), simulated, seconds,
                total.connections / wall, total.deliveries / wall, simulated / wall);
  return text;
}

void add(RunStats& total, const RunStats& one) {
  total.connections += one.connections;
  total.deliveries += one.deliveries;
  total.accepted += one.accepted;
  total.steps += one.steps;
  total.virtualTime += one.virtualTime;
}

int runFiles(const Options& options) {
  const auto began = WallClock::now();
  RunStats total;
  int failures = 0;
  std::ofstream traceFile;
  std::ostream* traceOut = nullptr;
  if (options.tracePath == "-") {
    traceOut = &std::cout;
  } else if (!options.tracePath.empty()) {
    traceFile.open(options.tracePath);
    if (!traceFile) {
      std::cerr << "spread-sim: cannot write " << options.tracePath << "\n";
      return 2;
    }
    traceOut = &traceFile;
  }
  for (const std::string& file : options.files) {
    ParseResult parsed = loadScenario(file);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      std::cerr << error->text() << "\n";
      ++failures;
      continue;
    }
    const Scenario& scenario = std::get<Scenario>(parsed);
    std::optional<std::uint64_t> firstHash;
    for (std::size_t round = 0; round < options.repeat; ++round) {
      RunOptions run = options.run;
      run.seed = options.seed;
      run.traceOut = round == 0 ? traceOut : nullptr;
      Timeline timeline;
      if (round == 0 && !options.timelinePath.empty()) run.timeline = &timeline;
      RunResult result = runScenario(scenario, run);
      add(total, result.stats);
      if (!result.ok()) {
        std::cerr << "FAIL " << result.describe(file) << "\n";
        ++failures;
        break;
      }
      if (firstHash && *firstHash != result.traceHash) {
        std::cerr << "FAIL " << file << ": run " << round + 1 << " gave trace " << hexHash(result.traceHash)
                  << ", run 1 gave " << hexHash(*firstHash) << ": the simulation is not deterministic\n";
        ++failures;
        break;
      }
      firstHash = result.traceHash;
      if (run.timeline != nullptr) {
        std::ofstream out(options.timelinePath);
        if (options.timelinePath.ends_with(".html")) {
          timeline.writeHtml(out, file);
        } else {
          timeline.writeSvg(out);
        }
      }
      if (round + 1 == options.repeat) {
        std::cout << "PASS " << file << " trace " << hexHash(result.traceHash) << " (" << result.traceLines
                  << " lines, " << result.stats.connections << " sessions, " << result.stats.deliveries
                  << " deliveries"
                  << (options.repeat > 1 ? ", identical in " + std::to_string(options.repeat) + " runs" : "")
                  << ")\n";
      }
    }
  }
  const double seconds = std::chrono::duration<double>(WallClock::now() - began).count();
  std::cout << "spread-sim: " << options.files.size() - failures << " of " << options.files.size()
            << " scenarios passed; " << rates(total, seconds) << "\n";
  return failures == 0 ? 0 : 1;
}

std::string bugFlags(const RunOptions& run) {
  std::string flags;
  for (const std::string& bug : run.bugs) flags += "--inject-bug " + bug + " ";
  return flags;
}

int fuzz(const Options& options) {
  const auto began = WallClock::now();
  RunStats total;
  const std::uint64_t step = std::max<std::uint64_t>(1, options.seeds / 10);
  for (std::uint64_t i = 0; i < options.seeds; ++i) {
    const std::uint64_t seed = options.start + i;
    const Scenario scenario = Fuzzer::generate(seed);
    RunResult result = runScenario(scenario, options.run);
    add(total, result.stats);
    if (!result.setupError.empty()) {
      std::cerr << result.describe(scenario.file) << "\n";
      return 2;
    }
    if (!result.ok()) {
      std::cout << "fuzz: seed " << seed << " fails invariant " << result.violation->invariant << " ("
                << Fuzzer::swarmFor(seed).describe() << "): " << result.violation->detail << "\n";
      Shrinker shrinker(options.run);
      ShrinkResult shrunk = shrinker.shrink(scenario, result.violation->invariant);
      const std::filesystem::path path =
          std::filesystem::path(options.outDir) / ("fuzz-seed-" + std::to_string(seed) + ".scn");
      std::ofstream out(path);
      out << formatScenario(
          shrunk.scenario,
          "Found by: spread-sim fuzz " + bugFlags(options.run) + "--start " + std::to_string(seed) +
              " --seeds 1\n" + "Breaks invariant " + result.violation->invariant + "; shrunk from " +
              std::to_string(shrunk.eventsBefore) + " events to " +
              std::to_string(shrunk.scenario.events.size()) + " in " + std::to_string(shrunk.runs) +
              " runs.\n" + "Replay: spread-sim " + bugFlags(options.run) + path.filename().string());
      out.close();
      std::cout << "fuzz: shrunk to " << shrunk.scenario.events.size() << " events (from "
                << shrunk.eventsBefore << ") in " << shrunk.runs << " runs: " << path.string() << "\n";
      std::cout << "fuzz: " << shrunk.failure.describe(path.string()) << "\n";
      return 1;
    }
    if (!options.quiet && (i + 1) % step == 0 && i + 1 < options.seeds) {
      const double seconds = std::chrono::duration<double>(WallClock::now() - began).count();
      std::cerr << "fuzz: " << i + 1 << "/" << options.seeds << " seeds passed; " << rates(total, seconds)
                << "\n";
    }
  }
  const double seconds = std::chrono::duration<double>(WallClock::now() - began).count();
  std::cout << "fuzz: all " << options.seeds << " seeds passed (" << options.start << ".."
            << options.start + options.seeds - 1 << "); " << rates(total, seconds) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto problem = parseArgs(argc, argv, options)) {
    std::cerr << "spread-sim: " << *problem << "\n" << kUsage;
    return 2;
  }
  try {
    if (options.command == "generate") {
      std::cout << formatScenario(Fuzzer::generate(*number(options.files[0])),
                                  "Generated by: spread-sim generate " + options.files[0] +
                                      "\nFaults: " + Fuzzer::swarmFor(*number(options.files[0])).describe());
      return 0;
    }
    return options.command == "fuzz" ? fuzz(options) : runFiles(options);
  } catch (const std::exception& error) {
    std::cerr << "spread-sim: internal error: " << error.what() << "\n";
    return 3;
  }
}
