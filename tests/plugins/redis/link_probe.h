#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "redis_link.h"

namespace spread::plugins::redis::testing {

constexpr std::chrono::seconds kAwaitDeadline{5};

/// Options for a link to a test server: short deadlines and backoff so failures show quickly.
RedisLinkOptions testOptions(int port);

/// A started RedisLink whose handlers record what they see, with awaits (all with a
/// deadline) on what was recorded. Handlers run on the link's thread; the awaits on the test's.
class LinkProbe {
 public:
  explicit LinkProbe(RedisLinkOptions options);
  ~LinkProbe();

  RedisLink& link() { return *link_; }

  /// Waits until `done` (checked under the probe's lock) holds; false at the deadline.
  bool await(const std::function<bool()>& done, std::chrono::milliseconds deadline = kAwaitDeadline);
  bool awaitConnected() { return await([this] { return last_.connected; }); }
  /// The reason of the first disconnected state reported after `after` states; empty on timeout.
  std::string awaitDisconnected(std::size_t after = 0);
  /// True once a reported state's reason contains `text`.
  bool awaitReasonContaining(const std::string& text);
  bool awaitSubscribed(const std::string& channel, std::size_t times = 1);
  bool awaitMessages(std::size_t count) { return await([&] { return messages_.size() >= count; }); }

  /// Publishes and waits for its callback; nullopt when the publish was refused or the callback is late.
  std::optional<PublishResult> publishAndWait(const std::string& channel, const std::string& payload);

  std::vector<std::pair<std::string, std::string>> messages();
  std::vector<LinkState> states();
  std::size_t stateCount();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::vector<LinkState> states_;
  LinkState last_;
  std::vector<std::string> subscribed_;
  // Last, so it stops (and its thread stops calling the handlers) before the rest goes.
  std::unique_ptr<RedisLink> link_;
};

/// Threads of this process right now (from /proc/self/task).
std::size_t threadCount();

}  // namespace spread::plugins::redis::testing
