#pragma once

#include <Poco/Logger.h>

#include <mutex>
#include <optional>
#include <string>

#include "spread/core/backplane.h"

namespace spread::daemon {

/// Sits between the cluster engine and an engine plugin's backplane: passes everything
/// through, and logs each change of the backplane's availability with its cause, so that an
/// operator sees why publishes answer 503 and when they work again.
class LoggedBackplane final : public core::Backplane, public core::BackplaneListener {
 public:
  /// `engine` names it in the lines ("redis"); `server` says where it goes ("redis 127.0.0.1:6379").
  LoggedBackplane(core::Backplane& inner, std::string engine, std::string server, Poco::Logger& logger);

  void start(core::BackplaneListener& listener) override;
  void stop() override { inner_.stop(); }
  void append(std::string_view topic, std::string bytes, core::AppendDone done) override {
    inner_.append(topic, std::move(bytes), std::move(done));
  }
  void read(std::string_view topic, std::uint64_t after, std::size_t countMax, core::ReadDone done) override {
    inner_.read(topic, after, countMax, std::move(done));
  }
  void follow(std::string_view topic) override { inner_.follow(topic); }
  void unfollow(std::string_view topic) override { inner_.unfollow(topic); }

  void onEntry(std::string_view topic, std::uint64_t epoch, core::LogEntry entry) override {
    listener_->onEntry(topic, epoch, std::move(entry));
  }
  void onFollowing(std::string_view topic) override { listener_->onFollowing(topic); }
  void onAvailability(bool available, std::string problem) override;

 private:
  core::Backplane& inner_;
  const std::string engine_;
  const std::string server_;
  Poco::Logger& logger_;
  core::BackplaneListener* listener_ = nullptr;
  std::optional<bool> available_;  // the backplane's thread only
};

}  // namespace spread::daemon
