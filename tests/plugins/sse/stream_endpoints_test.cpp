#include "spread/transport/stream_endpoint.h"

#include <gtest/gtest.h>

namespace spread::transport {
namespace {

class NamedEndpoint final : public StreamEndpoint {
 public:
  explicit NamedEndpoint(std::string path) : path_(std::move(path)) {}
  std::string_view path() const override { return path_; }
  StreamOpening open(StreamRequest, std::shared_ptr<StreamSink>) override { return StreamOpening::refuse(418, "{}"); }

 private:
  std::string path_;
};

TEST(StreamEndpointsTest, APathIsServedByOneEndpointUntilItIsRemoved) {
  StreamEndpoints endpoints;
  auto events = std::make_shared<NamedEndpoint>("/events");
  EXPECT_EQ(endpoints.find("/events"), nullptr);
  EXPECT_TRUE(endpoints.add(events));
  EXPECT_TRUE(endpoints.add(std::make_shared<NamedEndpoint>("/other")));
  EXPECT_FALSE(endpoints.add(std::make_shared<NamedEndpoint>("/events")));
  EXPECT_EQ(endpoints.find("/events"), events);
  EXPECT_EQ(endpoints.find("/events/"), nullptr);
  endpoints.remove("/events");
  EXPECT_EQ(endpoints.find("/events"), nullptr);
  EXPECT_NE(endpoints.find("/other"), nullptr);
}

TEST(StreamEndpointsTest, ARefusalIsNotAnAcceptance) {
  EXPECT_FALSE(StreamOpening::refuse(400, "{}").accepted());
  EXPECT_TRUE(StreamOpening{}.accepted());
}

}  // namespace
}  // namespace spread::transport
