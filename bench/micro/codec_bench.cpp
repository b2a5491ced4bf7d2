// The chat codec's cost per message, both ways, for a short chat line and a 1 KiB one
// with characters JSON must escape.
#include <benchmark/benchmark.h>

#include <string>

#include "spread/transport/chat_codec.h"

namespace spread::transport {
namespace {

ChatMessage sampleMessage(std::size_t msgBytes) {
  std::string msg = "p0 s123456 t1732700000123456 ";
  while (msg.size() < msgBytes) msg += "caf\xC3\xA9 \"quoted\" \\ ";
  msg.resize(msgBytes);
  return ChatMessage{"bench", msg};
}

void BM_ChatCodecEncode(benchmark::State& state) {
  const ChatMessage message = sampleMessage(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ChatCodec::encode(message));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChatCodecEncode)->Arg(32)->Arg(1024);

void BM_ChatCodecDecode(benchmark::State& state) {
  const std::string bytes = ChatCodec::encode(sampleMessage(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto decoded = ChatCodec::decode(bytes);
    if (!decoded.ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_ChatCodecDecode)->Arg(32)->Arg(1024);

}  // namespace
}  // namespace spread::transport
