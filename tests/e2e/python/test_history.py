# History and resume against the real spreadd: messages carry offset and epoch; a subscriber
# that comes back with ?since=OFFSET&epoch=E gets what it missed, then live ones, with no gap
# and no duplicate; ?last=N replays the newest; a resume that cannot be served (a restart
# changed the epoch, the offset left history) says so in its first frame and continues live;
# bad since, epoch or last are 400 with a JSON body naming the parameter.
import asyncio
import json
import unittest

from e2e_case import DaemonTestCase, Subscriber
from http_calls import call, publish
from spreadd_harness import Daemon

HISTORY = 10


class HistoryTest(DaemonTestCase):
    overrides = {"history.size": HISTORY, "history.ttlMs": 600000}

    keeper = None

    async def publish_all(self, texts, topic="room"):
        for text in texts:
            reply = await asyncio.to_thread(publish, self.daemon, "h", text, topic)
            self.assertEqual(reply.status, 204, reply)
        if self.keeper is not None and topic == "room" and texts:
            # The 204 comes from the node that took the publish; with two nodes (cluster
            # mode) the one under test may not have it yet. The keeper hearing the last one
            # proves it has, so what a test asks next sees every message.
            while (await self.keeper.next_frame()).get("msg") != texts[-1]:
                pass

    async def connect(self, query="", topic="room"):
        subscriber = await Subscriber.connect(self.daemon, topic, query=query, positions=True)
        self.subscribers.append(subscriber)
        return subscriber

    async def keep_room(self):
        """A subscriber that keeps the room (and so its history) alive: a publish to a topic
        nobody subscribes to creates none."""
        keeper = await self.connect("last=0")
        await keeper.next_frame()
        self.keeper = keeper
        return keeper

    async def messages(self, subscriber, count):
        return [await subscriber.next_frame() for _ in range(count)]

    async def position_now(self):
        """The epoch and last offset of the room, from the first frame of ?last=0."""
        probe = await self.connect("last=0")
        first = await probe.next_frame()
        self.assertEqual(first["resume"], "ok", first)
        await probe.close()
        return first["epoch"], first["offset"]

    async def test_a_resume_gets_what_followed_its_offset_then_live_ones(self):
        watcher = await self.connect("last=0")
        self.assertEqual((await watcher.next_frame())["offset"], 0)
        await self.publish_all(["m1", "m2", "m3", "m4", "m5"])
        seen = await self.messages(watcher, 5)
        self.assertEqual([m["offset"] for m in seen], [1, 2, 3, 4, 5])
        epoch = seen[0]["epoch"]
        self.assertRegex(epoch, "^[0-9a-f]{16}$")
        self.assertTrue(all(m["epoch"] == epoch for m in seen))

        resumed = await self.connect("since=2&epoch=" + epoch)
        self.assertEqual(await resumed.next_frame(), {"resume": "ok", "epoch": epoch, "offset": 5, "replayed": 3})
        self.assertEqual([m["msg"] for m in await self.messages(resumed, 3)], ["m3", "m4", "m5"])
        await self.publish_all(["m6"])
        live = await resumed.next_frame()
        self.assertEqual((live["msg"], live["offset"]), ("m6", 6))

    async def test_a_subscriber_that_reconnects_misses_nothing_and_sees_nothing_twice(self):
        first = await self.connect("last=0")
        await first.next_frame()
        await self.publish_all(["a%d" % i for i in range(3)])
        got = await self.messages(first, 3)
        await first.close()
        # Published while it is away, and while it reconnects.
        await self.publish_all(["b%d" % i for i in range(4)])
        last = got[-1]
        again = await self.connect("since=%d&epoch=%s" % (last["offset"], last["epoch"]))
        racing = asyncio.create_task(self.publish_all(["c%d" % i for i in range(3)]))
        status = await again.next_frame()
        self.assertEqual(status["resume"], "ok", status)
        await racing
        rest = await self.messages(again, 7)
        got += rest
        self.assertEqual([m["offset"] for m in got], list(range(1, 11)))
        self.assertEqual([m["msg"] for m in got], ["a0", "a1", "a2", "b0", "b1", "b2", "b3", "c0", "c1", "c2"])

    async def test_last_n_replays_the_newest_then_live_ones(self):
        await self.keep_room()
        await self.publish_all(["x%d" % i for i in range(1, 13)])  # history keeps the last 10
        reader = await self.connect("last=3")
        first = await reader.next_frame()
        self.assertEqual((first["resume"], first["offset"], first["replayed"]), ("ok", 12, 3))
        self.assertEqual([m["msg"] for m in await self.messages(reader, 3)], ["x10", "x11", "x12"])
        everything = await self.connect("last=100")
        self.assertEqual((await everything.next_frame())["replayed"], HISTORY)

    async def test_an_offset_that_left_history_or_lies_ahead_is_reported_then_live(self):
        await self.keep_room()
        await self.publish_all(["y%d" % i for i in range(1, 16)])
        epoch, last = await self.position_now()
        self.assertEqual(last, 15)
        too_old = await self.connect("since=2&epoch=" + epoch)
        self.assertEqual(await too_old.next_frame(),
                         {"resume": "impossible", "reason": "offset too old", "epoch": epoch, "offset": 15})
        ahead = await self.connect("since=99&epoch=" + epoch)
        self.assertEqual((await ahead.next_frame())["reason"], "offset in future")
        await self.publish_all(["live"])
        for subscriber in (too_old, ahead):
            message = await subscriber.next_frame()
            self.assertEqual((message["msg"], message["offset"]), ("live", 16))

    async def test_after_a_restart_a_resume_is_told_the_epoch_changed(self):
        if self.cluster:
            self.skipTest("one node: with Redis the log outlives a node's restart and keeps its epoch "
                          "(test_cluster_resume checks that resume)")
        await self.keep_room()
        await self.publish_all(["before"])
        epoch, last = await self.position_now()
        port = self.daemon.port
        await asyncio.to_thread(self.daemon.stop)
        self.keeper = None  # it went with the server
        self.daemon = Daemon(self.overrides, port=port)
        self.addCleanup(self.daemon.close)
        await asyncio.to_thread(self.daemon.start)
        resumed = await self.connect("since=%d&epoch=%s" % (last, epoch))
        status = await resumed.next_frame()
        self.assertEqual((status["resume"], status["reason"], status["offset"]), ("impossible", "epoch changed", 0))
        self.assertNotEqual(status["epoch"], epoch)
        await self.publish_all(["after"])
        self.assertEqual((await resumed.next_frame())["msg"], "after")

    async def test_bad_since_epoch_or_last_is_400_naming_the_parameter(self):
        cases = [
            ("since=abc&epoch=00000000000000ff", "since"),
            ("since=-1&epoch=00000000000000ff", "since"),
            ("since=99999999999999999999999&epoch=ff", "since"),
            ("since=3", "epoch"),
            ("epoch=00000000000000ff", "since"),
            ("since=3&epoch=xyz", "epoch"),
            ("since=3&epoch=00000000000000000ff", "epoch"),
            ("last=many", "last"),
            ("last=100001", "last"),
            ("last=2&since=1&epoch=ff", "last"),
        ]
        for query, field in cases:
            with self.subTest(query=query):
                reply = await asyncio.to_thread(call, "GET", self.daemon.http_url("/subscribe?topic=room&" + query))
                self.assertEqual(reply.status, 400, reply)
                self.assertTrue(reply.headers.get("Content-Type", "").startswith("application/json"))
                body = reply.json()
                self.assertEqual(body.get("field"), field, body)
                self.assertTrue(body.get("error"), body)


class HistoryOffTest(DaemonTestCase):
    overrides = {"history.size": 0}

    async def test_without_history_messages_are_as_published(self):
        subscriber = await Subscriber.connect(self.daemon, "room", positions=True)
        self.subscribers.append(subscriber)
        await subscriber.ready()
        reply = await asyncio.to_thread(publish, self.daemon, "plain", "as sent", "room")
        self.assertEqual(reply.status, 204)
        self.assertEqual(await subscriber.next_frame(), {"name": "plain", "msg": "as sent"})


if __name__ == "__main__":
    unittest.main()
