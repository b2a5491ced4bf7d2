# Rooms that come and go never use up broker.topicsMax on the real spreadd: 1,100 publishes to
# distinct topics nobody subscribes to create no topic, and 1,100 WebSockets that subscribe to
# distinct rooms and close leave room for more; after each, a fresh room and the default room work.
import asyncio
import http.client
import json
import unittest

import websockets

from e2e_case import DaemonTestCase, Subscriber
from http_calls import metrics, publish

TOPICS_MAX = 1024  # the default, written out: the churn must go past it
CHURN = 1100
IN_FLIGHT = 32  # WebSockets opened at once during the churn
TIMEOUT_S = 10


def publish_to_many(port, count):
    """POSTs one message to each of `count` distinct topics on one kept-alive connection;
    returns the statuses that were not 204, with their topic."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    refused = []
    try:
        for index in range(count):
            topic = "j%d" % index
            connection.request("POST", "/publish?topic=" + topic, json.dumps({"name": "churn", "msg": topic}),
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            body = answer.read()
            if answer.status != 204:
                refused.append((topic, answer.status, body[:200]))
    finally:
        connection.close()
    return refused


class TopicChurnTest(DaemonTestCase):
    overrides = {"broker.topicsMax": TOPICS_MAX}

    async def assert_rooms_work(self):
        """A fresh room and the default room both take a subscriber that receives a publish."""
        fresh = await self.subscribe("fresh-room")
        lobby = await self.subscribe()
        for topic, subscriber in (("fresh-room", fresh), (None, lobby)):
            reply = await asyncio.to_thread(publish, self.daemon, "after", "churn", topic)
            self.assertEqual(reply.status, 204, reply)
            self.assertEqual(await subscriber.next_frame(), {"name": "after", "msg": "churn"})

    async def test_publishes_to_distinct_topics_use_up_nothing(self):
        refused = await asyncio.to_thread(publish_to_many, self.daemon.port, CHURN)
        self.assertEqual(refused, [], "publishes to topics nobody subscribes to must be accepted")
        samples = await asyncio.to_thread(metrics, self.daemon)
        self.assertEqual(samples["spread_messages_published_total"], CHURN)
        rooms = [name for name in samples if name.startswith('spread_subscribers{topic="j')]
        self.assertEqual(rooms, [], "a publish created a topic")
        await self.assert_rooms_work()

    async def test_rooms_subscribed_then_left_make_room_for_new_ones(self):
        gate = asyncio.Semaphore(IN_FLIGHT)
        failures = []

        async def visit(index):
            async with gate:
                if failures:
                    return  # one is enough to fail the test; do not pile up more
                room = "room%d" % index
                try:
                    subscriber = await Subscriber.connect(self.daemon, room)
                except Exception as error:  # noqa: BLE001 - reported below, with the room
                    failures.append("%s: could not connect: %r" % (room, error))
                    return
                try:
                    await subscriber.ready()  # the probe's echo: the room exists and has us
                    await subscriber.close()
                    code, reason = await subscriber.closed()
                    if code != 1000:
                        failures.append("%s: closed with %s %r" % (room, code, reason))
                except (AssertionError, asyncio.TimeoutError, websockets.ConnectionClosed) as error:
                    failures.append("%s: %r" % (room, error))
                    await subscriber.close()

        await asyncio.wait_for(asyncio.gather(*(visit(index) for index in range(CHURN))), 120)
        self.assertEqual(failures, [], "rooms that came and went must leave room for new ones")
        await self.assert_rooms_work()


if __name__ == "__main__":
    unittest.main()
