#pragma once

// Scaffolding for tests of the broker on real threads: a Broker on SteadyClock and a
// four-thread ThreadPoolExecutor, and a thread-safe checker of per-publisher order.
// Messages are named "<publisher>:<index>" so any subscriber can check order and loss.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "await.h"
#include "spread/core/broker.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"

namespace spread::core::test {

inline std::string messageText(int publisher, int index) {
  return std::to_string(publisher) + ":" + std::to_string(index);
}

/// Counts what one subscriber received and whether each publisher's messages came in order
/// and without gaps. Thread-safe; waiters use its Await.
class OrderChecker {
 public:
  void record(std::string_view text) {
    const int publisher = std::stoi(std::string(text.substr(0, text.find(':'))));
    const int index = std::stoi(std::string(text.substr(text.find(':') + 1)));
    await.update([&] {
      int& expected = next_[publisher];
      if (index != expected && violations_.size() < 10) {
        violations_.push_back("publisher " + std::to_string(publisher) + ": got " +
                              std::to_string(index) + ", expected " + std::to_string(expected));
      }
      expected = index + 1;
      ++received_;
    });
  }
  int received() { return await.read([&] { return received_; }); }
  /// How many messages of `publisher` arrived (the next index expected from it).
  int receivedFrom(int publisher) { return await.read([&] { return next_[publisher]; }); }
  std::vector<std::string> violations() { return await.read([&] { return violations_; }); }

  Await await;

 private:
  std::map<int, int> next_;
  int received_ = 0;
  std::vector<std::string> violations_;
};

/// A broker on real time and real threads. Declare it after everything its tasks touch:
/// it is destroyed first, and its pool's shutdown runs the tasks still queued.
struct RealBroker {
  explicit RealBroker(BrokerOptions options = {}) : broker(clock, pool, options) {}
  ~RealBroker() { pool.shutdown(); }

  SteadyClock clock;
  ThreadPoolExecutor pool{4};
  Broker broker;
};

}  // namespace spread::core::test
