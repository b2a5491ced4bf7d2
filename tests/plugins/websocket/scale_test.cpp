// Proves connections do not cost threads: the process's thread count (entries in
// /proc/self/task) is the same with 2000 subscribers connected as with none, and every
// one of them still receives a published message.
#include <gtest/gtest.h>

#include "test_server.h"

namespace spread::plugins::websocket::testing {
namespace {

constexpr std::size_t kSubscribers = 2000;

TEST(ScaleTest, ThreadCountStaysFlatWithThousandsOfSubscribers) {
  TestServer server(withConfig({{"ioThreads", "2"}}));
  const std::size_t threadsIdle = threadCount();

  std::vector<std::unique_ptr<RawClient>> clients;
  clients.reserve(kSubscribers);
  for (std::size_t i = 0; i < kSubscribers; ++i) {
    clients.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(clients.back()->upgraded()) << "client " << i << ": " << clients.back()->handshakeResponse();
  }
  // Probe them all at once, then collect the answers: every session has started.
  for (auto& client : clients) client->send(textFrame("{}"));
  for (std::size_t i = 0; i < kSubscribers; ++i) {
    std::optional<ServerFrame> reply = clients[i]->readFrame();
    ASSERT_TRUE(reply) << "client " << i << " got no answer to its probe";
  }
  EXPECT_EQ(threadCount(), threadsIdle);
  EXPECT_EQ(server.transport().stats().connectionsOpen, kSubscribers);

  ASSERT_EQ(server.publish("all", "hands").status, 204);
  for (std::size_t i = 0; i < kSubscribers; ++i) {
    std::optional<ServerFrame> message = clients[i]->readFrame();
    ASSERT_TRUE(message) << "client " << i;
    ASSERT_EQ(message->payload, R"({"name":"all","msg":"hands"})") << "client " << i;
  }
  EXPECT_EQ(threadCount(), threadsIdle);
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
