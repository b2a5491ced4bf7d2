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

namespace spread::core {
namespace {

constexpr std::size_t kQueueMessagesMax = 256;

struct FanoutFixture {
  ManualClock clock;
  ManualExecutor executor{clock};
  Broker broker{clock, executor};
  std::shared_ptr<Topic> topic = broker.topic("bench").topic;
};

// Queue subscribers, as a WebSocket session uses them; the queues are emptied every
// kQueueMessagesMax publishes (inside the timing: reading is part of a delivery's cost).
void BM_FanoutToQueueSubscribers(benchmark::State& state) {
  FanoutFixture fixture;
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
BENCHMARK(BM_FanoutToQueueSubscribers)->Arg(1)->Arg(100)->Arg(10'000);

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
