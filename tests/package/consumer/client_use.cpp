// The installed spread::client, linked and called from outside Spread's tree: its options are
// checked by the library itself (no server is needed to see that it is linked and working).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "spread/client/publisher.h"
#include "spread/client/subscription.h"

namespace {

TEST(ClientConsumerTest, TheClientLibraryChecksItsOptions) {
  spread::client::PublisherOptions publisher;
  publisher.host.clear();
  try {
    spread::client::Publisher refused(publisher);
    FAIL() << "a Publisher without a host was made";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("PublisherOptions.host"), std::string::npos) << e.what();
  }

  spread::client::SubscriptionOptions subscription;
  subscription.frameBytesMax = 0;
  EXPECT_THROW(spread::client::Subscription(subscription, [](const spread::client::Message&) {}),
               std::invalid_argument);
  EXPECT_STREQ(spread::client::toString(spread::client::SubscriptionEvent::Kind::kRetrying), "retrying");
  EXPECT_FALSE(spread::client::PublishResult{}.ok());
}

}  // namespace
