// Proves who may read a private endpoint on the public port, without sockets: loopback
// addresses in each spelling, and behind a trusted proxy the client the proxy names, never
// the proxy itself (a proxy that names no one, or garbage, is not taken for a local client).
#include <gtest/gtest.h>

#include "admission/private_access.h"

namespace spread::plugins::websocket {
namespace {

using Verdict = PrivateAccess::Verdict;

ClientAddress address(std::string_view text) {
  const std::optional<ClientAddress> parsed = ClientAddress::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(ClientAddress{});
}

HttpRequest metricsRequest(std::vector<HttpHeader> headers = {}) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/metrics";
  request.headers = std::move(headers);
  return request;
}

TrustedProxies proxies(std::string_view list) { return std::get<TrustedProxies>(TrustedProxies::parse(list)); }

TEST(LoopbackTest, EveryAddressIn127Slash8AndColonColonOneIsLoopback) {
  for (const char* local : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::ffff:127.0.0.1", "::1", "[::1]"}) {
    EXPECT_TRUE(address(local).isLoopback()) << local;
  }
  // ::127.0.0.1 is the deprecated IPv4-compatible form, not the mapped one: not loopback.
  for (const char* remote : {"128.0.0.1", "126.255.255.255", "10.0.0.1", "0.0.0.0", "::", "::2", "::127.0.0.1",
                             "::ffff:10.0.0.1", "2001:db8::1", "fe80::1"}) {
    EXPECT_FALSE(address(remote).isLoopback()) << remote;
  }
}

TEST(PrivateAccessTest, AClientConnectedDirectlyIsJudgedByItsOwnAddress) {
  const TrustedProxies none = proxies("");
  EXPECT_EQ(judgePrivateAccess(none, address("127.0.0.1"), metricsRequest()).verdict, Verdict::kAllowed);
  EXPECT_EQ(judgePrivateAccess(none, address("::1"), metricsRequest()).verdict, Verdict::kAllowed);
  const PrivateAccess remote = judgePrivateAccess(none, address("192.0.2.10"), metricsRequest());
  EXPECT_EQ(remote.verdict, Verdict::kNotLoopback);
  EXPECT_EQ(remote.client, address("192.0.2.10"));
}

TEST(PrivateAccessTest, AForwardedHeaderFromAnUntrustedPeerCannotClaimLoopback) {
  const HttpRequest forged = metricsRequest({{"X-Forwarded-For", "127.0.0.1"}, {"Forwarded", "for=127.0.0.1"}});
  for (const char* trusted : {"", "10.0.0.0/8"}) {
    const PrivateAccess access = judgePrivateAccess(proxies(trusted), address("192.0.2.10"), forged);
    EXPECT_EQ(access.verdict, Verdict::kNotLoopback) << trusted;
  }
}

TEST(PrivateAccessTest, BehindATrustedProxyOnLoopbackTheForwardedClientIsJudged) {
  const TrustedProxies local = proxies("127.0.0.1");
  const PrivateAccess viaXff =
      judgePrivateAccess(local, address("127.0.0.1"), metricsRequest({{"X-Forwarded-For", "203.0.113.7"}}));
  EXPECT_EQ(viaXff.verdict, Verdict::kNotLoopback);
  EXPECT_EQ(viaXff.client, address("203.0.113.7"));
  const PrivateAccess viaForwarded = judgePrivateAccess(
      local, address("127.0.0.1"), metricsRequest({{"Forwarded", "for=\"[2001:db8::7]:4711\";proto=http"}}));
  EXPECT_EQ(viaForwarded.verdict, Verdict::kNotLoopback);
  EXPECT_EQ(viaForwarded.client, address("2001:db8::7"));
  // A client on this machine that came through the proxy is still local.
  EXPECT_EQ(judgePrivateAccess(local, address("127.0.0.1"), metricsRequest({{"X-Forwarded-For", "127.0.0.5"}}))
                .verdict,
            Verdict::kAllowed);
}

TEST(PrivateAccessTest, ATrustedProxyThatNamesNoClientIsNotTakenForOne) {
  const TrustedProxies local = proxies("127.0.0.0/8");
  for (const std::vector<HttpHeader>& headers : std::vector<std::vector<HttpHeader>>{
           {},                                              // no forwarding header at all
           {{"X-Forwarded-For", "unknown"}},                // a hop that is not an address
           {{"Forwarded", "for=_hidden"}},                  // an obfuscated node
           {{"X-Forwarded-For", "garbage, 127.0.0.2"}},     // the walk stops at a proxy
       }) {
    const PrivateAccess access = judgePrivateAccess(local, address("127.0.0.1"), metricsRequest(headers));
    EXPECT_EQ(access.verdict, Verdict::kUnnamed) << (headers.empty() ? "" : headers[0].value);
    EXPECT_EQ(access.client, address("127.0.0.1"));
  }
}

TEST(PrivateAccessTest, AChainOfTrustedProxiesIsWalkedToTheFirstClientNotTrusted) {
  const TrustedProxies local = proxies("127.0.0.0/8, 10.0.0.0/8");
  const PrivateAccess outside = judgePrivateAccess(
      local, address("127.0.0.1"), metricsRequest({{"X-Forwarded-For", "198.51.100.3, 10.1.1.1, 127.0.0.9"}}));
  EXPECT_EQ(outside.verdict, Verdict::kNotLoopback);
  EXPECT_EQ(outside.client, address("198.51.100.3"));
  // Every hop a trusted proxy: the oldest is where the request began, here on this machine.
  const PrivateAccess inside = judgePrivateAccess(
      local, address("127.0.0.1"), metricsRequest({{"X-Forwarded-For", "127.0.0.3, 10.1.1.1"}}));
  EXPECT_EQ(inside.verdict, Verdict::kAllowed);
  EXPECT_EQ(inside.client, address("127.0.0.3"));
}

}  // namespace
}  // namespace spread::plugins::websocket
