#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace spread::bench {

/// Options that take a value ("--name VALUE" or "--name=VALUE"): each applies its value and
/// says whether it was acceptable.
using ValuedOptions = std::map<std::string, std::function<bool(std::string_view)>, std::less<>>;
/// Options that take none ("--quiet").
using FlagOptions = std::map<std::string, std::function<void()>, std::less<>>;

/// What stopped reading the command line: --help, or a sentence naming the bad argument.
struct CommandLineStop {
  bool help = false;
  bool unknown = false;  // the sentence names an unknown option (callers add their usage)
  std::string problem;
};

/// Applies argv[first, argc) to `valued` and `flags`, in order; nullopt when every argument
/// was applied. Shared by every command line spread-bench reads, so they agree on syntax.
inline std::optional<CommandLineStop> applyArguments(int first, int argc, char** argv, const ValuedOptions& valued,
                                                     const FlagOptions& flags) {
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return CommandLineStop{true, false, {}};
    if (auto flag = flags.find(arg); flag != flags.end()) {
      flag->second();
      continue;
    }
    std::string_view value;
    bool haveValue = false;
    if (auto equals = arg.find('='); equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
      haveValue = true;
    }
    auto option = valued.find(arg);
    if (option == valued.end()) return CommandLineStop{false, true, "unknown option '" + std::string(arg) + "'"};
    if (!haveValue) {
      if (i + 1 >= argc) return CommandLineStop{false, false, "option " + std::string(arg) + " needs a value"};
      value = argv[++i];
    }
    if (!option->second(value)) {
      return CommandLineStop{false, false, "bad value '" + std::string(value) + "' for option " + std::string(arg)};
    }
  }
  return std::nullopt;
}

}  // namespace spread::bench
