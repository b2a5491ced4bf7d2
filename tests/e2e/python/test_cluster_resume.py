# Resuming across restarts with two spreadd nodes on one Redis (cluster mode only). A subscriber
# on node A, with history on, (a) loses A to SIGTERM while node B goes on publishing and, back on
# the restarted A with since=/epoch=, reads exactly what it missed, then live messages; (b) stays
# on A while Redis is killed and started again on its data (append-only file, fsync always):
# publishes answer 503 with JSON meanwhile, and it reads everything published before and after,
# once each and in order, as does a subscriber that comes back with since=. Offsets prove it:
# a run of 1..N under one epoch has no gap and no duplicate.
import asyncio
import json
import unittest

from cluster_mode import cluster_mode, health_becomes
from e2e_case import DaemonTestCase, Subscriber
from http_calls import call

TOPIC = "room"


class ClusterResumeTest(DaemonTestCase):
    overrides = {"history.size": 50, "history.ttlMs": 600000}
    persistent_redis = True

    async def asyncSetUp(self):
        if not cluster_mode():
            self.skipTest("cluster mode only: set SPREAD_E2E_NODES=2 (ctest: e2e_cluster_test_cluster_resume)")
        await super().asyncSetUp()
        self.b = self.cluster.b

    async def connect(self, query):
        subscriber = await Subscriber.connect(self.daemon, TOPIC, query=query, positions=True)
        self.subscribers.append(subscriber)
        return subscriber

    async def post(self, node, text):
        """POST /publish to `node` itself (not to the publisher it names); returns the reply."""
        return await asyncio.to_thread(call, "POST", node.http_url("/publish?topic=" + TOPIC),
                                       json.dumps({"name": "n", "msg": text}))

    async def post_all(self, node, texts):
        for text in texts:
            reply = await self.post(node, text)
            self.assertEqual(reply.status, 204, "%s: %r" % (text, reply))

    async def messages(self, subscriber, count):
        return [await subscriber.next_frame() for _ in range(count)]

    def assertRun(self, got, texts, epoch, first=1):
        """`got` is `texts` at offsets first, first + 1, ..., all under `epoch`."""
        self.assertEqual([(m["offset"], m["msg"]) for m in got], list(enumerate(texts, first)))
        self.assertEqual({m["epoch"] for m in got}, {epoch})

    async def test_a_resume_on_a_restarted_node_gets_exactly_what_was_missed(self):
        watcher = await self.connect("last=0")
        self.assertEqual((await watcher.next_frame())["resume"], "ok")
        await self.post_all(self.b, ["a1", "a2", "a3"])
        got = await self.messages(watcher, 3)
        epoch = got[0]["epoch"]

        # B publishes while A drains, while it is down, and once it is back but nobody is on it.
        self.daemon.signal_stop()
        await self.post_all(self.b, ["b1", "b2"])
        got += await watcher.frames_until_closed()
        self.assertEqual(watcher.ws.close_code, 1001)
        await asyncio.to_thread(self.daemon.wait_stopped)
        await self.post_all(self.b, ["c1", "c2", "c3"])
        self.daemon = await self.cluster.restart_a()
        await self.post_all(self.b, ["d1"])

        last = got[-1]
        again = await self.connect("since=%d&epoch=%s" % (last["offset"], epoch))
        racing = asyncio.create_task(self.post_all(self.b, ["e1", "e2"]))
        status = await again.next_frame()
        await racing
        self.assertEqual((status["resume"], status["epoch"]), ("ok", epoch), status)
        self.assertEqual(status["offset"], last["offset"] + status["replayed"], status)
        await self.post_all(self.b, ["f1"])
        texts = ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3", "d1", "e1", "e2", "f1"]
        got += await self.messages(again, len(texts) - len(got))
        self.assertRun(got, texts, epoch)
        # Nothing comes twice after the last one either: the next frame is the next message.
        await self.post_all(self.b, ["g1"])
        self.assertEqual(((await again.next_frame())["msg"]), "g1")

    async def test_subscribers_miss_nothing_across_a_redis_restart(self):
        kept = await self.connect("last=0")
        leaver = await self.connect("last=0")
        for subscriber in (kept, leaver):
            self.assertEqual((await subscriber.next_frame())["resume"], "ok")
        await self.post_all(self.b, ["a1", "a2", "a3"])
        got = await self.messages(kept, 3)
        epoch = got[0]["epoch"]
        left_at = (await self.messages(leaver, 3))[-1]["offset"]
        await leaver.close()

        await asyncio.to_thread(self.cluster.redis.kill)
        where = "127.0.0.1:%d" % self.cluster.redis.port
        for node in (self.daemon, self.b):
            self.assertEqual((await health_becomes(node, 503)).status, 503, node.label)
            refused = await self.post(node, "while down")
            self.assertEqual(refused.status, 503, refused)
            self.assertTrue(refused.headers.get("Content-Type", "").startswith("application/json"), refused.headers)
            self.assertIn(where, refused.json()["error"])

        # Publish on B as soon as B is back, whether or not A is yet: A must catch up from the log.
        await asyncio.to_thread(self.cluster.redis.start)
        await self.cluster.healthy(self.b)
        await self.post_all(self.b, ["b1", "b2"])
        await self.cluster.healthy(self.daemon)
        await self.post_all(self.daemon, ["b3"])
        await self.post_all(self.b, ["b4"])
        texts = ["a1", "a2", "a3", "b1", "b2", "b3", "b4"]
        got += await self.messages(kept, 4)
        self.assertRun(got, texts, epoch)

        back = await self.connect("since=%d&epoch=%s" % (left_at, epoch))
        self.assertEqual(await back.next_frame(), {"resume": "ok", "epoch": epoch, "offset": 7, "replayed": 4})
        self.assertRun(await self.messages(back, 4), texts[3:], epoch, first=4)
        await self.post_all(self.b, ["c1"])
        for subscriber in (kept, back):
            following = await subscriber.next_frame()
            self.assertEqual((following["msg"], following["offset"]), ("c1", 8))


if __name__ == "__main__":
    unittest.main()
