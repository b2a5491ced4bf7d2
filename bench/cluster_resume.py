"""The resume measurement of bench/cluster: subscribers that lost their node come back to it
after a restart and ask for what they missed (GET /subscribe?since=OFFSET&epoch=E).

Each subscriber is a WebSocket client (Debian's python3-websockets, asyncio). This module
only speaks to the server; bench/cluster starts and stops the processes and publishes.
"""
import asyncio
import json
import time

import websockets

# One frame may be a replayed message of a few hundred bytes; anything far larger is a bug.
FRAME_BYTES_MAX = 1 << 20
# A subscriber still short of its missed messages this long before the deadline gives up, so
# the marker can still be published and the shortfall reported as missing messages.
MARKER_RESERVE_S = 3


class ResumeError(RuntimeError):
    """A subscriber saw something other than what a gap-free, duplicate-free resume owes it."""


async def _next_json(ws, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise asyncio.TimeoutError()
    return json.loads(await asyncio.wait_for(ws.recv(), left))


async def _open(url, deadline):
    left = max(deadline - time.monotonic(), 0.001)
    return await websockets.connect(url, open_timeout=left, close_timeout=1, max_size=FRAME_BYTES_MAX,
                                    ping_interval=None)


async def _join(base_ws_url, topic, deadline):
    """One subscriber asking where the topic is (last=0): returns (socket, epoch, offset)."""
    ws = await _open("%ssubscribe?topic=%s&last=0" % (base_ws_url, topic), deadline)
    first = await _next_json(ws, deadline)
    if first.get("resume") != "ok":
        await ws.close()
        raise ResumeError("last=0 answered %s" % json.dumps(first))
    return ws, first["epoch"], first["offset"]


async def join_all(base_ws_url, topic, count, timeout_s):
    """Connects `count` subscribers to the topic; returns their sockets and the (epoch, offset)
    they all start from. Raises ResumeError if they disagree (the topic moved while joining)."""
    deadline = time.monotonic() + timeout_s
    joined = await asyncio.gather(*(_join(base_ws_url, topic, deadline) for _ in range(count)))
    positions = {(epoch, offset) for _, epoch, offset in joined}
    if len(positions) != 1:
        raise ResumeError("subscribers joined at different positions: %s" % sorted(positions))
    return [ws for ws, _, _ in joined], positions.pop()


async def wait_closed(sockets, timeout_s):
    """Waits until the server has closed every socket (its node stopped); returns how many were
    still open at the deadline."""
    async def closed(ws):
        try:
            await asyncio.wait_for(ws.wait_closed(), timeout_s)
            return 0
        except asyncio.TimeoutError:
            return 1
    return sum(await asyncio.gather(*(closed(ws) for ws in sockets)))


class _Progress:
    """What the resuming subscribers share: how many have caught up, the moment the last one did,
    and the marker published after that."""

    def __init__(self, count):
        self.count = count
        self.caught_up = 0
        self.all_caught_up = asyncio.Event()
        self.last_caught_up = None
        self.marker_published = asyncio.Event()
        self.marker = "marker-after-resume"

    def one_caught_up(self):
        self.caught_up += 1
        if self.caught_up == self.count:
            self.last_caught_up = time.monotonic()
            self.all_caught_up.set()


async def _resume_one(base_ws_url, topic, epoch, offset, missed, progress, deadline):
    """Resumes from (epoch, offset): reads the resume frame and the missed messages, then the
    marker published once every subscriber caught up, which must come next. `missed` is the msg
    texts published while the node was away, in order. Returns (missing, duplicates)."""
    ws = await _open("%ssubscribe?topic=%s&since=%d&epoch=%s" % (base_ws_url, topic, offset, epoch), deadline)
    try:
        first = await _next_json(ws, deadline)
        if first.get("resume") != "ok":
            raise ResumeError("resume from %d@%s answered %s" % (offset, epoch, json.dumps(first)))
        received = []
        offsets = []
        try:
            while len(received) < len(missed):
                frame = await _next_json(ws, deadline - MARKER_RESERVE_S)
                if "msg" in frame:
                    received.append(frame["msg"])
                    offsets.append(frame.get("offset"))
        except asyncio.TimeoutError:
            pass  # what never came is counted as missing below, so the others can finish
        progress.one_caught_up()
        await asyncio.wait_for(progress.marker_published.wait(), max(deadline - time.monotonic(), 0.001))
        # Anything between the missed messages and the marker was delivered twice.
        extra = 0
        while True:
            frame = await _next_json(ws, deadline)
            if frame.get("msg") == progress.marker:
                break
            if "msg" in frame:
                extra += 1
        missing = len(set(missed) - set(received))
        duplicates = len(received) - len(set(received)) + extra
        if missing == 0 and duplicates == 0 and offsets != list(range(offset + 1, offset + 1 + len(missed))):
            raise ResumeError("offsets %s are not %d..%d" % (offsets, offset + 1, offset + len(missed)))
        return missing, duplicates
    finally:
        await ws.close()


async def resume_all(base_ws_url, topic, epoch, offset, missed, count, publish_marker, started, timeout_s):
    """Resumes `count` subscribers at once from (epoch, offset). Once every one has its missed
    messages, calls `publish_marker(text)` (in a thread: it blocks on HTTP) and checks each gets
    the marker next. Returns the seconds from `started` (a time.monotonic() value, the node's
    restart) until the last subscriber caught up, and the totals of missing and duplicated
    messages. Raises ResumeError or asyncio.TimeoutError past `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    progress = _Progress(count)
    tasks = [asyncio.create_task(_resume_one(base_ws_url, topic, epoch, offset, missed, progress, deadline))
             for _ in range(count)]
    waiter = asyncio.create_task(progress.all_caught_up.wait())
    try:
        # Until all caught up; a subscriber that fails ends the wait at once, not at the deadline.
        pending = set(tasks) | {waiter}
        while waiter in pending and time.monotonic() < deadline:
            done, pending = await asyncio.wait(pending, timeout=deadline - time.monotonic(),
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not waiter and task.exception() is not None:
                    raise task.exception()
        if not progress.all_caught_up.is_set():
            raise ResumeError("%d of %d subscribers had their missed messages after %.0f s"
                              % (progress.caught_up, count, timeout_s))
        caught_up_s = progress.last_caught_up - started
        await asyncio.to_thread(publish_marker, progress.marker)
        progress.marker_published.set()
        results = await asyncio.gather(*tasks)
    finally:
        waiter.cancel()
        for task in tasks:
            task.cancel()
    return {"caught_up_s": caught_up_s, "subscribers": count,
            "missing": sum(r[0] for r in results), "duplicates": sum(r[1] for r in results)}
