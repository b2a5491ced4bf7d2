#include "running_spreadd.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <regex>
#include <stdexcept>

namespace spread::testing {

namespace {

// The tests connect from 127.0.0.1 many times in a row: the limits per address and the
// publish rates are lifted here, and set again by the tests that need them.
constexpr const char* kBaseConfig =
    "spread.transports = websocket\n"
    "spread.shutdownGraceMs = 2000\n"
    "transport.websocket.host = 127.0.0.1\n"
    "transport.websocket.connectionsPerAddressMax = 100000\n"
    "transport.websocket.addressPublishesPerSecond = 0\n"
    "session.publishesPerSecond = 0\n"
    "logging.level = warning\n";

}  // namespace

RunningSpreadd::RunningSpreadd(const std::vector<std::string>& extraLines) : extraLines_(extraLines) {
  std::string pattern = (std::filesystem::temp_directory_path() / "spread-client-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  configPath_ = (directory_ / "server.properties").string();
}

RunningSpreadd::~RunningSpreadd() {
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string RunningSpreadd::writeFile(const std::string& name, const std::string& text) const {
  const auto path = directory_ / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

bool RunningSpreadd::start() {
  std::string config = kBaseConfig;
  config += "transport.websocket.port = " + std::to_string(port_) + "\n";
  for (const auto& line : extraLines_) config += line + "\n";
  writeFile("server.properties", config);

  process_ = DaemonProcess::start(SPREAD_SPREADD_PATH, {"--config", configPath_}, directory_.string());
  const auto listening = process_->waitForLine("spreadd: listening websocket http://", kStartTimeout);
  const auto ready = listening ? process_->waitForLine("spreadd: ready", kStartTimeout) : std::nullopt;
  std::smatch match;
  static const std::regex kEndpoint(R"(^spreadd: listening websocket http://127\.0\.0\.1:(\d+)/$)");
  if (!ready || !std::regex_match(*listening, match, kEndpoint)) {
    ADD_FAILURE() << "spreadd did not become ready; stdout:\n"
                  << process_->output() << "stderr:\n"
                  << process_->errors();
    return false;
  }
  port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
  return true;
}

bool RunningSpreadd::stop() {
  if (!process_ || !process_->signal(SIGTERM)) {
    ADD_FAILURE() << "spreadd is not running";
    return false;
  }
  const auto status = process_->waitForExit(kStopTimeout);
  if (!status || !status->exitedWith(0)) {
    ADD_FAILURE() << "spreadd did not stop cleanly; stderr:\n" << process_->errors();
    return false;
  }
  return true;
}

std::string mintToken(const std::vector<std::string>& args, const std::string& workingDirectory) {
  auto process = DaemonProcess::start(SPREAD_TOKEN_PATH, args, workingDirectory);
  auto status = process->waitForExit(std::chrono::seconds(20));
  std::string token = process->output();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (!status || !status->exitedWith(0) || token.empty()) {
    ADD_FAILURE() << "spread-token printed no token; stderr:\n" << process->errors();
    return {};
  }
  return token;
}

}  // namespace spread::testing
