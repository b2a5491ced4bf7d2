#include "fake_transport.h"

#include <Poco/Logger.h>
#include <Poco/NumberParser.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <variant>

#include "spread/transport/plugin_api.h"

namespace spread::testing {

namespace {

struct FakeSettings {
  std::string endpoint;
  std::int64_t stopDelayMs = 0;
  bool failStart = false;
};

// Reads the keys for checkConfig and start alike: the settings, or what is wrong with them.
std::variant<FakeSettings, std::string> readSettings(const Poco::Util::AbstractConfiguration& config) {
  Poco::Util::AbstractConfiguration::Keys keys;
  config.keys(keys);
  for (const auto& key : keys) {
    if (key != "endpoint" && key != "failStart" && key != "stopDelayMs") return "unknown key '" + key + "'";
  }
  FakeSettings settings;
  const std::string delay = config.getRawString("stopDelayMs", "0");
  if (!Poco::NumberParser::tryParse64(delay, settings.stopDelayMs) || settings.stopDelayMs < -1) {
    return "stopDelayMs must be -1 or a number of milliseconds, not '" + delay + "'";
  }
  const std::string fail = config.getRawString("failStart", "false");
  if (!Poco::NumberParser::tryParseBool(fail, settings.failStart)) {
    return "failStart must be true or false, not '" + fail + "'";
  }
  settings.endpoint = config.getRawString("endpoint", "fake://");
  return settings;
}

}  // namespace

std::string_view FakeTransport::name() const { return SPREAD_FAKE_NAME; }

std::string FakeTransport::endpoint() const {
  std::lock_guard lock(mutex_);
  return endpoint_;
}

std::optional<std::string> FakeTransport::checkConfig(const Poco::Util::AbstractConfiguration& config,
                                                      const transport::SessionOptions& /*session*/) const {
  auto settings = readSettings(config);
  if (auto* error = std::get_if<std::string>(&settings)) return *error;
  return std::nullopt;
}

transport::StartResult FakeTransport::start(transport::TransportContext& context) {
  auto read = readSettings(context.config);
  if (auto* error = std::get_if<std::string>(&read)) return transport::StartResult::failure(*error);
  const FakeSettings& settings = std::get<FakeSettings>(read);
  if (settings.failStart) {
    return transport::StartResult::failure("failStart is set, so the fake transport refuses to start");
  }

  std::lock_guard lock(mutex_);
  context_ = &context;
  endpoint_ = settings.endpoint;
  stopDelayMs_ = settings.stopDelayMs;
  context.logger.information(std::string(name()) + " transport started");
  return transport::StartResult::success();
}

void FakeTransport::beginDrain() {
  std::lock_guard lock(mutex_);
  if (context_ != nullptr) context_->logger.information(std::string(name()) + " transport draining");
}

void FakeTransport::stop(core::Duration /*deadline*/, transport::StopCallback done) {
  std::unique_lock lock(mutex_);
  if (stopDelayMs_ < 0) {
    context_->logger.information(std::string(name()) + " transport will never finish stopping");
    neverCalled_ = std::move(done);
    return;
  }
  // The line tells a test that the stop finished while spreadd still waited for it.
  auto finish = [&logger = context_->logger, who = std::string(name()), done = std::move(done)] {
    logger.information(who + " transport stopped");
    done(transport::StopOutcome::kCompleted);
  };
  if (stopDelayMs_ == 0) {
    lock.unlock();
    finish();
    return;
  }
  context_->executor.postAfter(std::chrono::milliseconds(stopDelayMs_), std::move(finish));
}

}  // namespace spread::testing

SPREAD_TRANSPORT_PLUGIN(SPREAD_FAKE_NAME, spread::testing::FakeTransport)
