#include "http/http_request_parser.h"

#include <cstring>
#include <limits>
#include <utility>

#include "http/http_syntax.h"

namespace spread::plugins::websocket {

namespace {

using http_syntax::equalsIgnoreCase;

// A chunk-size line, extensions and line end included; RFC 9112 sets no limit, and a
// generous one still keeps a hostile client from growing the buffer.
constexpr std::size_t kChunkSizeLineBytesMax = 1024;

// A request-target may hold any visible byte (and obs-text, as browsers send it unescaped);
// spaces and control characters would let one line be read two ways.
bool isTargetChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte != 0x7F;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HttpRequestParser::HttpRequestParser(HttpParserLimits limits) : limits_(limits) {}

void HttpRequestParser::feed(std::string_view bytes) {
  if (stage_ == Stage::kStopped) return;
  // Consumed bytes are dropped here, once per feed, rather than per request: erasing
  // after every pipelined request would move the rest of a large read each time.
  if (pos_ == buffer_.size()) {
    buffer_.clear();
  } else if (pos_ > 0) {
    buffer_.erase(0, pos_);
  }
  pos_ = 0;
  buffer_.append(bytes);
}

HttpRequestParser::Status HttpRequestParser::next(HttpRequest& out) {
  while (true) {
    bool progressed = false;
    switch (stage_) {
      case Stage::kHead: progressed = stepHeadLine(false); break;
      case Stage::kBody:
      case Stage::kChunkData: progressed = stepBody(); break;
      case Stage::kChunkSize: progressed = stepChunkSize(); break;
      case Stage::kChunkDataEnd: progressed = stepChunkDataEnd(); break;
      case Stage::kTrailers: progressed = stepHeadLine(true); break;
      case Stage::kDone:
        // Swapping hands the caller the request without copying, and lets the next
        // request reuse the storage of the one the caller passed in.
        std::swap(out, request_);
        startRequest();
        return Status::kRequest;
      case Stage::kStopped: return Status::kError;
    }
    if (!progressed) return stage_ == Stage::kStopped ? Status::kError : Status::kNeedMore;
  }
}

const HttpRequest* HttpRequestParser::requestAwaitingBody() const {
  switch (stage_) {
    case Stage::kBody:
    case Stage::kChunkSize:
    case Stage::kChunkData:
    case Stage::kChunkDataEnd:
    case Stage::kTrailers: return &request_;
    default: return nullptr;
  }
}

std::string HttpRequestParser::takeBuffered() {
  std::string rest = buffer_.substr(pos_);
  buffer_.clear();
  pos_ = 0;
  scanned_ = 0;
  if (stage_ != Stage::kStopped) startRequest();
  return rest;
}

bool HttpRequestParser::stepHeadLine(bool trailer) {
  std::string_view line;
  std::size_t lineBytes = 0;
  // The budget is what remains of headerBytesMax: a line end not found within it means
  // the head is too large, decided without waiting for (or buffering) the rest.
  switch (takeLine(limits_.headerBytesMax - headBytes_, line, lineBytes)) {
    case Line::kPartial: return false;
    case Line::kTooLong:
      return fail(431, "request header fields exceed " + std::to_string(limits_.headerBytesMax) + " bytes",
                  "headers");
    case Line::kComplete: break;
  }
  headBytes_ += lineBytes;
  consume(lineBytes);  // `line` stays valid: consuming only moves pos_
  if (trailer) {
    if (line.empty()) {
      stage_ = Stage::kDone;
      return true;
    }
    return parseHeaderLine(line, true);
  }
  if (!seenRequestLine_) {
    if (line.empty()) return true;  // RFC 9112 2.2: empty lines before a request are ignored
    seenRequestLine_ = true;
    return parseRequestLine(line);
  }
  if (line.empty()) return chooseFraming();
  return parseHeaderLine(line, false);
}

HttpRequestParser::Line HttpRequestParser::takeLine(std::size_t bytesMax, std::string_view& line,
                                                    std::size_t& lineBytes) {
  const std::size_t available = buffer_.size() - pos_;
  const std::size_t window = available < bytesMax ? available : bytesMax;
  // Only bytes not searched before are searched, so a line fed a byte at a time costs
  // linear time, not quadratic.
  const char* begin = buffer_.data() + pos_;
  const void* found = scanned_ < window ? std::memchr(begin + scanned_, '\n', window - scanned_) : nullptr;
  if (found == nullptr) {
    scanned_ = window;
    return available >= bytesMax ? Line::kTooLong : Line::kPartial;
  }
  const auto end = static_cast<std::size_t>(static_cast<const char*>(found) - begin);
  lineBytes = end + 1;
  line = std::string_view(begin, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  scanned_ = 0;
  return Line::kComplete;
}

void HttpRequestParser::consume(std::size_t bytes) {
  pos_ += bytes;
  requestBytes_ += bytes;
  scanned_ = 0;
}

bool HttpRequestParser::parseRequestLine(std::string_view line) {
  const std::size_t firstSpace = line.find(' ');
  const std::size_t lastSpace = line.rfind(' ');
  if (firstSpace == std::string_view::npos || firstSpace == lastSpace) {
    return fail(400, "request line must be: method, space, target, space, HTTP version", "request-line");
  }
  const std::string_view method = line.substr(0, firstSpace);
  const std::string_view target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
  const std::string_view version = line.substr(lastSpace + 1);
  if (!http_syntax::isToken(method)) return fail(400, "request method is not a token", "request-line");
  // The version is checked before the target, so that a stray space at the end of the line
  // is reported as what it is rather than as a space inside the target.
  const bool wellFormed = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
                          version[5] <= '9' && version[6] == '.' && version[7] >= '0' && version[7] <= '9';
  if (!wellFormed) return fail(400, "request line does not end in an HTTP version", "request-line");
  if (target.empty()) return fail(400, "request target is empty", "request-line");
  for (char c : target) {
    if (!isTargetChar(c)) {
      return fail(400, "request target contains a space or control character", "request-line");
    }
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported", "request-line");
  }
  request_.method.assign(method);
  request_.target.assign(target);
  request_.versionMinor = version[7] - '0';
  return true;
}

bool HttpRequestParser::parseHeaderLine(std::string_view line, bool trailer) {
  const char* kind = trailer ? "trailer" : "header";
  if (http_syntax::isOws(line.front())) {
    return fail(400, std::string(kind) + " line starts with whitespace (obsolete line folding is not accepted)",
                "headers");
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, std::string(kind) + " line has no colon", "headers");
  const std::string_view name = line.substr(0, colon);
  if (name.empty()) return fail(400, std::string(kind) + " line has an empty field name", "headers");
  if (http_syntax::isOws(name.back())) {
    return fail(400, "whitespace between " + std::string(kind) + " field name and colon", "headers");
  }
  if (!http_syntax::isToken(name)) {
    return fail(400, std::string(kind) + " field name contains a character not allowed in a token", "headers");
  }
  const std::string_view value = http_syntax::trimOws(line.substr(colon + 1));
  for (char c : value) {
    if (http_syntax::isForbiddenControl(c)) {
      return fail(400, std::string(kind) + " field " + std::string(name) + " contains a control character",
                  std::string(name));
    }
  }
  if (++fieldCount_ > limits_.headerCountMax) {
    return fail(431, "request has more than " + std::to_string(limits_.headerCountMax) + " header fields",
                "headers");
  }
  // Trailer fields are checked, then dropped: nothing here acts on them, and merging
  // them into the headers would let a body's tail change how its head was read.
  if (!trailer) request_.headers.push_back(HttpHeader{std::string(name), std::string(value)});
  return true;
}

bool HttpRequestParser::chooseFraming() {
  bool hasTransferEncoding = false;
  std::size_t codings = 0;
  bool chunkedOnly = true;
  bool hasLength = false;
  std::uint64_t length = 0;
  bool lengthValid = true;
  bool lengthInRange = true;
  bool lengthsAgree = true;
  for (const HttpHeader& field : request_.headers) {
    if (equalsIgnoreCase(field.name, "Transfer-Encoding")) {
      hasTransferEncoding = true;
      http_syntax::forEachListElement(field.value, [&](std::string_view coding) {
        ++codings;
        if (!equalsIgnoreCase(coding, "chunked")) chunkedOnly = false;
      });
    } else if (equalsIgnoreCase(field.name, "Content-Length")) {
      // A value with no elements ("" or ",") is no number either; reading it as "no
      // body" would be a guess another parser might not share.
      std::size_t elements = 0;
      http_syntax::forEachListElement(field.value, [&](std::string_view digits) {
        ++elements;
        std::uint64_t value = 0;
        for (char c : digits) {
          if (c < '0' || c > '9') {
            lengthValid = false;
            return;
          }
          const auto digit = static_cast<std::uint64_t>(c - '0');
          if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
            lengthInRange = false;
            return;
          }
          value = value * 10 + digit;
        }
        if (hasLength && value != length) lengthsAgree = false;
        hasLength = true;
        length = value;
      });
      if (elements == 0) lengthValid = false;
    }
  }
  // Each refusal below closes a way for two parsers to disagree on where the body ends
  // (request smuggling), so none of them is relaxed for convenience.
  if (hasTransferEncoding && (hasLength || !lengthValid || !lengthInRange)) {
    return fail(400, "request has both Transfer-Encoding and Content-Length", "Transfer-Encoding");
  }
  if (!lengthValid) return fail(400, "Content-Length is not a number", "Content-Length");
  if (!lengthInRange) return fail(400, "Content-Length is too large to be a number", "Content-Length");
  if (!lengthsAgree) return fail(400, "Content-Length values differ", "Content-Length");
  if (hasTransferEncoding) {
    if (request_.versionMinor == 0) {
      return fail(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request", "Transfer-Encoding");
    }
    // RFC 9112 6.3 asks for a 400 when chunked is not the final coding; a coding before it
    // would need decoding we do not do, and answering it differently would only tell a
    // prober which of the two we saw. Either way the body's end is unknown: 400 and close.
    if (codings != 1 || !chunkedOnly) {
      return fail(400, "Transfer-Encoding other than \"chunked\" alone is not accepted", "Transfer-Encoding");
    }
    stage_ = Stage::kChunkSize;
    return true;
  }
  if (length > limits_.bodyBytesMax) {
    return fail(413, "request body exceeds " + std::to_string(limits_.bodyBytesMax) + " bytes", "body");
  }
  if (length == 0) {
    stage_ = Stage::kDone;
    return true;
  }
  request_.body.reserve(static_cast<std::size_t>(length));
  bodyLeft_ = length;
  stage_ = Stage::kBody;
  return true;
}

bool HttpRequestParser::stepBody() {
  const std::size_t available = buffer_.size() - pos_;
  if (available == 0) return false;
  const std::size_t take = bodyLeft_ < available ? static_cast<std::size_t>(bodyLeft_) : available;
  request_.body.append(buffer_, pos_, take);
  consume(take);
  bodyLeft_ -= take;
  if (bodyLeft_ == 0) stage_ = stage_ == Stage::kBody ? Stage::kDone : Stage::kChunkDataEnd;
  return true;
}

bool HttpRequestParser::stepChunkSize() {
  std::string_view line;
  std::size_t lineBytes = 0;
  switch (takeLine(kChunkSizeLineBytesMax, line, lineBytes)) {
    case Line::kPartial: return false;
    case Line::kTooLong:
      return fail(400, "chunk-size line is longer than " + std::to_string(kChunkSizeLineBytesMax) + " bytes",
                  "body");
    case Line::kComplete: break;
  }
  consume(lineBytes);
  std::uint64_t size = 0;
  std::size_t digits = 0;
  for (; digits < line.size(); ++digits) {
    const int value = hexValue(line[digits]);
    if (value < 0) break;
    if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
      return fail(400, "chunk size is too large to be a number", "body");
    }
    size = (size << 4) | static_cast<std::uint64_t>(value);
  }
  if (digits == 0) return fail(400, "chunk size is not a hexadecimal number", "body");
  std::string_view extensions = line.substr(digits);
  while (!extensions.empty() && http_syntax::isOws(extensions.front())) extensions.remove_prefix(1);
  if (!extensions.empty() && extensions.front() != ';') {
    return fail(400, "chunk size is not a hexadecimal number", "body");
  }
  if (extensions.empty() && digits < line.size()) {
    return fail(400, "chunk size is followed by whitespace without an extension", "body");
  }
  for (char c : extensions) {
    if (http_syntax::isForbiddenControl(c)) return fail(400, "chunk extension contains a control character", "body");
  }
  if (size == 0) {
    stage_ = Stage::kTrailers;
    return true;
  }
  if (size > limits_.bodyBytesMax - request_.body.size()) {
    return fail(413, "request body exceeds " + std::to_string(limits_.bodyBytesMax) + " bytes", "body");
  }
  bodyLeft_ = size;
  stage_ = Stage::kChunkData;
  return true;
}

bool HttpRequestParser::stepChunkDataEnd() {
  const std::size_t available = buffer_.size() - pos_;
  if (available == 0) return false;
  std::size_t lineEnd = 0;
  if (buffer_[pos_] == '\n') {
    lineEnd = 1;
  } else if (buffer_[pos_] == '\r') {
    if (available < 2) return false;
    if (buffer_[pos_ + 1] == '\n') lineEnd = 2;
  }
  if (lineEnd == 0) return fail(400, "chunk data is not followed by CRLF", "body");
  consume(lineEnd);
  stage_ = Stage::kChunkSize;
  return true;
}

void HttpRequestParser::startRequest() {
  request_.method.clear();
  request_.target.clear();
  request_.versionMinor = 1;
  request_.headers.clear();
  request_.body.clear();
  stage_ = Stage::kHead;
  requestBytes_ = 0;
  seenRequestLine_ = false;
  headBytes_ = 0;
  fieldCount_ = 0;
  bodyLeft_ = 0;
}

bool HttpRequestParser::fail(int status, std::string message, std::string field) {
  error_ = HttpParseError{status, std::move(message), std::move(field)};
  stage_ = Stage::kStopped;
  return false;
}

}  // namespace spread::plugins::websocket
