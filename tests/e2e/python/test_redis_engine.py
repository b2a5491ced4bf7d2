# spread.engine = redis against the real spreadd: two nodes on one redis-server share their
# topics. A subscriber on node A gets what is published on node B, once, with its offset and
# epoch; a resume on A serves what B published meanwhile; while Redis is down publishing
# answers 503 with JSON, /healthz says why, and subscribers stay connected; once Redis is
# back publishing works again and subscribers get the new messages.
import asyncio
import subprocess
import unittest

from cluster_mode import health_becomes
from e2e_case import Subscriber
from http_calls import call, metrics, publish
from redis_server import RedisServer
from spreadd_harness import Daemon, spreadd_path


class RedisEngineTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.redis = RedisServer()
        self.addCleanup(self.redis.close)
        await asyncio.to_thread(self.redis.start)
        overrides = {
            "spread.engine": "redis",
            "engine.redis.port": self.redis.port,
            "engine.redis.prefix": "e2e:",
            "engine.redis.commandTimeoutMs": 1000,
            "engine.redis.backoffMinMs": 20,
            "engine.redis.backoffMaxMs": 200,
            "history.size": 50,
        }
        self.nodes = []
        for _ in range(2):
            node = Daemon(overrides)
            self.addCleanup(node.close)
            await asyncio.to_thread(node.start)
            self.nodes.append(node)
        self.a, self.b = self.nodes
        self.subscribers = []
        # "ready" means listening; publishing needs the link to Redis up too, which /healthz says.
        for node in self.nodes:
            self.assertEqual((await health_becomes(node, 200)).status, 200)

    async def asyncTearDown(self):
        for subscriber in self.subscribers:
            if not subscriber.ws.closed:
                await subscriber.close()
        for node in self.nodes:
            if node.process.poll() is not None:
                raise AssertionError("spreadd died during the test%s" % node.describe())
            await asyncio.to_thread(node.stop)

    async def subscribe(self, node, query):
        subscriber = await Subscriber.connect(node, "room", query=query, positions=True)
        self.subscribers.append(subscriber)
        return subscriber

    async def post(self, node, msg):
        return await asyncio.to_thread(publish, node, "b", msg, "room")

    async def presence_frame(self, watcher, kind, name):
        """The watcher's next presence frame of `kind` for `name`, skipping others (the node's
        own members frame, messages); fails when none comes in time."""
        while True:
            frame = await watcher.next_frame()
            if frame.get("presence") == kind and frame.get("name") == name:
                return frame

    async def test_presence_is_shared_between_the_nodes(self):
        watcher = await self.subscribe(self.b, "presence=1&name=watcher")
        self.assertEqual((await watcher.next_frame())["presence"], "members")
        ann = await self.subscribe(self.a, "name=ann")

        joined = await self.presence_frame(watcher, "join", "ann")
        listed = await asyncio.to_thread(call, "GET", self.b.http_url("/presence?topic=room"))
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual(sorted(m["name"] for m in listed.json()["members"]), ["ann", "watcher"])
        on_a = (await asyncio.to_thread(call, "GET", self.a.http_url("/presence?topic=room"))).json()
        self.assertEqual(sorted(m["name"] for m in on_a["members"]), ["ann", "watcher"])

        await ann.close()
        left = await self.presence_frame(watcher, "leave", "ann")
        self.assertEqual(left["id"], joined["id"])

    async def test_a_message_published_on_one_node_reaches_the_other_once_and_resumes_there(self):
        watcher = await self.subscribe(self.a, "last=0")
        self.assertEqual((await watcher.next_frame())["resume"], "ok")

        self.assertEqual((await self.post(self.b, "hello")).status, 204)
        got = await watcher.next_frame()
        self.assertEqual((got["name"], got["msg"], got["offset"]), ("b", "hello", 1))
        self.assertRegex(got["epoch"], "^[0-9a-f]{16}$")
        self.assertEqual((await self.post(self.a, "second")).status, 204)
        following = await watcher.next_frame()
        self.assertEqual((following["msg"], following["offset"], following["epoch"]), ("second", 2, got["epoch"]))

        # Away from A while B publishes; back on A with where it was.
        await watcher.close()
        for text in ("m3", "m4", "m5"):
            self.assertEqual((await self.post(self.b, text)).status, 204)
        resumed = await self.subscribe(self.a, "since=2&epoch=" + got["epoch"])
        status = await resumed.next_frame()
        # A answers from what it has taken from Redis, which may trail B's 204s: what it has not
        # yet is replayed short and arrives live after, so the whole is the same, without a gap.
        self.assertEqual((status["resume"], status["epoch"]), ("ok", got["epoch"]), status)
        self.assertEqual(status["offset"], 2 + status["replayed"], status)
        replayed = [await resumed.next_frame() for _ in range(3)]
        self.assertEqual([(m["msg"], m["offset"]) for m in replayed], [("m3", 3), ("m4", 4), ("m5", 5)])

        samples = await asyncio.to_thread(metrics, self.a)
        self.assertEqual(samples["spread_engine_up"], 1)
        self.assertGreaterEqual(samples["spread_engine_redis_entries_received_total"], 5)
        self.assertEqual(samples["spread_engine_redis_appends_total"], 1)  # "second"

    async def test_losing_redis_answers_503_and_keeps_subscribers_then_publishing_resumes(self):
        watcher = await self.subscribe(self.a, "last=0")
        await watcher.next_frame()
        self.assertEqual((await self.post(self.b, "before")).status, 204)
        self.assertEqual((await watcher.next_frame())["msg"], "before")

        await asyncio.to_thread(self.redis.kill)
        health = await health_becomes(self.a, 503)
        self.assertEqual(health.status, 503, health)
        self.assertEqual(health.json()["status"], "unavailable")
        self.assertIn("127.0.0.1:%d" % self.redis.port, health.json()["problem"])
        refused = await self.post(self.a, "while down")
        self.assertEqual(refused.status, 503, refused)
        self.assertIn("127.0.0.1:%d" % self.redis.port, refused.json()["error"])
        samples = await asyncio.to_thread(metrics, self.a)
        self.assertEqual(samples["spread_engine_up"], 0)
        # The subscriber's socket is still open: a ping is answered.
        await asyncio.wait_for(await watcher.ws.ping(), 5)

        await asyncio.to_thread(self.redis.start)
        for node in self.nodes:
            self.assertEqual((await health_becomes(node, 200)).status, 200)
        self.assertEqual((await self.post(self.b, "after")).status, 204)
        frame = await watcher.next_frame()
        while "msg" not in frame:  # a node may say its log's epoch changed before the message
            frame = await watcher.next_frame()
        self.assertEqual(frame["msg"], "after")
        self.assertGreaterEqual((await asyncio.to_thread(metrics, self.a))["spread_engine_redis_reconnects_total"], 1)

    async def test_check_config_loads_the_plugin_and_names_a_bad_key_with_its_line(self):
        good = Daemon({"spread.engine": "redis", "engine.redis.port": self.redis.port})
        self.addCleanup(good.close)
        good.write_config()
        checked = subprocess.run([spreadd_path(), "--config", good.config_path, "--check-config"],
                                 capture_output=True, text=True, timeout=20)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        bad = Daemon({"spread.engine": "redis", "engine.redis.port": 70000})
        self.addCleanup(bad.close)
        bad.write_config()
        line = 1 + list(bad.config).index("engine.redis.port")
        refused = subprocess.run([spreadd_path(), "--config", bad.config_path, "--check-config"],
                                 capture_output=True, text=True, timeout=20)
        self.assertEqual(refused.returncode, 78, refused.stderr)
        self.assertIn("%s:%d: engine.redis.port: 70000 is out of range" % (bad.config_path, line), refused.stderr)


if __name__ == "__main__":
    unittest.main()
