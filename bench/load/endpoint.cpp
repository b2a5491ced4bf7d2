#include "endpoint.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "tls_stream.h"

namespace spread::bench {

Endpoint Endpoint::fromUrl(const std::string& url, std::string_view topic, const std::string& caFile,
                           std::string_view token) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("--url '" + url + "' is not a URL: " + error.displayText());
  }
  Endpoint endpoint;
  if (uri.getScheme() == "https") {
    if (caFile.empty()) throw std::runtime_error("'" + url + "' is https: name the certificate to trust with --ca-file");
    endpoint.tls = tlsClientContext(caFile);
  } else if (uri.getScheme() != "http") {
    throw std::runtime_error("'" + url + "': only http:// and https:// are supported");
  }
  endpoint.host = uri.getHost();
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(uri.getPort());
  if (int rc = getaddrinfo(uri.getHost().c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("--url host '" + uri.getHost() + "': " + gai_strerror(rc));
  }
  endpoint.address = *reinterpret_cast<sockaddr_in*>(found->ai_addr);
  freeaddrinfo(found);
  endpoint.hostHeader = uri.getHost() + ":" + port;

  std::string base = uri.getPath();
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string query;
  for (auto [name, value] : {std::pair{"topic", topic}, std::pair{"token", token}}) {
    if (value.empty()) continue;
    std::string encoded;
    Poco::URI::encode(std::string(value), "&=+#?/", encoded);
    query += (query.empty() ? "?" : "&") + std::string(name) + "=" + encoded;
  }
  endpoint.publishTarget = base + "/publish" + query;
  endpoint.subscribeTarget = base + "/subscribe" + query;
  return endpoint;
}

int startConnect(const sockaddr_in& address, SocketLimits limits) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (limits.receiveBytes > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &limits.receiveBytes, sizeof limits.receiveBytes);
  if (limits.sendBytes > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &limits.sendBytes, sizeof limits.sendBytes);
  if (limits.maxSegmentBytes > 0) {
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &limits.maxSegmentBytes, sizeof limits.maxSegmentBytes);
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace spread::bench
