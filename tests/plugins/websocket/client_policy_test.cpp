// Proves the pieces behind the limits on clients without sockets: client addresses and
// their /64 grouping, the trusted-proxy walk over X-Forwarded-For and Forwarded (a forged
// header from anyone else is ignored), the Origin policy, and the connection and publish
// counts per address on a manual clock.
#include <gtest/gtest.h>

#include "admission/client_address.h"
#include "admission/client_limits.h"
#include "admission/origin_policy.h"
#include "spread/core/manual_clock.h"
#include "admission/trusted_proxies.h"

namespace spread::plugins::websocket {
namespace {

using namespace std::chrono_literals;

ClientAddress address(std::string_view text) {
  const std::optional<ClientAddress> parsed = ClientAddress::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(ClientAddress{});
}

HttpRequest requestWith(std::vector<HttpHeader> headers) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/publish";
  request.headers = std::move(headers);
  return request;
}

TEST(ClientAddressTest, ParsesBothFamiliesAndPrintsThemBack) {
  EXPECT_EQ(address("192.0.2.7").toString(), "192.0.2.7");
  EXPECT_TRUE(address("192.0.2.7").isV4());
  EXPECT_EQ(address("::ffff:192.0.2.7"), address("192.0.2.7")) << "IPv4-mapped is the same client";
  EXPECT_EQ(address("[2001:db8::1]").toString(), "2001:db8::1");
  EXPECT_FALSE(address("2001:db8::1").isV4());
  for (const char* bad : {"", "example.com", "1.2.3", "1.2.3.4.5", "::g", "[::1", "unknown"}) {
    EXPECT_FALSE(ClientAddress::parse(bad)) << bad;
  }
}

TEST(ClientAddressTest, PrefixesCountBitsOnTheMappedForm) {
  EXPECT_TRUE(address("10.1.2.3").inPrefix(address("10.0.0.0"), 96 + 8));
  EXPECT_FALSE(address("11.1.2.3").inPrefix(address("10.0.0.0"), 96 + 8));
  EXPECT_EQ(address("2001:db8:1:2:aaaa::1").masked(64), address("2001:db8:1:2::"));
}

TEST(TrustedProxiesTest, RefusesEntriesThatAreNotAddressesOrPrefixes) {
  for (const char* bad : {"proxy.local", "10.0.0.0/33", "::1/129", "10.0.0.1/", "10.0.0.1/x"}) {
    const auto parsed = TrustedProxies::parse(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << bad;
    EXPECT_NE(std::get<std::string>(parsed).find(bad), std::string::npos) << std::get<std::string>(parsed);
  }
  EXPECT_TRUE(std::get<TrustedProxies>(TrustedProxies::parse("")).empty());
}

TEST(TrustedProxiesTest, IgnoresForwardedHeadersFromAnyoneElse) {
  const TrustedProxies proxies = std::get<TrustedProxies>(TrustedProxies::parse("10.0.0.0/8, ::1"));
  const HttpRequest forged = requestWith({{"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=203.0.113.9"}});
  EXPECT_EQ(proxies.clientOf(address("198.51.100.4"), forged), address("198.51.100.4"));
}

TEST(TrustedProxiesTest, TakesTheNewestHopThatIsNotAProxy) {
  const TrustedProxies proxies = std::get<TrustedProxies>(TrustedProxies::parse("10.0.0.0/8"));
  // The client wrote the first entry itself; only what the proxies appended is believed.
  const HttpRequest chain = requestWith({{"X-Forwarded-For", "1.1.1.1, 203.0.113.9"},
                                         {"X-Forwarded-For", "10.0.0.2"}});
  EXPECT_EQ(proxies.clientOf(address("10.0.0.1"), chain), address("203.0.113.9"));
  const HttpRequest rfc7239 = requestWith(
      {{"Forwarded", R"(for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711", for="10.0.0.3:80")"}});
  EXPECT_EQ(proxies.clientOf(address("10.0.0.1"), rfc7239), address("2001:db8:cafe::17"));
  const HttpRequest none = requestWith({});
  EXPECT_EQ(proxies.clientOf(address("10.0.0.1"), none), address("10.0.0.1"));
  const HttpRequest hidden = requestWith({{"Forwarded", "for=_hidden, for=10.0.0.4"}});
  EXPECT_EQ(proxies.clientOf(address("10.0.0.1"), hidden), address("10.0.0.4"))
      << "a hop that is not an address ends the walk at the last one believed";
}

TEST(OriginPolicyTest, DefaultAllowsNoOriginAndTheServersOwn) {
  const OriginPolicy policy = std::get<OriginPolicy>(OriginPolicy::parse(""));
  const std::string host = "chat.example:8000";
  const std::string own = "http://chat.example:8000";
  const std::string other = "https://evil.example";
  const std::string null = "null";
  EXPECT_TRUE(policy.allows(nullptr, &host));
  EXPECT_TRUE(policy.allows(&own, &host));
  EXPECT_FALSE(policy.allows(&other, &host));
  EXPECT_FALSE(policy.allows(&null, &host));
  EXPECT_FALSE(policy.allows(&own, nullptr));
}

TEST(OriginPolicyTest, APageServedOverTlsIsTheServersOwnOnTheTlsPort) {
  // The chat page over https on the TLS port opens wss:// to the same host and port; its
  // Origin names https, its Host only the authority, and both must still match.
  const OriginPolicy policy = std::get<OriginPolicy>(OriginPolicy::parse(""));
  const std::string tlsPort = "127.0.0.1:8443";
  const std::string page = "https://127.0.0.1:8443";
  const std::string defaultPortHost = "chat.example";
  const std::string defaultPortPage = "https://chat.example:443";
  const std::string plainPort = "127.0.0.1:8000";
  EXPECT_TRUE(policy.allows(&page, &tlsPort));
  EXPECT_TRUE(policy.allows(&defaultPortPage, &defaultPortHost));
  EXPECT_FALSE(policy.allows(&page, &plainPort));
}

TEST(OriginPolicyTest, AListAllowsExactlyItsOrigins) {
  const OriginPolicy policy =
      std::get<OriginPolicy>(OriginPolicy::parse("https://app.example, HTTP://Other.Example:80"));
  const std::string host = "api.example";
  for (const char* allowed : {"https://app.example", "https://app.example:443", "http://other.example"}) {
    const std::string origin = allowed;
    EXPECT_TRUE(policy.allows(&origin, &host)) << allowed;
  }
  // With a list, the Host header no longer vouches for a page (DNS rebinding).
  const std::string sameHost = "http://api.example";
  EXPECT_FALSE(policy.allows(&sameHost, &host));
  const std::string any = "https://anything.example";
  EXPECT_TRUE(std::get<OriginPolicy>(OriginPolicy::parse("*")).allows(&any, &host));
  const auto bad = OriginPolicy::parse("app.example");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_NE(std::get<std::string>(bad).find("'app.example' is not an origin"), std::string::npos);
}

TEST(ClientLimitsTest, CountsConnectionsInTotalAndPerAddress) {
  core::ManualClock clock;
  transport::Metrics metrics;
  ClientLimits limits(ClientLimitsOptions{3, 2, 0, 1}, clock, metrics);
  ClientLimits::Slot a1, a2, a3, b1, b2;
  EXPECT_EQ(limits.admit(address("192.0.2.1"), true, a1), ClientLimits::Refusal::kNone);
  EXPECT_EQ(limits.admit(address("192.0.2.1"), true, a2), ClientLimits::Refusal::kNone);
  EXPECT_EQ(limits.admit(address("192.0.2.1"), true, a3), ClientLimits::Refusal::kConnectionsPerAddressMax);
  EXPECT_EQ(limits.admit(address("192.0.2.2"), true, b1), ClientLimits::Refusal::kNone);
  EXPECT_EQ(limits.admit(address("192.0.2.3"), true, b2), ClientLimits::Refusal::kConnectionsMax);
  EXPECT_EQ(limits.connections(), 3u);
  EXPECT_EQ(metrics.clientConnections(), 3);
  a1.release();
  EXPECT_EQ(metrics.clientConnections(), 2);
  EXPECT_EQ(limits.connectionsFrom(address("192.0.2.1")), 1u);
  EXPECT_EQ(limits.admit(address("192.0.2.1"), true, a3), ClientLimits::Refusal::kNone);
}

TEST(ClientLimitsTest, NewOptionsDecideTheNextAdmissionAndKeepWhoIsIn) {
  core::ManualClock clock;
  transport::Metrics metrics;
  ClientLimits limits(ClientLimitsOptions{100, 3, 0, 1}, clock, metrics);
  ClientLimits::Slot a1, a2, a3;
  ASSERT_EQ(limits.admit(address("192.0.2.1"), true, a1), ClientLimits::Refusal::kNone);
  ASSERT_EQ(limits.admit(address("192.0.2.1"), true, a2), ClientLimits::Refusal::kNone);
  limits.setOptions(ClientLimitsOptions{100, 1, 0, 1});
  EXPECT_EQ(limits.admit(address("192.0.2.1"), true, a3), ClientLimits::Refusal::kConnectionsPerAddressMax);
  EXPECT_EQ(limits.connectionsFrom(address("192.0.2.1")), 2u);
  limits.setOptions(ClientLimitsOptions{100, 4, 0, 1});
  EXPECT_EQ(limits.admit(address("192.0.2.1"), true, a3), ClientLimits::Refusal::kNone);
  // A publish rate set by a reload holds from the next publish.
  EXPECT_FALSE(a1.takePublish());
  limits.setOptions(ClientLimitsOptions{100, 4, 1, 1});
  EXPECT_FALSE(a1.takePublish());  // the burst of one
  EXPECT_TRUE(a1.takePublish());
}

TEST(ClientLimitsTest, AnIpv6ClientIsCountedByItsSlash64) {
  core::ManualClock clock;
  transport::Metrics metrics;
  ClientLimits limits(ClientLimitsOptions{100, 1, 0, 1}, clock, metrics);
  ClientLimits::Slot first, second, elsewhere;
  EXPECT_EQ(limits.admit(address("2001:db8:0:1::1"), true, first), ClientLimits::Refusal::kNone);
  EXPECT_EQ(limits.admit(address("2001:db8:0:1::2"), true, second), ClientLimits::Refusal::kConnectionsPerAddressMax);
  EXPECT_EQ(limits.admit(address("2001:db8:0:2::1"), true, elsewhere), ClientLimits::Refusal::kNone);
}

TEST(ClientLimitsTest, AProxysConnectionIsCountedAgainstTheClientItNames) {
  core::ManualClock clock;
  transport::Metrics metrics;
  ClientLimits limits(ClientLimitsOptions{100, 1, 0, 1}, clock, metrics);
  ClientLimits::Slot viaProxy, again;
  ASSERT_EQ(limits.admit(address("10.0.0.1"), false, viaProxy), ClientLimits::Refusal::kNone);
  EXPECT_FALSE(viaProxy.address());
  EXPECT_EQ(viaProxy.attribute(address("203.0.113.5")), ClientLimits::Refusal::kNone);
  ASSERT_EQ(limits.admit(address("10.0.0.1"), false, again), ClientLimits::Refusal::kNone);
  EXPECT_EQ(again.attribute(address("203.0.113.5")), ClientLimits::Refusal::kConnectionsPerAddressMax);
  EXPECT_EQ(limits.connectionsFrom(address("203.0.113.5")), 1u);
  viaProxy.release();
  EXPECT_EQ(again.attribute(address("203.0.113.5")), ClientLimits::Refusal::kNone);
}

TEST(ClientLimitsTest, PublishesPerAddressAreABucketThatReconnectingDoesNotRefill) {
  core::ManualClock clock;
  transport::Metrics metrics;
  ClientLimits limits(ClientLimitsOptions{100, 100, 2, 2}, clock, metrics);
  {
    ClientLimits::Slot slot;
    ASSERT_EQ(limits.admit(address("192.0.2.1"), true, slot), ClientLimits::Refusal::kNone);
    EXPECT_FALSE(slot.takePublish());
    EXPECT_FALSE(slot.takePublish());
    const std::optional<core::Duration> wait = slot.takePublish();
    ASSERT_TRUE(wait);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), 500ms);
  }
  ClientLimits::Slot reconnected;
  ASSERT_EQ(limits.admit(address("192.0.2.1"), true, reconnected), ClientLimits::Refusal::kNone);
  EXPECT_TRUE(reconnected.takePublish()) << "the bucket outlived the connection";
  clock.advanceBy(500ms);
  EXPECT_FALSE(reconnected.takePublish());
}

}  // namespace
}  // namespace spread::plugins::websocket
