// Fuzzes what a client's token goes through: JwtAuthenticator::authenticate, and the
// {"token":"…"} refresh reader. Control byte 0 chooses what the stream is: an odd value
// makes it the claims of a token signed with the configured secret, so the claim checks are
// reached past the signature; an even one sends it as the token itself. Invariants: a
// refusal names its reason and never repeats a JWT-shaped token; a grant has a subject,
// within the configured length, and a validity that is not negative.
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_input.h"
#include "spread/transport/auth/jwt_authenticator.h"
#include "spread/transport/auth/token_refresh.h"

namespace {

using namespace spread::transport::auth;
using spread::fuzz::check;
using spread::fuzz::FuzzInput;

const std::string kSecret = "the fuzzer's secret, at least thirty-two bytes";
constexpr std::size_t kSubjectBytesMax = 16;

const JwtAuthenticator& authenticator() {
  static const std::unique_ptr<JwtAuthenticator> made = [] {
    JwtOptions options;
    options.hmacSecret = kSecret;
    options.subjectBytesMax = kSubjectBytesMax;
    options.wallClock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)); };
    return std::move(std::get<std::unique_ptr<JwtAuthenticator>>(JwtAuthenticator::create(options)));
  }();
  return *made;
}

// SHA-256 in the shape Poco's HMACEngine asks of its digest.
class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

std::string base64url(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

// A token whose payload is `claims`, whatever its bytes, signed as HS256 with the secret.
std::string signedWith(std::string_view claims) {
  const std::string signedPart = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims);
  Poco::HMACEngine<Sha256> hmac(kSecret);
  hmac.update(signedPart);
  const Poco::DigestEngine::Digest& digest = hmac.digest();
  return signedPart + "." + base64url(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const FuzzInput input(data, size);
  const std::string_view stream = input.stream();
  (void)readTokenRefresh(stream);

  const std::string token = (input.control(0) & 1) != 0 ? signedWith(stream) : std::string(stream);
  auto result = authenticator().authenticate(token);
  if (auto* failure = std::get_if<AuthFailure>(&result)) {
    check(!failure->reason.empty(), "a refusal names its reason");
    // Only a token shaped like one (three dot-separated parts) is looked for: short
    // fuzzed strings turn up inside the fixed sentences ("not a well-formed JWT").
    const bool jwtShaped = token.size() >= 8 && std::count(token.begin(), token.end(), '.') == 2;
    check(!jwtShaped || failure->reason.find(token) == std::string::npos, "a refusal never repeats the token");
    return 0;
  }
  const Grant& grant = std::get<Grant>(result);
  check(!grant.subject.empty() && grant.subject.size() <= kSubjectBytesMax, "a grant has a subject within bounds");
  check(!grant.validFor || grant.validFor->count() > 0, "a grant is valid for a positive time");
  return 0;
}
