# A server-sent events client for the end-to-end tests: curl -N (a client nobody here wrote)
# reads GET /events, and this reads curl's output with a deadline: the response head, then one
# event at a time (fields id, event, data, retry; comment lines counted, not returned).
import os
import select
import subprocess
import time

EVENT_TIMEOUT_S = 5


class CurlEvents:
    def __init__(self, url, headers=None):
        command = ["curl", "-sS", "-N", "-i", "--max-time", "30", url]
        for name, value in (headers or {}).items():
            command += ["-H", "%s: %s" % (name, value)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL)
        self.buffer = b""
        self.status = None
        self.headers = {}
        self.comments = 0
        self.ended = False

    def _fill(self, deadline):
        """Reads more of curl's output; False once it has ended."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("nothing more from the stream within the deadline; so far %r" % self.buffer[:300])
        ready, _, _ = select.select([self.process.stdout], [], [], left)
        if not ready:
            return True
        chunk = os.read(self.process.stdout.fileno(), 65536)
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def head(self, timeout_s=EVENT_TIMEOUT_S):
        """The status and headers (lower-case names)."""
        deadline = time.monotonic() + timeout_s
        while self.status is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                lines = self.buffer[:end].decode().split("\r\n")
                self.buffer = self.buffer[end + 4:]
                self.status = int(lines[0].split()[1])
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    self.headers[name.strip().lower()] = value.strip()
            elif not self._fill(deadline):
                raise AssertionError("the stream ended before its head: %r" % self.buffer)
        return self.status, self.headers

    def body(self, timeout_s=EVENT_TIMEOUT_S):
        """Everything until the server ends the response."""
        self.head(timeout_s)
        deadline = time.monotonic() + timeout_s
        while self._fill(deadline):
            pass
        return self.buffer.decode()

    def next_event(self, timeout_s=EVENT_TIMEOUT_S):
        """The next event as a dict, or None if the stream ended first."""
        self.head(timeout_s)
        deadline = time.monotonic() + timeout_s
        while True:
            end = self.buffer.find(b"\n\n")
            if end >= 0:
                block = self.buffer[:end].decode("utf-8")
                self.buffer = self.buffer[end + 2:]
                event = {}
                for line in block.split("\n"):
                    if line.startswith(":"):
                        self.comments += 1
                        continue
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    event[name] = event[name] + "\n" + value if name == "data" and name in event else value
                if event:
                    return event
                continue
            if not self._fill(deadline):
                return None

    def wait_comments(self, count, timeout_s=EVENT_TIMEOUT_S):
        """Reads on until `count` comment lines (keepalives) have come, events set aside."""
        deadline = time.monotonic() + timeout_s
        while self.comments < count:
            end = self.buffer.find(b"\n\n")
            if end >= 0:
                block = self.buffer[:end]
                self.buffer = self.buffer[end + 2:]
                self.comments += sum(1 for line in block.split(b"\n") if line.startswith(b":"))
            elif not self._fill(deadline):
                raise AssertionError("the stream ended after %d comments" % self.comments)

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()
