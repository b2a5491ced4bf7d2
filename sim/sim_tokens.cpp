#include "sim_tokens.h"

#include <Poco/JSON/Array.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <chrono>

#include "scenario_values.h"
#include "spread/transport/auth/jwt_authenticator.h"

namespace spread::sim {

namespace {

const std::string kSecret = "the simulator's HS256 secret: not a real one";
const std::string kForgerSecret = "another secret, which the server does not hold";
constexpr std::int64_t kEpochSeconds = 1'700'000'000;

double wallSeconds(core::TimePoint at) {
  return static_cast<double>(kEpochSeconds) + std::chrono::duration<double>(at.time_since_epoch()).count();
}

}  // namespace

SimTokens::SimTokens(core::Clock& clock) : clock_(clock) {
  transport::auth::JwtOptions options;
  options.hmacSecret = kSecret;
  options.leeway = core::Duration::zero();
  options.wallClock = [this] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(kEpochSeconds)) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(clock_.now().time_since_epoch());
  };
  authenticator_ = std::move(std::get<std::unique_ptr<transport::auth::JwtAuthenticator>>(
      transport::auth::JwtAuthenticator::create(std::move(options))));
}

SimTokens::~SimTokens() = default;

std::string SimTokens::tokenFor(const std::string& client, const std::string& spec, core::TimePoint joinedAt) const {
  if (spec == "none") return {};
  Poco::JWT::Token token;
  token.payload().set("sub", client);
  Poco::JSON::Array::Ptr all = new Poco::JSON::Array;
  all->add("*");
  token.payload().set("subscribe", all);
  token.payload().set("publish", all);
  token.payload().set("iat", wallSeconds(joinedAt));
  if (spec != "forever" && spec != "forged" && !spec.empty()) {
    token.payload().set("exp", wallSeconds(joinedAt + scenario_values::parseDuration(spec, "token")));
  }
  Poco::JWT::Signer signer(spec == "forged" ? kForgerSecret : kSecret);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

}  // namespace spread::sim
