#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spread::plugins::websocket {

/// One header field of a request.
struct HttpHeader {
  std::string name;   // as sent
  std::string value;  // trimmed of SP/HTAB at both ends
};

/// One complete HTTP/1.x request, as HttpRequestParser hands it out.
struct HttpRequest {
  std::string method;  // as sent, e.g. "POST" (case-sensitive per RFC 9110)
  std::string target;  // request-target as sent, e.g. "/publish?topic=a"
  int versionMinor = 1;  // HTTP/1.0 -> 0, HTTP/1.1 -> 1
  std::vector<HttpHeader> headers;  // in the order sent; trailer fields are not kept
  std::string body;  // de-chunked if it came chunked

  /// The first header with this name, compared case-insensitively; nullptr if absent.
  const std::string* header(std::string_view name) const;
  /// True if any header called `name` (case-insensitive) lists `token` among its
  /// comma-separated elements, compared case-insensitively.
  bool headerListsToken(std::string_view name, std::string_view token) const;
  /// HTTP/1.1 unless a Connection header lists the token "close"; HTTP/1.0 only if a
  /// Connection header lists "keep-alive" (and none lists "close").
  bool keepAlive() const;
  /// True if a Connection header lists the token "upgrade" (case-insensitive).
  bool connectionUpgrade() const;
  /// True if the Expect header is "100-continue" (case-insensitive).
  bool expectsContinue() const;
};

/// Why a request was refused: the status to answer with and a sentence for the body.
struct HttpParseError {
  int status = 400;     // 400, 413, 431 or 505
  std::string message;  // a sentence naming the problem, e.g. "Content-Length is not a number"
  std::string field;    // "Content-Length", "Transfer-Encoding", another header's name as
                        // sent, or "request-line", "headers", "body"
};

struct HttpParserLimits {
  std::size_t headerBytesMax = 8192;  // empty lines before the request, request line,
                                      // header lines and chunked trailer lines, each with
                                      // its line end, and the empty line ending the head
  std::size_t headerCountMax = 100;   // header fields, plus trailer fields of a chunked body
  std::size_t bodyBytesMax = 65536;   // after de-chunking
};

/// Incremental, strict HTTP/1.1 request parser (RFC 9112) for one connection, with no
/// sockets: feed() appends bytes as they arrive, in pieces of any size; next() takes one
/// complete request off the front, so pipelined requests come out one at a time and the
/// bytes of the following request stay buffered.
///
/// Accepted: CRLF or bare LF line ends; empty lines before a request line; HTTP/1.0 and
/// HTTP/1.1; a body framed by Content-Length (repeated only with equal values) or by
/// Transfer-Encoding: chunked alone (extensions and trailer fields accepted, then dropped).
/// Refused, with a status and a sentence naming the problem: a malformed request line,
/// header line or chunk framing, obsolete line folding, control characters, a chunk-size
/// line over 1024 bytes (400); another HTTP version
/// (505); a transfer coding other than "chunked" alone (400); both framings at once, or chunked in HTTP/1.0
/// (400); a head over headerBytesMax or more than headerCountMax fields (431, decided as
/// soon as the buffered head passes the limit); a body over bodyBytesMax (413, decided
/// from Content-Length or a chunk size before the body bytes arrive).
///
/// Memory: once next() has returned kNeedMore, the parser holds what it has parsed of the
/// request being read (at most headerBytesMax of head and bodyBytesMax of body) and the
/// last piece fed, whose parsed bytes are dropped at the next feed(). Call next() until it
/// returns kNeedMore after every feed(), or the pieces fed pile up unparsed.
///
/// After an error the parser is stopped: next() keeps returning kError and feed() ignores
/// input. Not thread-safe: one connection's I/O thread owns it.
class HttpRequestParser {
 public:
  enum class Status { kNeedMore, kRequest, kError };

  explicit HttpRequestParser(HttpParserLimits limits = {});

  /// Appends `bytes` to the stream; ignored once the parser has stopped on an error.
  void feed(std::string_view bytes);
  /// Parses as far as the bytes fed allow. kRequest: `out` is overwritten with the next
  /// complete request (its previous storage may be reused). kNeedMore: feed more bytes.
  /// kError: error() says why; every later call returns kError too.
  Status next(HttpRequest& out);
  /// Why parsing stopped; valid after next() returned kError.
  const HttpParseError& error() const { return error_; }
  /// Bytes fed and not yet returned as part of a request (including those of a request
  /// whose head has been parsed but whose body is still arriving).
  std::size_t buffered() const { return requestBytes_ + (buffer_.size() - pos_); }
  /// The head of the request whose body is still arriving (body holds what has arrived
  /// so far), or nullptr. Lets a server answer "Expect: 100-continue" before the body.
  const HttpRequest* requestAwaitingBody() const;
  /// Bytes held that follow the last request returned, for handing the raw stream to
  /// another protocol after an upgrade; clears them. Call it right after next() returned
  /// kRequest: the result is then exactly the bytes that followed that request. If next()
  /// has since begun parsing a further request, that partial request is dropped and the
  /// bytes it consumed are not part of the result.
  std::string takeBuffered();

 private:
  enum class Stage {
    kHead,          // request line and header lines
    kBody,          // Content-Length bytes
    kChunkSize,     // a chunk-size line
    kChunkData,     // a chunk's bytes
    kChunkDataEnd,  // the line end after a chunk's bytes
    kTrailers,      // trailer lines after the last chunk
    kDone,          // a complete request, for next() to hand out
    kStopped,       // after an error
  };
  enum class Line { kComplete, kPartial, kTooLong };

  // Each step returns true if it made progress (consumed bytes or changed stage), false
  // if it needs more bytes or has stopped the parser on an error.
  bool stepHeadLine(bool trailer);
  bool stepBody();
  bool stepChunkSize();
  bool stepChunkDataEnd();

  // Finds the next line at pos_ within its first `bytesMax` bytes. On kComplete, `line`
  // is its content without the line end (CRLF or LF) and `lineBytes` its full length.
  Line takeLine(std::size_t bytesMax, std::string_view& line, std::size_t& lineBytes);
  void consume(std::size_t bytes);
  bool parseRequestLine(std::string_view line);
  bool parseHeaderLine(std::string_view line, bool trailer);
  bool chooseFraming();  // once the head is complete
  void startRequest();
  bool fail(int status, std::string message, std::string field);

  const HttpParserLimits limits_;
  Stage stage_ = Stage::kHead;
  std::string buffer_;       // bytes fed; [0, pos_) are consumed and dropped at the next feed
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;  // bytes after pos_ already searched for a line end
  std::size_t requestBytes_ = 0;  // bytes consumed into the request being read

  HttpRequest request_;      // the request being read
  bool seenRequestLine_ = false;
  std::size_t headBytes_ = 0;     // head (and trailer) bytes of the request so far
  std::size_t fieldCount_ = 0;    // header and trailer fields so far
  std::uint64_t bodyLeft_ = 0;    // Content-Length bytes or chunk bytes still to come
  HttpParseError error_;
};

}  // namespace spread::plugins::websocket
