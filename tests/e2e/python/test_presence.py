# Presence against the real spreadd with Python's websockets clients: GET /presence lists who
# is subscribed to a topic under the names they gave, a client that asked with ?presence=1 is
# told of the others joining and leaving (also when one vanishes without a closing handshake,
# or is shut down with the server), and bad names are refused with 400 naming the field.
import asyncio
import json
import urllib.parse

import websockets

from e2e_case import RECEIVE_TIMEOUT_S, DaemonTestCase, Subscriber
from http_calls import call


class PresenceTest(DaemonTestCase):

    async def subscribe(self, **query):
        path = "/subscribe" + ("?" + urllib.parse.urlencode(query) if query else "")
        ws = await asyncio.wait_for(websockets.connect(self.daemon.ws_url(path), ping_interval=None,
                                                       close_timeout=5), RECEIVE_TIMEOUT_S)
        subscriber = Subscriber(ws)
        self.subscribers.append(subscriber)
        return subscriber

    async def presence(self, topic=None):
        path = "/presence" + ("?topic=" + topic if topic else "")
        reply = await asyncio.to_thread(call, "GET", self.daemon.http_url(path))
        self.assertEqual(reply.status, 200, reply)
        return reply.json()

    async def test_the_list_and_the_events(self):
        self.assertEqual(await self.presence(), {"topic": "chat", "count": 0, "members": [], "truncated": False})
        ann = await self.subscribe(name="Ann Ö")
        watcher = await self.subscribe(presence="1", name="watcher")
        members = await watcher.next_frame()
        self.assertEqual(members["presence"], "members")
        self.assertEqual([m["name"] for m in members["members"]], ["Ann Ö", "watcher"])
        self.assertEqual(members["self"], members["members"][1]["id"])
        self.assertNotEqual(members["members"][0]["id"], members["members"][1]["id"])

        listed = await self.presence("chat")
        self.assertEqual(listed["count"], 2)
        self.assertEqual(listed["members"], members["members"])

        bob = await self.subscribe(name="bob")
        joined = await watcher.next_frame()
        self.assertEqual((joined["presence"], joined["name"]), ("join", "bob"))
        await bob.close()
        left = await watcher.next_frame()
        self.assertEqual(left, {"presence": "leave", "id": joined["id"], "name": "bob"})

        # Gone without a closing handshake: its entry goes when the server notices the socket is closed.
        ann.ws.transport.abort()
        left = await watcher.next_frame()
        self.assertEqual((left["presence"], left["name"]), ("leave", "Ann Ö"))
        self.assertEqual([m["name"] for m in (await self.presence())["members"]], ["watcher"])

    async def test_a_subscriber_without_presence_gets_only_messages(self):
        plain = await self.subscribe(name="plain")
        other = await self.subscribe(name="other")
        await other.close()
        await plain.ready()  # its own probe comes back, with no presence frame before it
        reply = await asyncio.to_thread(call, "POST", self.daemon.http_url("/publish"),
                                        json.dumps({"name": "ann", "msg": "hi"}), {"Content-Type": "application/json"})
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(await plain.next_frame(), {"name": "ann", "msg": "hi"})

    async def test_bad_names_and_topics_are_refused(self):
        for query, field in ((("name", "n" * 65),), "name"), ((("presence", "yes"),), "presence"):
            path = "/subscribe?" + urllib.parse.urlencode(query)
            with self.assertRaises(websockets.InvalidStatusCode) as refused:
                await asyncio.wait_for(websockets.connect(self.daemon.ws_url(path)), RECEIVE_TIMEOUT_S)
            self.assertEqual(refused.exception.status_code, 400, path)
        reply = await asyncio.to_thread(call, "GET", self.daemon.http_url("/presence?topic=a%20b"))
        self.assertEqual(reply.status, 400, reply)
        self.assertEqual(reply.json()["field"], "topic")
        self.assertEqual((await self.presence())["count"], 0)

    async def test_watchers_are_shut_down_with_the_server(self):
        # Each watcher's leave goes to the other's queue as the server closes both: it must
        # still stop cleanly and in time (the harness checks exit 0 and "spreadd: stopped").
        watchers = [await self.subscribe(presence="1", name="w%d" % i) for i in range(2)]
        self.assertEqual((await watchers[0].next_frame())["presence"], "members")
        self.assertEqual((await watchers[0].next_frame())["presence"], "join")
        await asyncio.to_thread(self.daemon.stop)
        for watcher in watchers:
            code, _ = await watcher.closed()
            self.assertEqual(code, 1001)
