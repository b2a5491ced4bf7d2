#include "spreadd_fixture.h"

#include <stdlib.h>

#include <fstream>

namespace spread::testing {

void SpreaddTest::SetUp() {
  std::string pattern = (std::filesystem::temp_directory_path() / "spreadd-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  directory_ = pattern;
}

void SpreaddTest::TearDown() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string SpreaddTest::writeFile(const std::string& name, const std::string& text) const {
  const auto path = directory_ / name;
  std::ofstream(path) << text;
  return path.string();
}

std::string SpreaddTest::fakeConfig(const std::vector<std::string>& extraLines) const {
  std::string text =
      "spread.transports = fake\n"
      "spread.pluginDir = " SPREAD_PLUGIN_DIR
      "\n"
      "spread.shutdownGraceMs = 2000\n";
  for (const auto& line : extraLines) text += line + "\n";
  return writeFile("server.properties", text);
}

std::unique_ptr<DaemonProcess> SpreaddTest::spawn(const std::vector<std::string>& args) {
  return DaemonProcess::start(SPREAD_SPREADD_PATH, args, directory_.string());
}

std::unique_ptr<DaemonProcess> SpreaddTest::startReady(const std::string& config) {
  auto process = spawn({"--config", config});
  if (!process->waitForLine("spreadd: ready", kStartTimeout)) {
    ADD_FAILURE() << "spreadd did not become ready; stdout:\n" << process->output() << "stderr:\n" << process->errors();
  }
  return process;
}

ExitStatus SpreaddTest::runToExit(const std::vector<std::string>& args, std::string* errors, std::string* output) {
  auto process = spawn(args);
  auto status = process->waitForExit(kExitTimeout);
  if (errors != nullptr) *errors = process->errors();
  if (output != nullptr) *output = process->output();
  if (!status) {
    ADD_FAILURE() << "spreadd did not exit; stdout:\n" << process->output() << "stderr:\n" << process->errors();
    return ExitStatus{};
  }
  return *status;
}

}  // namespace spread::testing
