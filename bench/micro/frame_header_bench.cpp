// Writing a WebSocket frame header, as a server does once per message per subscriber.
// This measures spread-bench's own encoder (bench/load/ws_frame.h) until the WebSocket
// plugin exposes its encoder; switch the call below to the plugin's when it does.
#include <benchmark/benchmark.h>

#include <string>

#include "ws_frame.h"

namespace spread::bench {
namespace {

void BM_FrameHeaderEncode(benchmark::State& state) {
  const auto payloadSize = static_cast<std::size_t>(state.range(0));
  std::string out;
  out.reserve(16);
  for (auto _ : state) {
    out.clear();
    appendFrameHeader(out, Opcode::kText, payloadSize, true, false, 0);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
// The three length encodings: 7-bit, 16-bit and 64-bit.
BENCHMARK(BM_FrameHeaderEncode)->Arg(64)->Arg(4096)->Arg(100'000);

}  // namespace
}  // namespace spread::bench
