#include "link_probe.h"

#include <algorithm>
#include <filesystem>

namespace spread::plugins::redis::testing {

RedisLinkOptions testOptions(int port) {
  RedisLinkOptions options;
  options.port = port;
  options.connectTimeout = std::chrono::milliseconds(1000);
  options.commandTimeout = std::chrono::milliseconds(500);
  options.backoffMin = std::chrono::milliseconds(20);
  options.backoffMax = std::chrono::milliseconds(200);
  return options;
}

LinkProbe::LinkProbe(RedisLinkOptions options) {
  RedisLinkHandlers handlers;
  handlers.message = [this](std::string_view channel, std::string_view payload) {
    std::lock_guard lock(mutex_);
    messages_.emplace_back(std::string(channel), std::string(payload));
    changed_.notify_all();
  };
  handlers.state = [this](const LinkState& state) {
    std::lock_guard lock(mutex_);
    states_.push_back(state);
    last_ = state;
    changed_.notify_all();
  };
  handlers.subscribed = [this](std::string_view channel) {
    std::lock_guard lock(mutex_);
    subscribed_.emplace_back(channel);
    changed_.notify_all();
  };
  link_ = std::make_unique<RedisLink>(std::move(options), std::move(handlers));
  link_->start();
}

LinkProbe::~LinkProbe() { link_->stop(); }

bool LinkProbe::await(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, deadline, done);
}

std::string LinkProbe::awaitDisconnected(std::size_t after) {
  std::string reason;
  await([&] {
    for (std::size_t i = after; i < states_.size(); ++i) {
      if (!states_[i].connected) {
        reason = states_[i].reason;
        return true;
      }
    }
    return false;
  });
  return reason;
}

bool LinkProbe::awaitReasonContaining(const std::string& text) {
  return await([&] {
    return std::any_of(states_.begin(), states_.end(),
                       [&](const LinkState& state) { return state.reason.find(text) != std::string::npos; });
  });
}

bool LinkProbe::awaitSubscribed(const std::string& channel, std::size_t times) {
  return await([&] { return static_cast<std::size_t>(std::count(subscribed_.begin(), subscribed_.end(), channel)) >= times; });
}

std::optional<PublishResult> LinkProbe::publishAndWait(const std::string& channel, const std::string& payload) {
  auto promise = std::make_shared<std::promise<PublishResult>>();
  auto future = promise->get_future();
  auto admission = link_->publish(channel, payload, [promise](const PublishResult& result) { promise->set_value(result); });
  if (admission != PublishAdmission::kAccepted) return std::nullopt;
  if (future.wait_for(kAwaitDeadline) != std::future_status::ready) return std::nullopt;
  return future.get();
}

std::vector<std::pair<std::string, std::string>> LinkProbe::messages() {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<LinkState> LinkProbe::states() {
  std::lock_guard lock(mutex_);
  return states_;
}

std::size_t LinkProbe::stateCount() {
  std::lock_guard lock(mutex_);
  return states_.size();
}

std::size_t threadCount() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

}  // namespace spread::plugins::redis::testing
