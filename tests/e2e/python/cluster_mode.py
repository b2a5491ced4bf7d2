# The cluster mode of the Python end-to-end suites, switched on by SPREAD_E2E_NODES=2: a test
# gets a redis-server of its own and two spreadd nodes on it (spread.engine = redis). Node A is
# the daemon the test talks to; node B takes the publishes of http_calls.publish, so what a
# subscriber on A reads has gone through Redis. A node counts as up once its /healthz is 200,
# which it answers only while its link to Redis is.
import asyncio
import os
import time

from http_calls import call
from redis_server import RedisServer
from spreadd_harness import Daemon

NODES_VARIABLE = "SPREAD_E2E_NODES"
# Bounds how long a node may take to link to Redis, or to notice Redis went or came back
# (its reconnection backoff is short here).
HEALTH_TIMEOUT_S = 10
HEALTH_POLL_S = 0.05


def cluster_mode():
    """True when SPREAD_E2E_NODES is 2; unset or 1 is one node, anything else is refused."""
    value = os.environ.get(NODES_VARIABLE, "1")
    if value not in ("1", "2"):
        raise AssertionError("%s must be 1 (one spreadd) or 2 (two nodes on Redis); got %r" % (NODES_VARIABLE, value))
    return value == "2"


def engine_overrides(redis_port):
    """What both nodes add to a test's overrides: the same Redis, and a short backoff so that
    a node is back soon after Redis is."""
    return {
        "spread.engine": "redis",
        "engine.redis.host": "127.0.0.1",
        "engine.redis.port": redis_port,
        "engine.redis.prefix": "e2e:",
        "engine.redis.commandTimeoutMs": 1000,
        "engine.redis.backoffMinMs": 20,
        "engine.redis.backoffMaxMs": 200,
    }


async def health_becomes(node, status, timeout_s=HEALTH_TIMEOUT_S):
    """GET /healthz until it answers `status` or `timeout_s` has passed; returns the last reply."""
    deadline = time.monotonic() + timeout_s
    while True:
        reply = await asyncio.to_thread(call, "GET", node.http_url("/healthz"))
        if reply.status == status or time.monotonic() > deadline:
            return reply
        await asyncio.sleep(HEALTH_POLL_S)  # a poll interval: a node offers nothing to wait on


class Cluster:
    """A redis-server and nodes A and B on it, each with the test's overrides plus the engine's.
    start() returns once both nodes are healthy. Every daemon it made is killed by close() if
    still running; stopping them cleanly is the test case's job."""

    def __init__(self, overrides, persistent_redis=False):
        self.overrides = dict(overrides)
        self.redis = RedisServer(persistent=persistent_redis)
        self.a = None
        self.b = None
        self._made = []

    def node(self, label, port=None):
        node = Daemon(dict(self.overrides, **engine_overrides(self.redis.port)), port=port, label=label)
        self._made.append(node)
        return node

    async def start(self):
        await asyncio.to_thread(self.redis.start)
        self.b = self.node("spreadd node B")
        self.a = self.node("spreadd node A")
        self.a.publisher = self.b
        # Both starts finish before a failure is raised, so that close() finds both processes.
        started = await asyncio.gather(asyncio.to_thread(self.a.start), asyncio.to_thread(self.b.start),
                                       return_exceptions=True)
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        await asyncio.gather(self.healthy(self.a), self.healthy(self.b))

    async def healthy(self, node):
        reply = await health_becomes(node, 200)
        if reply.status != 200:
            raise AssertionError("%s is not linked to Redis within %d s: /healthz %r%s"
                                 % (node.label, HEALTH_TIMEOUT_S, reply, node.describe()))

    async def restart_a(self):
        """Starts node A again on the port it had (the caller stopped it); returns the new node
        once it is healthy."""
        port = self.a.port
        self.a = self.node("spreadd node A", port=port)
        self.a.publisher = self.b
        await asyncio.to_thread(self.a.start)
        await self.healthy(self.a)
        return self.a

    def nodes(self):
        return [node for node in (self.a, self.b) if node is not None]

    def describe(self):
        return "".join(node.describe() for node in self.nodes())

    def close(self):
        for node in self._made:
            node.close()
        self.redis.close()
