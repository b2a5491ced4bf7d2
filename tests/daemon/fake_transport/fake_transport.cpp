#include "fake_transport.h"

#include <Poco/Logger.h>
#include <Poco/NumberParser.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>

#include "spread/transport/plugin_api.h"

namespace spread::testing {

std::string_view FakeTransport::name() const { return SPREAD_FAKE_NAME; }

std::string FakeTransport::endpoint() const {
  std::lock_guard lock(mutex_);
  return endpoint_;
}

transport::StartResult FakeTransport::start(transport::TransportContext& context) {
  const auto& config = context.config;
  Poco::Util::AbstractConfiguration::Keys keys;
  config.keys(keys);
  for (const auto& key : keys) {
    if (key != "endpoint" && key != "failStart" && key != "stopDelayMs") {
      return transport::StartResult::failure("unknown key '" + key + "'");
    }
  }
  std::int64_t stopDelayMs = 0;
  const std::string delay = config.getRawString("stopDelayMs", "0");
  if (!Poco::NumberParser::tryParse64(delay, stopDelayMs) || stopDelayMs < -1) {
    return transport::StartResult::failure("stopDelayMs must be -1 or a number of milliseconds, not '" + delay + "'");
  }
  bool failStart = false;
  const std::string fail = config.getRawString("failStart", "false");
  if (!Poco::NumberParser::tryParseBool(fail, failStart)) {
    return transport::StartResult::failure("failStart must be true or false, not '" + fail + "'");
  }
  if (failStart) return transport::StartResult::failure("failStart is set, so the fake transport refuses to start");

  std::lock_guard lock(mutex_);
  context_ = &context;
  endpoint_ = config.getRawString("endpoint", "fake://");
  stopDelayMs_ = stopDelayMs;
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
