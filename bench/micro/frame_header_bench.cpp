// Writing a WebSocket frame header, as the server does once per message per subscriber:
// the WebSocket plugin's own FrameHeader (plugins/websocket/ws/frame_writer.h), the one its
// outbound queue builds for every queued frame.
#include <benchmark/benchmark.h>

#include "ws/frame_writer.h"

namespace spread::plugins::websocket {
namespace {

void BM_FrameHeaderEncode(benchmark::State& state) {
  const auto payloadSize = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(payloadSize);
    const FrameHeader header(Opcode::kText, payloadSize);
    benchmark::DoNotOptimize(header.bytes().data());
  }
  state.SetItemsProcessed(state.iterations());
}
// The three length encodings: 7-bit, 16-bit and 64-bit.
BENCHMARK(BM_FrameHeaderEncode)->Arg(64)->Arg(4096)->Arg(100'000);

}  // namespace
}  // namespace spread::plugins::websocket
