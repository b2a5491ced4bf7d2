# Shared parts of the Python end-to-end tests: a test case that runs its own spreadd for each
# test and checks it exits 0 after SIGTERM (or, with SPREAD_E2E_NODES=2, two nodes on a Redis:
# see cluster_mode.py), and a subscriber wrapper around the websockets client whose own
# publish, echoed back to it, proves its subscription is in place.
import asyncio
import json
import sys
import unittest
import uuid

import websockets

from cluster_mode import Cluster, cluster_mode
from redis_server import redis_server_installed
from spreadd_harness import Daemon

RECEIVE_TIMEOUT_S = 10
PROBE_NAME = "__probe__"


class Subscriber:
    """A websockets client on GET /subscribe. A reader task queues every text frame as
    parsed JSON; next() hands them out in order, leaving out this test's readiness probes.

    While the server keeps history (history.size, on by default) every message carries its
    "offset" and "epoch". Most suites check what was said, not where: unless `positions` is
    set, those two fields are taken off each message and noted in self.offsets instead."""

    def __init__(self, ws, positions=False):
        self.ws = ws
        self.positions = positions
        self.offsets = []  # (offset, epoch) of each message handed out, when positions is off
        self._frames = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, daemon, topic=None, query="", positions=False, **options):
        path = "/subscribe" + ("?topic=" + topic if topic else "")
        if query:
            path += ("&" if topic else "?") + query
        options.setdefault("ping_interval", None)
        options.setdefault("close_timeout", 5)
        ws = await asyncio.wait_for(websockets.connect(daemon.ws_url(path), **options), RECEIVE_TIMEOUT_S)
        return cls(ws, positions)

    def _parse(self, raw):
        frame = json.loads(raw)
        if not self.positions and isinstance(frame, dict) and "name" in frame and "offset" in frame:
            self.offsets.append((frame.pop("offset"), frame.pop("epoch", None)))
        return frame

    async def _read(self):
        try:
            async for frame in self.ws:
                await self._frames.put(frame)
        except websockets.ConnectionClosed:
            pass
        await self._frames.put(None)  # the connection ended

    async def ready(self):
        """Publishes a probe over this socket and waits for it to come back. The server runs a
        session's events in order, so the echo proves the subscription was registered first."""
        token = uuid.uuid4().hex
        await self.ws.send(json.dumps({"name": PROBE_NAME, "msg": token}))
        while True:
            frame = await self.next_frame(skip_probes=False)
            if frame.get("name") == PROBE_NAME and frame.get("msg") == token:
                return

    async def next_frame(self, timeout=RECEIVE_TIMEOUT_S, skip_probes=True):
        """The next text frame as JSON; fails if the connection ends or nothing comes in time."""
        while True:
            raw = await asyncio.wait_for(self._frames.get(), timeout)
            if raw is None:
                await self._frames.put(None)
                raise AssertionError("connection closed (code %s, reason %r) while waiting for a frame"
                                     % (self.ws.close_code, self.ws.close_reason))
            if not isinstance(raw, str):
                raise AssertionError("expected a text frame, got binary %r" % raw[:100])
            frame = self._parse(raw)
            if skip_probes and frame.get("name") == PROBE_NAME:
                continue
            return frame

    async def closed(self, timeout=RECEIVE_TIMEOUT_S):
        """Waits for the connection to end; returns (code, reason) of the server's close frame."""
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.ws.close_code, self.ws.close_reason

    async def frames_until_closed(self, timeout=RECEIVE_TIMEOUT_S):
        """Every non-probe frame left before the connection ended."""
        await self.closed(timeout)
        frames = []
        while True:
            raw = self._frames.get_nowait()
            if raw is None:
                return frames
            frame = self._parse(raw)
            if frame.get("name") != PROBE_NAME:
                frames.append(frame)

    async def close(self):
        await self.ws.close()
        await self._reader


class DaemonTestCase(unittest.IsolatedAsyncioTestCase):
    """Each test gets a fresh spreadd with BASE_CONFIG plus `overrides`; after the test it is
    stopped with SIGTERM and must exit 0 in time (a test may stop it itself first).

    In cluster mode (SPREAD_E2E_NODES=2) self.daemon is node A of self.cluster, and node B,
    which takes the publishes of http_calls.publish, is stopped the same way; a test that
    failed shows both nodes' output. `persistent_redis` keeps Redis' data across its restarts."""

    overrides = {}
    persistent_redis = False

    async def asyncSetUp(self):
        self.subscribers = []
        self.cluster = None
        if cluster_mode():
            if not redis_server_installed():
                self.skipTest("cluster mode needs redis-server: run scripts/install-deps.sh --with-test-clients")
            self.cluster = Cluster(self.overrides, self.persistent_redis)
            self.addCleanup(self.cluster.close)
            self.addCleanup(self.keep_cluster_output)
            await self.cluster.start()
            self.daemon = self.cluster.a
            return
        self.daemon = Daemon(self.overrides)
        self.addCleanup(self.daemon.close)
        await asyncio.to_thread(self.daemon.start)

    def nodes(self):
        return self.cluster.nodes() if self.cluster else [self.daemon]

    async def asyncTearDown(self):
        for subscriber in self.subscribers:
            if not subscriber.ws.closed:
                await subscriber.close()
        running = [node for node in self.nodes() if not node.stopped]
        for node in running:
            if node.process.poll() is not None:
                raise AssertionError("%s died during the test with status %s%s"
                                     % (node.label, node.process.returncode, node.describe()))
        for node in running:
            node.signal_stop()
        for node in running:
            await asyncio.to_thread(node.wait_stopped)

    def keep_cluster_output(self):
        # Read before the cluster's files go, for run() to show if the test failed.
        self.cluster_output = self.cluster.describe()

    def run(self, result=None):
        # With two nodes, what a failed assertion saw may have its cause in either node's log.
        if result is None:
            return super().run(result)
        problems_before = len(result.failures) + len(result.errors)
        self.cluster_output = None
        super().run(result)
        if self.cluster_output and len(result.failures) + len(result.errors) > problems_before:
            sys.stderr.write("\n%s failed; the cluster's output:%s\n" % (self.id(), self.cluster_output))
        return result

    async def subscribe(self, topic=None, ready=True, **options):
        subscriber = await Subscriber.connect(self.daemon, topic, **options)
        self.subscribers.append(subscriber)
        if ready:
            await subscriber.ready()
        return subscriber
