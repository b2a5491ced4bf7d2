// Proves the admin listener on a real socket on 127.0.0.1: it serves /healthz, /metrics,
// /status and /status.json to a real HTTP client, refuses other paths and methods with JSON, is gone after stop(),
// and a port it cannot bind stops the transport's start with an error naming adminPort.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Util/MapConfiguration.h>

#include "admin_listener.h"
#include "spread/core/broker.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"
#include "spread/transport/publish_service.h"
#include "websocket_transport.h"

namespace spread::plugins::websocket {
namespace {

using ::testing::HasSubstr;

struct Reply {
  int status = 0;
  std::string contentType;
  std::string allow;
  std::string body;
};

// One request to 127.0.0.1:port, every read and write bounded.
Reply ask(std::uint16_t port, const std::string& method, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (method == "POST") request.setContentLength(0);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& body = session.receiveResponse(response);
  Reply reply;
  reply.status = response.getStatus();
  reply.contentType = response.getContentType();
  reply.allow = response.get("Allow", "");
  Poco::StreamCopier::copyToString(body, reply.body);
  return reply;
}

class AdminListenerTest : public ::testing::Test {
 protected:
  void TearDown() override { executor_.shutdown(); }

  core::SteadyClock clock_;
  core::ThreadPoolExecutor executor_{2};
  core::Broker broker_{clock_, executor_};
  transport::Metrics metrics_;
  transport::PublishService publisher_{broker_, metrics_, std::chrono::milliseconds(100), "chat"};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  transport::TransportContext context_{broker_, clock_, executor_, metrics_, publisher_, {}, *config_,
                                       Poco::Logger::get("admin-listener-test")};
};

TEST_F(AdminListenerTest, ServesHealthAndMetricsAndRefusesTheRestInJson) {
  AdminListener admin(context_, "127.0.0.1", 0);
  const std::uint16_t port = admin.address().port();
  ASSERT_NE(port, 0);

  const Reply health = ask(port, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"serving"})");
  const Reply metrics = ask(port, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.contentType, "text/plain; version=0.0.4");
  EXPECT_THAT(metrics.body, HasSubstr("spread_rejected_total"));
  const Reply head = ask(port, "HEAD", "/metrics");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  const Reply missing = ask(port, "GET", "/subscribe");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.contentType, "application/json");
  EXPECT_THAT(missing.body, HasSubstr(R"("error":"no such path on the admin listener: /subscribe)"));
  const Reply post = ask(port, "POST", "/healthz");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.allow, "GET, HEAD");
  EXPECT_THAT(post.body, HasSubstr("method POST is not allowed on /healthz"));

  admin.stop();
  EXPECT_THROW(ask(port, "GET", "/healthz"), Poco::Net::NetException);
}

TEST_F(AdminListenerTest, ServesTheStatusPageAndItsJsonAndOnlyToGetAndHead) {
  AdminListener admin(context_, "127.0.0.1", 0);
  const std::uint16_t port = admin.address().port();
  metrics_.published();

  const Reply json = ask(port, "GET", "/status.json");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.contentType, "application/json");
  EXPECT_THAT(json.body, HasSubstr(R"("messages":{"published":1,"delivered":0})"));
  const Reply page = ask(port, "GET", "/status");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.contentType, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("<title>Spread status</title>"));
  EXPECT_EQ(ask(port, "HEAD", "/status").body, "");
  EXPECT_EQ(ask(port, "HEAD", "/status.json").status, 200);

  const Reply post = ask(port, "POST", "/status.json");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.allow, "GET, HEAD");
  EXPECT_THAT(ask(port, "GET", "/stats").body,
              HasSubstr("no such path on the admin listener: /stats (it serves /healthz, /metrics, /status and "
                        "/status.json)"));
}

TEST_F(AdminListenerTest, HealthSaysDrainingOnceTheServerIsShuttingDown) {
  AdminListener admin(context_, "127.0.0.1", 0);
  publisher_.beginDrain();
  const Reply health = ask(admin.address().port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body, R"({"status":"draining"})");
}

TEST_F(AdminListenerTest, AnAdminPortThatIsTakenStopsTheStartNamingTheKey) {
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string takenPort = std::to_string(taken.address().port());
  config_->setString("host", "127.0.0.1");
  config_->setString("port", "0");
  config_->setString("adminPort", takenPort);
  WebSocketTransport websocket;
  const transport::StartResult started = websocket.start(context_);
  ASSERT_FALSE(started.ok);
  EXPECT_THAT(started.error, HasSubstr("transport.websocket.adminPort: cannot listen on 127.0.0.1:" + takenPort));
  // Nothing was left running: the same transport starts once the port is free.
  taken.close();
  config_->setString("adminPort", "0");
  const transport::StartResult again = websocket.start(context_);
  ASSERT_TRUE(again.ok) << again.error;
  bool stopped = false;
  websocket.stop(std::chrono::seconds(5), [&](transport::StopOutcome) { stopped = true; });
  EXPECT_TRUE(stopped);
}

}  // namespace
}  // namespace spread::plugins::websocket
