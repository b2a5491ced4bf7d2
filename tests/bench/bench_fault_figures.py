#!/usr/bin/python3
# Proves spread-bench counts what goes wrong: a scripted server in this process delivers
# one message twice, swaps two, withholds one and drops a subscriber with 1008, and the
# JSON line must report exactly one duplicate, one reorder, one lost message and one drop.
import argparse
import base64
import hashlib
import json
import re
import socketserver
import subprocess
import sys
import threading

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11D85"
STAMP = re.compile(r"p(\d+) s(\d+) ")
PROBE_PUBLISHER = 4000000000


def text_frame(payload):
    data = payload.encode()
    if len(data) < 126:
        return bytes([0x81, len(data)]) + data
    return bytes([0x81, 126, len(data) >> 8, len(data) & 0xFF]) + data


def close_frame(code, reason):
    data = bytes([code >> 8, code & 0xFF]) + reason.encode()
    return bytes([0x88, len(data)]) + data


class Script:
    """The faults, by subscriber arrival order and sequence number (one publisher):
    subscriber 0 gets s2 twice and s4 before s3; subscriber 1 is closed with 1008 after s5;
    subscriber 2 never gets s6."""

    def __init__(self):
        self.lock = threading.Lock()
        self.subscribers = []  # sockets, in arrival order; None once dropped
        self.held = None

    def add(self, sock):
        with self.lock:
            self.subscribers.append(sock)

    def publish(self, body):
        msg = json.loads(body)["msg"]
        match = STAMP.match(msg + " ")
        frame = text_frame(json.dumps({"name": "bench", "msg": msg}, separators=(",", ":")))
        with self.lock:
            publisher, sequence = int(match.group(1)), int(match.group(2))
            for index, sock in enumerate(self.subscribers):
                if sock is None:
                    continue
                if publisher == PROBE_PUBLISHER:
                    sock.sendall(frame)
                elif index == 0:
                    self.script_first(sock, sequence, frame)
                elif index == 1:
                    sock.sendall(frame)
                    if sequence == 5:
                        sock.sendall(close_frame(1008, "slow consumer"))
                        self.subscribers[1] = None
                elif index == 2 and sequence != 6:
                    sock.sendall(frame)
                elif index > 2:
                    sock.sendall(frame)

    def script_first(self, sock, sequence, frame):
        if sequence == 3:
            self.held = frame
            return
        sock.sendall(frame)
        if sequence == 2:
            sock.sendall(frame)
        if sequence == 4:
            sock.sendall(self.held)


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            request_line = self.rfile.readline().decode()
            if not request_line:
                return
            headers = {}
            while True:
                line = self.rfile.readline().decode().strip()
                if not line:
                    break
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            method, target, _ = request_line.split(" ", 2)
            if method == "GET" and target.startswith("/subscribe"):
                accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + WS_GUID).encode()).digest())
                self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
                self.server.script.add(self.connection)
                while self.rfile.read(1):  # drain the client's frames until it goes
                    pass
                return
            body = self.rfile.read(int(headers.get("content-length", "0")))
            if method == "POST" and target.startswith("/publish"):
                self.server.script.publish(body)
                self.wfile.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    args = parser.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.script = Script()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/" % server.server_address[1]
    command = [args.bench, "--url", url, "--subscribers", "3", "--publishers", "1", "--rate", "100",
               "--duration", "1", "--drain-timeout", "2", "--connect-concurrency", "1", "--status", "off", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    server.shutdown()
    if done.returncode != 0:
        print("spread-bench exited %d: %s" % (done.returncode, done.stderr), file=sys.stderr)
        return 1
    result = json.loads(done.stdout)
    publishes = result["publishes"]
    expect = {"duplicates": 1, "reorders": 1, "lost": 1, "subscribers_dropped": 1, "subscribers_connected": 3,
              "subscribers_open_at_end": 2, "subscribers_closed_other": 0, "unparsable": 0,
              # subscriber 0: all + 1 duplicate; subscriber 1: s1..s5; subscriber 2: all but s6
              "deliveries": publishes + 1 + 5 + publishes - 1}
    wrong = {key: (result.get(key), want) for key, want in expect.items() if result.get(key) != want}
    if publishes < 10 or wrong:
        print("FAIL: (got, expected) %s with %d publishes in %s" % (wrong, publishes, done.stdout), file=sys.stderr)
        return 1
    print("bench_fault_figures: ok: %d publishes, %s" % (publishes, {k: result[k] for k in expect}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
