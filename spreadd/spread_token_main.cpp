// spread-token: mints a JSON Web Token that spreadd accepts with auth.mode = jwt, for tests
// and for people trying tokens out. It signs with the HS256 secret the configuration names
// (auth.jwt.hmacSecretFile), or with a private key for RS256 / ES256 tokens.

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Timestamp.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon_config.h"
#include "embedded_defaults.h"
#include "property_file.h"
#include "token_checking.h"

namespace {

using namespace spread::daemon;

constexpr int kUsageError = 64;
constexpr int kConfigError = 78;

constexpr std::string_view kUsage = R"(usage: spread-token --sub NAME [options]
Prints a signed JSON Web Token for a spreadd with auth.mode = jwt.
  --sub NAME            who the holder is; becomes the name on its messages (required)
  --subscribe LIST      comma-separated topics it may subscribe to: names, prefix.* or *
  --publish LIST        comma-separated topics it may publish to
  --ttl SECONDS         seconds until it expires (default 3600; negative: already expired;
                        0: no expiry)
  --not-before SECONDS  valid only from this many seconds from now (default: at once)
  --config FILE         sign with the HS256 secret its auth.jwt.hmacSecretFile names
                        (default: etc/server.properties, if there is one)
  --private-key FILE    sign with this PEM private key instead: RS256 (RSA) or ES256 (EC P-256)
)";

int usageError(const std::string& problem) {
  std::cerr << "spread-token: " << problem << "\n\n" << kUsage;
  return kUsageError;
}

std::optional<long long> wholeNumber(std::string_view text) {
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Poco::JSON::Array::Ptr topicList(const std::string& list) {
  Poco::JSON::Array::Ptr topics = new Poco::JSON::Array;
  std::size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) topics->add(list.substr(start, comma - start));
    start = comma + 1;
  }
  return topics;
}

// The HS256 secret the configuration names, or an exit status after saying why not.
std::variant<std::string, int> configuredSecret(const std::string& configPath) {
  const PropertyFile defaults = PropertyFile::parse(embeddedDefaults(), kEmbeddedDefaultsSource);
  std::optional<PropertyFile> file;
  try {
    file = PropertyFile::load(configPath);
  } catch (const Poco::Exception& error) {
    std::cerr << "spread-token: cannot read the configuration: " << error.displayText() << "\n";
    return kConfigError;
  }
  auto read = readDaemonConfig(defaults, &*file);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&read)) {
    for (const ConfigError& error : *errors) std::cerr << "spread-token: " << error.message() << "\n";
    return kConfigError;
  }
  const Setting& setting = std::get<DaemonConfig>(read).auth.hmacSecretFile;
  if (setting.value.empty()) {
    std::cerr << "spread-token: " << configPath
              << ": auth.jwt.hmacSecretFile is not set; give it, or sign with --private-key\n";
    return kConfigError;
  }
  auto secret = readHmacSecret(setting, setting.value);
  if (auto* error = std::get_if<ConfigError>(&secret)) {
    std::cerr << "spread-token: " << error->message() << "\n";
    return kConfigError;
  }
  return std::get<std::string>(std::move(secret));
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> options{{"--ttl", "3600"}, {"--not-before", "0"}};
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      std::cout << kUsage;
      return 0;
    }
    static const std::vector<std::string> kKnown{"--sub",     "--subscribe",  "--publish",    "--ttl",
                                                 "--config",  "--not-before", "--private-key"};
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) return usageError("unknown option " + name);
    if (i + 1 == argc) return usageError(name + " needs a value");
    options[name] = argv[++i];
  }
  if (options["--sub"].empty()) return usageError("--sub is required");
  const auto ttl = wholeNumber(options["--ttl"]);
  if (!ttl) return usageError("--ttl '" + options["--ttl"] + "' is not a whole number of seconds");
  const auto notBefore = wholeNumber(options["--not-before"]);
  if (!notBefore) return usageError("--not-before '" + options["--not-before"] + "' is not a whole number of seconds");

  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(options["--sub"]);
  token.payload().set("subscribe", topicList(options["--subscribe"]));
  token.payload().set("publish", topicList(options["--publish"]));
  // Whole seconds: Poco's own setters write fractions, which some verifiers refuse.
  const Poco::Int64 now = Poco::Timestamp().epochTime();
  token.payload().set("iat", now);
  if (*ttl != 0) token.payload().set("exp", now + *ttl);
  if (*notBefore != 0) token.payload().set("nbf", now + *notBefore);

  try {
    Poco::JWT::Signer signer;
    std::string algorithm = Poco::JWT::Signer::ALGO_HS256;
    if (const std::string& keyFile = options["--private-key"]; !keyFile.empty()) {
      const Poco::Crypto::EVPPKey key("", keyFile);
      if (key.type() == EVP_PKEY_RSA) {
        signer.setRSAKey(new Poco::Crypto::RSAKey(key));
        algorithm = Poco::JWT::Signer::ALGO_RS256;
      } else if (key.type() == EVP_PKEY_EC) {
        signer.setECKey(new Poco::Crypto::ECKey(key));
        algorithm = Poco::JWT::Signer::ALGO_ES256;
      } else {
        std::cerr << "spread-token: --private-key " << keyFile << " is neither an RSA nor an EC key\n";
        return kUsageError;
      }
    } else {
      std::string configPath = options["--config"].empty() ? "etc/server.properties" : options["--config"];
      auto secret = configuredSecret(configPath);
      if (auto* status = std::get_if<int>(&secret)) return *status;
      signer.setHMACKey(std::get<std::string>(secret));
    }
    signer.addAlgorithm(algorithm);
    std::cout << signer.sign(token, algorithm) << "\n";
  } catch (const Poco::Exception& error) {
    std::cerr << "spread-token: cannot sign: " << error.displayText() << "\n";
    return kUsageError;
  }
  return 0;
}
