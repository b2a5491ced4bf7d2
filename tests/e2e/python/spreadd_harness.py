# Runs the real spreadd for an end-to-end test: writes a temporary config (127.0.0.1, port 0),
# starts the program named by $SPREADD, reads its stdout with a deadline until "spreadd: ready"
# (noting each "spreadd: listening websocket URL" line before it, http and https), and stops it
# with SIGTERM, checking it exits 0 in time.
import os
import re
import select
import signal
import subprocess
import tempfile
import time

LISTENING = re.compile(r"^spreadd: listening websocket ((https?)://127\.0\.0\.1:(\d+)/)$")
READY = "spreadd: ready"
RELOADED = "spreadd: reloaded"
RELOAD_REFUSED = "spreadd: reload refused"
RELOAD_TIMEOUT_S = 10
READY_TIMEOUT_S = 20
# Allowance over the grace period for exiting: the runtime's own teardown and, under
# AddressSanitizer, the leak check at exit.
EXIT_MARGIN_S = 10

BASE_CONFIG = {
    "spread.transports": "websocket",
    "spread.shutdownGraceMs": "3000",
    "session.pingIntervalMs": "60000",
    "session.idleTimeoutMs": "120000",
    "transport.websocket.host": "127.0.0.1",
    "transport.websocket.port": "0",
    # Every test client comes from 127.0.0.1, and some publish flat out: the limits per
    # address and the publish rates are lifted here, and set by the tests of the limits.
    "transport.websocket.connectionsPerAddressMax": "100000",
    "transport.websocket.addressPublishesPerSecond": "0",
    "session.publishesPerSecond": "0",
    "logging.level": "warning",
}


class DaemonError(AssertionError):
    """spreadd did not start, or did not stop the way it must."""


def spreadd_path():
    path = os.environ.get("SPREADD", "")
    if not path or not os.access(path, os.X_OK):
        raise DaemonError("set SPREADD to the spreadd executable (ctest passes $<TARGET_FILE:spreadd>); got %r" % path)
    return path


class Daemon:
    """One spreadd process. `overrides` replace or add config keys; a value None removes a key.
    `label` names it in what describe() shows (a cluster test runs two). `publisher` is the
    daemon that http_calls.publish sends this one's publishes to: itself unless set (the
    cluster mode of e2e_case sets node B on node A)."""

    def __init__(self, overrides=None, port=None, label="spreadd"):
        self.config = dict(BASE_CONFIG)
        for key, value in (overrides or {}).items():
            if value is None:
                self.config.pop(key, None)
            else:
                self.config[key] = str(value)
        if port is not None:
            self.config["transport.websocket.port"] = str(port)
        self.process = None
        self.url = None
        self.port = None
        self.tls_url = None  # with transport.websocket.tls.port set
        self.tls_port = None
        self.stdout_seen = ""
        self.stopped = False
        self.label = label
        self.publisher = None
        self._dir = tempfile.TemporaryDirectory(prefix="spread-e2e-")
        self.config_path = os.path.join(self._dir.name, "server.properties")
        self._stderr = None

    @property
    def grace_s(self):
        return int(self.config["spread.shutdownGraceMs"]) / 1000.0

    def ws_url(self, path="/subscribe"):
        return "ws://127.0.0.1:%d%s" % (self.port, path)

    def http_url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def write_config(self, extra_lines=()):
        """Writes self.config to the daemon's config file, then `extra_lines` as they are."""
        with open(self.config_path, "w") as out:
            for key, value in self.config.items():
                out.write("%s = %s\n" % (key, value))
            for line in extra_lines:
                out.write(line + "\n")

    def reload(self, outcome=RELOADED):
        """SIGHUP, then waits for `outcome` ('spreadd: reloaded' or 'spreadd: reload refused'),
        which spreadd prints once the reload has been logged."""
        before = self.stdout_seen.splitlines().count(outcome)
        self.process.send_signal(signal.SIGHUP)
        self.wait_for_line(outcome, RELOAD_TIMEOUT_S, before)

    def start(self):
        config_path = self.config_path
        self.write_config()
        self._stderr = open(os.path.join(self._dir.name, "stderr.log"), "w+b")
        self.process = subprocess.Popen([spreadd_path(), "--config", config_path], stdout=subprocess.PIPE,
                                        stderr=self._stderr, stdin=subprocess.DEVNULL)
        try:
            self.wait_for_line(READY, READY_TIMEOUT_S)
        except DaemonError:
            self.process.kill()
            self.process.wait()
            raise
        for line in self.stdout_seen.splitlines():
            match = LISTENING.match(line)
            if match and match.group(2) == "http":
                self.url, self.port = match.group(1), int(match.group(3))
            elif match:
                self.tls_url, self.tls_port = match.group(1), int(match.group(3))
        return self

    def wait_for_line(self, wanted, timeout_s, after=0):
        """Reads spreadd's stdout, with a deadline, until a line equal to `wanted` has come
        after the first `after` such lines; returns how many have come."""
        deadline = time.monotonic() + timeout_s
        while True:
            seen = self.stdout_seen.splitlines().count(wanted)
            if seen > after:
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise DaemonError("no %r line within %d s%s" % (wanted, timeout_s, self.describe()))
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.process.wait()
                raise DaemonError("spreadd exited with status %s before printing %r%s"
                                  % (self.process.returncode, wanted, self.describe()))
            self.stdout_seen += chunk.decode(errors="replace")

    def stderr_text(self):
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def describe(self):
        return "\n--- %s stdout ---\n%s\n--- %s stderr ---\n%s" % (self.label, self.stdout_seen, self.label,
                                                                     self.stderr_text())

    def signal_stop(self):
        """Sends SIGTERM and returns at once; finish with wait_stopped()."""
        self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, within=None):
        """Waits for the exit that signal_stop() asked for; raises unless it was status 0 within
        `within` seconds (by default the grace period plus a margin), with 'spreadd: stopped' printed."""
        limit = self.grace_s + EXIT_MARGIN_S if within is None else within
        try:
            rest, _ = self.process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise DaemonError("spreadd did not exit within %.1f s of SIGTERM%s" % (limit, self.describe()))
        self.stdout_seen += rest.decode(errors="replace")
        if self.process.returncode != 0:
            raise DaemonError("spreadd exited with status %d after SIGTERM%s" % (self.process.returncode,
                                                                                 self.describe()))
        if "spreadd: stopped" not in self.stdout_seen:
            raise DaemonError("spreadd exited 0 without printing 'spreadd: stopped'%s" % self.describe())
        self.stopped = True

    def stop(self):
        self.signal_stop()
        self.wait_stopped()

    def close(self):
        """Last resort after a failed test: never leave a daemon behind."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
        self._dir.cleanup()
