#include "client_frames.h"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <array>
#include <stdexcept>

namespace spread::plugins::websocket::testing {

namespace {
constexpr std::array<unsigned char, 4> kMask{0x37, 0xFA, 0x21, 0x3D};
}

std::string clientFrame(const FrameSpec& spec) {
  std::string frame;
  frame.push_back(static_cast<char>((spec.fin ? 0x80 : 0) | ((spec.rsv & 7) << 4) |
                                    static_cast<std::uint8_t>(spec.opcode)));
  const std::size_t size = spec.payload.size();
  const char maskBit = spec.masked ? static_cast<char>(0x80) : 0;
  if (size < 126) {
    frame.push_back(static_cast<char>(maskBit | static_cast<char>(size)));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<char>(maskBit | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xFF));
  } else {
    frame.push_back(static_cast<char>(maskBit | 127));
    for (int i = 7; i >= 0; --i) frame.push_back(static_cast<char>((static_cast<std::uint64_t>(size) >> (8 * i)) & 0xFF));
  }
  if (!spec.masked) return frame + spec.payload;
  frame.append(reinterpret_cast<const char*>(kMask.data()), kMask.size());
  for (std::size_t i = 0; i < size; ++i) frame.push_back(static_cast<char>(spec.payload[i] ^ kMask[i % 4]));
  return frame;
}

std::string closePayload(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return payload;
}

std::uint16_t ServerFrame::closeCode() const {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]));
}

std::string ServerFrame::closeReason() const { return payload.size() < 2 ? std::string() : payload.substr(2); }

std::optional<ServerFrame> takeServerFrame(std::string& buffer) {
  if (buffer.size() < 2) return std::nullopt;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(buffer[i]); };
  ServerFrame frame{static_cast<Opcode>(byte(0) & 0x0F), (byte(0) & 0x80) != 0, (byte(1) & 0x80) != 0, {}};
  std::uint64_t length = byte(1) & 0x7F;
  std::size_t at = 2;
  if (length == 126) {
    if (buffer.size() < 4) return std::nullopt;
    length = (std::uint64_t{byte(2)} << 8) | byte(3);
    at = 4;
  } else if (length == 127) {
    if (buffer.size() < 10) return std::nullopt;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
    at = 10;
  }
  if (frame.masked) at += 4;
  if (buffer.size() < at + length) return std::nullopt;
  frame.payload = buffer.substr(at, length);
  buffer.erase(0, at + length);
  return frame;
}

RawClient::RawClient(std::uint16_t port, const std::string& target, int receiveBufferBytes, const std::string& early)
    : socket_(Poco::Net::SocketAddress::IPv4) {
  if (receiveBufferBytes > 0) socket_.setReceiveBufferSize(receiveBufferBytes);
  socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(5, 0));
  socket_.setNoDelay(true);
  send("GET " + target +
       " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" +
       early);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) throw std::runtime_error("no handshake response; got: " + buffer_);
  }
  handshake_ = buffer_.substr(0, end + 4);
  buffer_.erase(0, end + 4);
}

void RawClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const int sent = socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    if (sent <= 0) throw std::runtime_error("send failed");
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
}

bool RawClient::fill(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  if (!socket_.poll(Poco::Timespan(left.count()), Poco::Net::Socket::SELECT_READ)) return false;
  char chunk[65536];
  int received = 0;
  try {
    received = socket_.receiveBytes(chunk, sizeof chunk);
  } catch (const Poco::Exception&) {
    return false;  // reset by the server: as good as an end of stream here
  }
  if (received <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(received));
  return true;
}

std::optional<ServerFrame> RawClient::readFrame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto frame = takeServerFrame(buffer_)) return frame;
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<ServerFrame> RawClient::readUntil(Opcode opcode, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::optional<ServerFrame> frame = readFrame(left);
    if (!frame || frame->opcode == opcode) return frame;
  }
}

bool RawClient::waitForEof(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fill(deadline)) buffer_.clear();
  return std::chrono::steady_clock::now() < deadline;
}

bool RawClient::waitUntilSubscribed(std::chrono::milliseconds timeout) {
  send(textFrame("{}"));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::optional<ServerFrame> frame = readFrame(left);
    if (!frame) return false;
    if (frame->opcode == Opcode::kText && frame->payload.find("\"error\"") != std::string::npos) return true;
  }
}

}  // namespace spread::plugins::websocket::testing
