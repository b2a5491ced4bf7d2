# A redis-server of the test's own for the Redis engine's end-to-end tests: on a free loopback
# port, in a temporary directory, without persistence unless asked; start() returns once it
# accepts connections (read from its log, with a deadline), kill() is SIGKILL, and start() again
# reuses the port and the directory.
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time

READY_TIMEOUT_S = 10
CANDIDATES = ("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server")


def redis_server_path():
    chosen = os.environ.get("SPREAD_REDIS_SERVER") or next((p for p in CANDIDATES if os.access(p, os.X_OK)), None)
    if not chosen or not os.access(chosen, os.X_OK):
        raise AssertionError("redis-server is not installed; the Redis engine's tests need it: "
                             "run scripts/install-deps.sh --with-test-clients")
    return chosen


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_server_installed():
    try:
        redis_server_path()
    except AssertionError:
        return False
    return True


class RedisServer:
    """With `persistent`, every write is in the append-only file before Redis answers it
    (appendfsync always), so what Redis acknowledged survives even kill() and is loaded again
    by the next start()."""

    def __init__(self, persistent=False):
        self.port = free_port()
        self.persistent = persistent
        self.process = None
        self._dir = tempfile.mkdtemp(prefix="spread-redis-")

    def start(self):
        durability = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [redis_server_path(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *durability,
             "--dir", self._dir, "--loglevel", "notice"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        seen = b""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while b"Ready to accept connections" not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                self.kill()
                raise AssertionError("redis-server on port %d did not start:\n%s" % (self.port, seen.decode()))
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                seen += os.read(self.process.stdout.fileno(), 4096)
        return self

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
            self.process.stdout.close()
        self.process = None

    def close(self):
        self.kill()
        shutil.rmtree(self._dir, ignore_errors=True)
