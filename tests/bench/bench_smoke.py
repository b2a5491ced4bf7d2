#!/usr/bin/python3
# Smoke test of spread-bench against a live server: starts the server on port 0, waits for
# its "listening websocket URL" line, runs short loads over HTTP and WebSocket publishing,
# and checks the JSON line: nothing lost, reordered or duplicated, deliveries = publishes x subscribers.
# The server defaults to the Node reference peer; SPREAD_BENCH_SERVER (or --server) switches it,
# e.g. to "build/release/bin/spreadd --config={config}", where {config} becomes a generated Spread
# config with port 0. Exits 77 (skipped) only if node is missing.
import argparse
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
READY = re.compile(r"^(\S+): listening websocket (http://\S+)")
# The smoke checks the tool's bookkeeping, not eviction: flat out, one stalled reader (the
# machine is shared with other tests) would otherwise overflow the default 256-message queue
# and be dropped, as it should. Queues larger than anything a 2-second run can publish make
# "no subscriber dropped" a property of the server, not of the scheduler. Publishing flat
# out from one address is what the rate limits exist to stop, so they are lifted.
SPREAD_CONFIG = """\
spread.transports = websocket
transport.websocket.host = 127.0.0.1
transport.websocket.port = 0
transport.websocket.addressPublishesPerSecond = 0
session.publishesPerSecond = 0
session.queueMessagesMax = 1000000
session.queueBytesMax = 1073741824
logging.level = warning
"""


def fail(message):
    print("bench_smoke: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def ensure_node_peer(peers_dir):
    """Installs the peer's ws package from its lock file if it is not there yet."""
    if os.path.isdir(os.path.join(peers_dir, "node_modules", "ws")):
        return
    npm = shutil.which("npm")
    if npm is None:
        fail("node is installed but npm is not; cannot install bench/peers' ws package")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=peers_dir, capture_output=True,
                          text=True, timeout=180)
    if done.returncode != 0:
        fail("npm ci in %s failed:\n%s" % (peers_dir, done.stderr))


def start_server(command, deadline_s=20):
    """Starts the server, returns (process, base URL) once it printed its listening line."""
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + deadline_s
    pending = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            server.kill()
            fail("no 'listening websocket' line from %s within %d s" % (command, deadline_s))
        ready, _, _ = select.select([server.stdout], [], [], left)
        if not ready:
            continue
        chunk = os.read(server.stdout.fileno(), 4096)
        if not chunk:
            server.wait()
            fail("server %s exited (status %s) before listening: %s"
                 % (command, server.returncode, server.stderr.read().decode(errors="replace")))
        pending += chunk
        for line in pending.decode(errors="replace").splitlines():
            match = READY.match(line)
            if match:
                return server, match.group(2)


def run_bench(bench, url, pid, extra):
    command = [bench, "--url", url, "--server-pid", str(pid), "--status", "off", "--quiet",
               "--drain-timeout", "10"] + extra
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        fail("%s exited %d: %s" % (shlex.join(command), done.returncode, done.stderr))
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        fail("expected one JSON line, got %r" % done.stdout)
    try:
        return json.loads(lines[0])
    except ValueError as error:
        fail("JSON line does not parse (%s): %s" % (error, lines[0]))


def check(result, subscribers, name):
    expect = {"subscribers_connected": subscribers, "lost": 0, "reorders": 0, "duplicates": 0,
              "unparsable": 0, "subscribers_dropped": 0, "subscribers_closed_other": 0, "publish_errors": 0}
    for key, want in expect.items():
        if result.get(key) != want:
            fail("%s: %s is %r, expected %r in %s" % (name, key, result.get(key), want, json.dumps(result)))
    if result["publishes"] <= 0:
        fail("%s: nothing was published: %s" % (name, json.dumps(result)))
    if result["deliveries"] != result["publishes"] * subscribers:
        fail("%s: deliveries %d != publishes %d x subscribers %d"
             % (name, result["deliveries"], result["publishes"], subscribers))
    if result["latency_samples"] != result["deliveries"] or result["server_threads"] < 1:
        fail("%s: latency samples or server threads missing: %s" % (name, json.dumps(result)))
    print("bench_smoke: %s ok: %d publishes, %d deliveries, p99 %.3f ms"
          % (name, result["publishes"], result["deliveries"], result["latency_p99_ms"]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True, help="path of spread-bench")
    parser.add_argument("--peers-dir", required=True, help="bench/peers, for the default server")
    parser.add_argument("--server", default="", help="server command line (default: the Node peer on port 0)")
    args = parser.parse_args()

    server_line = args.server or os.environ.get("SPREAD_BENCH_SERVER", "")
    config = None
    if server_line:
        config = tempfile.NamedTemporaryFile("w", prefix="bench-smoke-", suffix=".properties", delete=False)
        with config:
            config.write(SPREAD_CONFIG)
        command = [part.replace("{config}", config.name) for part in shlex.split(server_line)]
    else:
        if shutil.which("node") is None:
            print("bench_smoke: SKIP: node is not installed", file=sys.stderr)
            return SKIP
        ensure_node_peer(args.peers_dir)
        command = ["node", os.path.join(args.peers_dir, "broadcast_server.js"), "--port", "0"]

    server, url = start_server(command)
    try:
        check(run_bench(args.bench, url, server.pid,
                        ["--subscribers", "4", "--publishers", "2", "--duration", "2", "--topic", "smoke"]),
              4, "http publish")
        check(run_bench(args.bench, url, server.pid,
                        ["--subscribers", "3", "--publishers", "2", "--duration", "1", "--publish-via", "ws"]),
              3, "websocket publish")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if config is not None:
            os.unlink(config.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
