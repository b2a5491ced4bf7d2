# The HTTP side of the real spreadd, through Python's urllib: every refusal has the right status
# and a JSON body naming the problem (400, 404, 405, 413, 426), the topic limit holds back a
# subscriber but never a publish, /healthz answers, and the /metrics counters move with the
# publishes, deliveries and refusals a client causes.
import asyncio
import json
import unittest

from e2e_case import DaemonTestCase
from http_calls import call, metrics, publish

BODY_BYTES_MAX = 1024
TOPICS_MAX = 3


class HttpApiTest(DaemonTestCase):
    overrides = {"transport.websocket.bodyBytesMax": BODY_BYTES_MAX, "broker.topicsMax": TOPICS_MAX}

    def assertRefused(self, reply, status, field=None, says=None):
        self.assertEqual(reply.status, status, reply)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("application/json"), reply.headers)
        body = reply.json()
        self.assertIsInstance(body.get("error"), str, body)
        self.assertTrue(body["error"], body)
        if field is not None:
            self.assertEqual(body.get("field"), field, body)
        if says is not None:
            self.assertIn(says, body["error"])
        return body

    async def http(self, *args, **kwargs):
        return await asyncio.to_thread(call, *args, **kwargs)

    async def test_a_publish_missing_a_field_is_400_naming_it(self):
        reply = await self.http("POST", self.daemon.http_url("/publish"), json.dumps({"name": "a"}))
        self.assertRefused(reply, 400, field="msg")
        reply = await self.http("POST", self.daemon.http_url("/publish"), json.dumps({"name": 7, "msg": "m"}))
        self.assertRefused(reply, 400, field="name")

    async def test_a_publish_with_malformed_json_is_400(self):
        reply = await self.http("POST", self.daemon.http_url("/publish"), '{"name": "a", "msg": ')
        self.assertRefused(reply, 400, says="malformed JSON")

    async def test_the_wrong_method_is_405_with_allow(self):
        reply = await self.http("GET", self.daemon.http_url("/publish"))
        self.assertRefused(reply, 405, field="method")
        self.assertEqual(reply.headers.get("Allow"), "POST")
        reply = await self.http("POST", self.daemon.http_url("/subscribe"), "{}")
        self.assertRefused(reply, 405, field="method")
        self.assertEqual(reply.headers.get("Allow"), "GET")

    async def test_an_unknown_path_is_404(self):
        reply = await self.http("GET", self.daemon.http_url("/no/such/page"))
        self.assertRefused(reply, 404, field="path", says="/no/such/page")

    async def test_a_body_over_the_limit_is_413(self):
        body = json.dumps({"name": "big", "msg": "x" * BODY_BYTES_MAX})
        reply = await self.http("POST", self.daemon.http_url("/publish"), body)
        self.assertRefused(reply, 413, field="body", says=str(BODY_BYTES_MAX))
        # A body just inside the limit is taken.
        body = json.dumps({"name": "fits", "msg": "x" * (BODY_BYTES_MAX - 40)})
        self.assertLessEqual(len(body), BODY_BYTES_MAX)
        self.assertEqual((await self.http("POST", self.daemon.http_url("/publish"), body)).status, 204)

    async def test_subscribe_without_an_upgrade_is_426(self):
        reply = await self.http("GET", self.daemon.http_url("/subscribe"))
        self.assertRefused(reply, 426, field="Upgrade")
        self.assertEqual(reply.headers.get("Upgrade"), "websocket")

    async def test_an_invalid_topic_is_400_naming_the_topic(self):
        for topic in ("has%20space", "-leading-dash", "x" * 300):
            reply = await asyncio.to_thread(publish, self.daemon, "a", "m", topic)
            self.assertRefused(reply, 400, field="topic")

    async def test_the_topic_limit_refuses_a_subscriber_but_never_a_publish(self):
        for index in range(TOPICS_MAX):
            await self.subscribe("room%d" % index)
        refused = await self.subscribe("one-too-many", ready=False)
        self.assertEqual(await refused.closed(), (1008, "topic unavailable"))
        # A publish creates no topic: to a room nobody subscribes to, it is accepted and dropped.
        reply = await asyncio.to_thread(publish, self.daemon, "a", "m", "one-too-many")
        self.assertEqual(reply.status, 204, reply)

    async def test_healthz_says_serving(self):
        reply = await self.http("GET", self.daemon.http_url("/healthz"))
        self.assertEqual(reply.status, 200, reply)
        self.assertEqual(reply.json(), {"status": "serving"})

    async def test_the_chat_page_is_served_at_the_root(self):
        reply = await self.http("GET", self.daemon.http_url("/"))
        self.assertEqual(reply.status, 200, reply)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("text/html"), reply.headers)
        self.assertIn(b'id="messages"', reply.body)

    async def test_metrics_count_publishes_deliveries_and_refusals(self):
        if self.cluster:
            self.skipTest("one node: spread_messages_published_total counts the publishes this node took, "
                          "and in cluster mode node B takes them")
        before = await asyncio.to_thread(metrics, self.daemon)
        for name in ("spread_connections", "spread_messages_published_total", "spread_messages_delivered_total",
                     'spread_rejected_total{reason="bad_request"}', "spread_publish_to_write_seconds_count"):
            self.assertIn(name, before)
        subscriber = await self.subscribe()  # publishes one probe, delivered once
        for index in range(3):
            self.assertEqual((await asyncio.to_thread(publish, self.daemon, "m", str(index))).status, 204)
        for index in range(3):
            self.assertEqual(await subscriber.next_frame(), {"name": "m", "msg": str(index)})
        await self.http("POST", self.daemon.http_url("/publish"), "not json")

        after = await asyncio.to_thread(metrics, self.daemon)
        self.assertEqual(after["spread_connections"], 1)
        self.assertEqual(after['spread_subscribers{topic="chat"}'], 1)
        self.assertEqual(after["spread_messages_published_total"] - before["spread_messages_published_total"], 4)
        # Counted when written, so everything the subscriber has read is counted already.
        self.assertEqual(after["spread_messages_delivered_total"] - before["spread_messages_delivered_total"], 4)
        self.assertEqual(after["spread_publish_to_write_seconds_count"], after["spread_messages_delivered_total"])
        rejected = 'spread_rejected_total{reason="bad_request"}'
        self.assertEqual(after[rejected] - before[rejected], 1)


if __name__ == "__main__":
    unittest.main()
