# A raw HTTP/1.1 client on one TCP socket for the keep-alive tests: it sends exact bytes
# (pipelined, or split anywhere) and parses the answers itself (status line, headers, a body by
# Content-Length, chunks or close), so a test sees exactly what the server wrote and when it closed.
import base64
import hashlib
import json
import os
import socket
import struct

# Every read waits at most this long; a server that neither answers nor closes fails the test.
DEADLINE_S = 5
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Headers(dict):
    """Response header fields by lower-cased name; get() takes any case, as http.client's does."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)


class Response:
    def __init__(self, version, status, reason, headers, body):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # a repeated name keeps the last value
        self.body = body

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return "%s %d %s %r %r" % (self.version, self.status, self.reason, self.headers, self.body[:300])


def request_bytes(method, path, body=b"", headers=None, version="HTTP/1.1"):
    """One request as bytes, with Host, and for a body or a POST Content-Length and
    Content-Type: application/json, unless given (None leaves a field out)."""
    body = body.encode() if isinstance(body, str) else body
    fields = {"Host": "127.0.0.1"}
    if body or method == "POST":
        fields["Content-Type"] = "application/json"
        fields["Content-Length"] = str(len(body))
    fields.update(headers or {})
    lines = ["%s %s %s" % (method, path, version)] + ["%s: %s" % item for item in fields.items() if item[1] is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def publish_bytes(name, msg, topic=None, headers=None):
    path = "/publish" + ("?topic=" + topic if topic else "")
    body = json.dumps({"name": name, "msg": msg})
    return request_bytes("POST", path, body, dict({"Content-Type": "application/json"}, **(headers or {})))


class RawConnection:
    """One client TCP connection to 127.0.0.1:port with a read buffer of its own."""

    def __init__(self, port, receive_buffer=None):
        """`receive_buffer`: SO_RCVBUF set before connecting, which also caps the TCP window."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(DEADLINE_S)
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""
        self._eof = False

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        """Reads what the server sent next into the buffer; False once the server closed."""
        if self._eof:
            return False
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError("the server neither answered nor closed within %d s (unparsed: %r)"
                                 % (DEADLINE_S, self._buffer[:300])) from None
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def _take_until(self, marker):
        while marker not in self._buffer:
            if not self._fill():
                raise ConnectionError("the server closed the connection in the middle of a response: %r"
                                      % self._buffer[:300])
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def _take(self, count):
        while len(self._buffer) < count:
            if not self._fill():
                raise ConnectionError("the server closed the connection %d bytes short of a body"
                                      % (count - len(self._buffer)))
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def read_response(self, method="POST"):
        """The next response; raises ConnectionError if the server closed before sending one."""
        if not self._buffer and not self._fill():
            raise ConnectionError("the server closed the connection instead of answering")
        head = self._take_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        version, status, reason = (status_line.split(" ", 2) + [""])[:3]
        if not version.startswith("HTTP/") or not status.isdigit():
            raise AssertionError("not an HTTP status line: %r" % status_line)
        headers = Headers()
        for line in header_lines:
            name, colon, value = line.partition(":")
            if not colon:
                raise AssertionError("response header line without a colon: %r" % line)
            headers[name.strip().lower()] = value.strip()
        status = int(status)
        if method == "HEAD" or status in (101, 204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._take_chunked()
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:  # delimited by the close
            while self._fill():
                pass
            body, self._buffer = self._buffer, b""
        return Response(version, status, reason, headers, body)

    def _take_chunked(self):
        body = b""
        while True:
            size = int(self._take_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                while self._take_until(b"\r\n"):  # trailer fields, up to the empty line
                    pass
                return body
            body += self._take(size)
            self._take_until(b"\r\n")

    def assert_closed_by_server(self):
        """The server closes with nothing more to say: no further bytes, then EOF (or a reset)."""
        while self._fill():
            pass
        if self._buffer:
            raise AssertionError("the server sent more after its last response: %r" % self._buffer[:300])

    # WebSocket frames, for a connection that was upgraded.

    def send_text_frame(self, text):
        """A client text frame: FIN, masked as RFC 6455 requires of clients."""
        self.send_frame(0x1, text.encode())

    def send_close_frame(self, code):
        """A client close frame carrying `code` and no reason."""
        self.send_frame(0x8, struct.pack("!H", code))

    def send_frame(self, opcode, payload):
        """One whole client frame (FIN set), masked; payloads up to 65535 bytes."""
        mask = os.urandom(4)
        if len(payload) < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload))
        else:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, len(payload))
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.send(header + mask + masked)

    def read_frame(self):
        """The next server frame as (fin, opcode, payload); a server frame must not be masked."""
        first, second = self._take(2)
        if second & 0x80:
            raise AssertionError("the server masked a frame")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(8))
        return bool(first & 0x80), first & 0x0F, self._take(length)


def websocket_key():
    return base64.b64encode(os.urandom(16)).decode()


def websocket_accept(key):
    """The Sec-WebSocket-Accept answer to a key, computed here as RFC 6455 section 4.2.2 says."""
    return base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
