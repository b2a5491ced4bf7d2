# Shared parts of the Python end-to-end tests: a test case that runs its own spreadd for each
# test and checks it exits 0 after SIGTERM, and a subscriber wrapper around the websockets
# client whose own publish, echoed back to it, proves its subscription is in place.
import asyncio
import json
import unittest
import uuid

import websockets

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
    stopped with SIGTERM and must exit 0 in time (a test may stop it itself first)."""

    overrides = {}

    async def asyncSetUp(self):
        self.daemon = Daemon(self.overrides)
        self.addCleanup(self.daemon.close)
        await asyncio.to_thread(self.daemon.start)
        self.subscribers = []

    async def asyncTearDown(self):
        for subscriber in self.subscribers:
            if not subscriber.ws.closed:
                await subscriber.close()
        if self.daemon.stopped:
            return
        if self.daemon.process.poll() is not None:
            raise AssertionError("spreadd died during the test with status %s%s"
                                 % (self.daemon.process.returncode, self.daemon.describe()))
        await asyncio.to_thread(self.daemon.stop)

    async def subscribe(self, topic=None, ready=True, **options):
        subscriber = await Subscriber.connect(self.daemon, topic, **options)
        self.subscribers.append(subscriber)
        if ready:
            await subscriber.ready()
        return subscriber
