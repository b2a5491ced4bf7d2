// The core's fan-out cost with no sockets: one publish reaching 1, 100 or 10,000
// subscribers through the real Broker, drained on a ManualExecutor on this thread. Items
// processed are deliveries, so the rate reads as deliveries per second.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "spread/core/broker.h"
#include "spread/core/handler_subscriber.h"
#include "spread/core/manual_executor.h"
#include "spread/core/queue_subscriber.h"
#include "spread/transport/message_position.h"

namespace spread::core {
namespace {

constexpr std::size_t kQueueMessagesMax = 256;

// History as the daemon ships it (100 messages, each stamped with its position), or off.
BrokerOptions withHistory(std::size_t size) {
  BrokerOptions options;
  options.topic.historySize = size;
  if (size != 0) options.topic.stampPosition = transport::stampChatPosition;
  return options;
}

struct FanoutFixture {
  explicit FanoutFixture(std::size_t history = 0) : broker(clock, executor, withHistory(history)) {}
  ManualClock clock;
  ManualExecutor executor{clock};
  Broker broker;
  std::shared_ptr<Topic> topic = broker.topic("bench").topic;
};

// Queue subscribers, as a WebSocket session uses them; the queues are emptied every
// kQueueMessagesMax publishes (inside the timing: reading is part of a delivery's cost).
// range(1): the history kept (0: off).
void BM_FanoutToQueueSubscribers(benchmark::State& state) {
  FanoutFixture fixture(static_cast<std::size_t>(state.range(1)));
  std::vector<std::shared_ptr<QueueSubscriber>> queues;
  for (int i = 0; i < state.range(0); ++i) {
    queues.push_back(std::make_shared<QueueSubscriber>(QueueLimits{kQueueMessagesMax, std::size_t{1} << 30}));
    if (!fixture.topic->subscribe(queues.back()).ok()) state.SkipWithError("subscribe failed");
  }
  std::size_t published = 0;
  for (auto _ : state) {
    if (fixture.topic->tryPublish(Payload::raw(R"({"name":"bench","msg":"hello"})")) != PublishOutcome::kAccepted) {
      state.SkipWithError("publish refused");
      break;
    }
    fixture.executor.runUntilIdle();
    if (++published % kQueueMessagesMax == 0) {
      for (auto& queue : queues) benchmark::DoNotOptimize(queue->popUpTo(kQueueMessagesMax));
    }
  }
  if (fixture.topic->stats().slowConsumersDropped != 0) state.SkipWithError("a queue overflowed");
  state.SetItemsProcessed(static_cast<std::int64_t>(published) * state.range(0));
}
BENCHMARK(BM_FanoutToQueueSubscribers)->ArgsProduct({{1, 100, 10'000}, {0, 100}});

// A publish to a topic whose subscribers are all away: with history on it is still kept
// (and stamped), with it off it costs a sequence number.
void BM_PublishNobodyHears(benchmark::State& state) {
  FanoutFixture fixture(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    if (fixture.topic->tryPublish(Payload::raw(R"({"name":"bench","msg":"hello"})")) != PublishOutcome::kAccepted) {
      state.SkipWithError("publish refused");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublishNobodyHears)->Arg(0)->Arg(100);

// Handler subscribers: the fan-out thread runs each handler inline.
void BM_FanoutToHandlerSubscribers(benchmark::State& state) {
  FanoutFixture fixture;
  std::size_t handled = 0;
  for (int i = 0; i < state.range(0); ++i) {
    auto subscriber = std::make_shared<HandlerSubscriber>([&handled](const MessagePtr&) { ++handled; });
    if (!fixture.topic->subscribe(subscriber).ok()) state.SkipWithError("subscribe failed");
  }
  for (auto _ : state) {
    if (fixture.topic->tryPublish(Payload::raw(R"({"name":"bench","msg":"hello"})")) != PublishOutcome::kAccepted) {
      state.SkipWithError("publish refused");
      break;
    }
    fixture.executor.runUntilIdle();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(handled));
}
BENCHMARK(BM_FanoutToHandlerSubscribers)->Arg(1)->Arg(100)->Arg(10'000);

}  // namespace
}  // namespace spread::core
