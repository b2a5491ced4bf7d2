# Server-sent events (GET /events) against the real spreadd, read by curl -N: the response head,
# messages with their EPOCH-OFFSET ids, resume through Last-Event-ID with exactly the missed
# messages, a resume that cannot be served reported first, the refusals (400 naming the
# parameter, 405, 403 for an Origin), keepalives keeping a quiet stream open past the idle
# timeout, `event: close` at shutdown, and tokens in ?token= as EventSource must send them.
import asyncio
import json
import os
import tempfile
import unittest

from e2e_case import DaemonTestCase
from http_calls import call, publish
from sse_events import CurlEvents
from test_tokens import SECRET, claims, make_token

SSE = {"spread.transports": "websocket, sse", "history.size": 10, "history.ttlMs": 600000}


class SseCase(DaemonTestCase):
    overrides = SSE

    async def asyncSetUp(self):
        await super().asyncSetUp()
        if self.cluster and self.daemon.config.get("auth.mode", "none") == "none":
            # Two nodes: node A follows a topic in Redis one round trip after its first
            # subscriber (README, Redis engine: "A new topic on a node"), and these tests
            # publish on node B the instant a stream opens. A WebSocket keeper whose probe came
            # back through Redis proves A follows the room first, as a room in use would be.
            await self.subscribe("room")

    def open(self, query="", headers=None, topic="room"):
        url = self.daemon.http_url("/events?topic=" + topic + ("&" + query if query else ""))
        stream = CurlEvents(url, headers)
        self.addCleanup(stream.close)
        return stream

    def opened(self, stream, resume=None):
        """Checks the head and the retry field; with `resume`, the first event's "resume"."""
        status, _ = stream.head()
        self.assertEqual(status, 200)
        self.assertEqual(stream.next_event(), {"retry": "2000"})
        if resume is None:
            return None
        first = stream.next_event()
        self.assertEqual(first["event"], "resume", first)
        body = json.loads(first["data"])
        self.assertEqual(body["resume"], resume, body)
        return body

    def publish_all(self, texts, topic="room"):
        for text in texts:
            reply = publish(self.daemon, "h", text, topic)
            self.assertEqual(reply.status, 204, reply)

    def message(self, stream):
        event = stream.next_event()
        self.assertIsNotNone(event, "the stream ended")
        self.assertNotIn("event", event, event)
        body = json.loads(event["data"])
        self.assertEqual(event["id"], "%s-%d" % (body["epoch"], body["offset"]), event)
        return event["id"], body


class SseTest(SseCase):
    async def test_curl_reads_messages_with_their_position_as_the_id(self):
        stream = self.open()
        status, headers = stream.head()
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/event-stream; charset=utf-8")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertEqual(headers["x-accel-buffering"], "no")
        self.assertEqual(headers["transfer-encoding"], "chunked")
        self.assertNotIn("content-length", headers)
        self.opened(stream)
        # Subscribed before the head went out: nothing published from now on is missed.
        self.publish_all(["first", "ünïcode ✓"])
        self.assertEqual([self.message(stream)[1]["msg"] for _ in range(2)], ["first", "ünïcode ✓"])

    async def test_many_streams_each_get_every_message_once_in_order(self):
        streams = [self.open() for _ in range(12)]
        for stream in streams:
            self.opened(stream)
        texts = ["n%d" % i for i in range(40)]
        # Publishes from threads of their own, so that fan-out, the loops and the writes race.
        await asyncio.gather(*(asyncio.to_thread(self.publish_all, texts[i::4]) for i in range(4)))
        for stream in streams:
            got = [self.message(stream)[1] for _ in texts]
            self.assertEqual(sorted(m["msg"] for m in got), sorted(texts))
            offsets = [m["offset"] for m in got]
            self.assertEqual(offsets, sorted(offsets))
            self.assertEqual(len(set(offsets)), len(texts))

    async def test_last_event_id_resumes_with_exactly_the_missed_messages(self):
        watcher = self.open("last=0")  # also keeps the room, and so its history, alive
        self.opened(watcher, resume="ok")
        self.publish_all(["m1", "m2", "m3", "m4", "m5"])
        ids = [self.message(watcher)[0] for _ in range(5)]
        # The header wins over the query: a browser reconnects with the URL it began with.
        resumed = self.open("last=5", headers={"Last-Event-ID": ids[1]})
        report = self.opened(resumed, resume="ok")
        self.assertEqual(report["replayed"], 3)
        self.assertEqual([self.message(resumed)[1]["msg"] for _ in range(3)], ["m3", "m4", "m5"])
        self.publish_all(["m6"])
        self.assertEqual(self.message(resumed)[1]["msg"], "m6")
        self.assertEqual(self.message(watcher)[1]["msg"], "m6")

    async def test_an_unknown_epoch_reports_resume_impossible_first_then_live(self):
        stream = self.open(headers={"Last-Event-ID": "0123456789abcdef-3"})
        report = self.opened(stream, resume="impossible")
        self.assertEqual(report["reason"], "epoch changed")
        self.publish_all(["live"])
        self.assertEqual(self.message(stream)[1]["msg"], "live")

    async def test_refusals_name_the_problem(self):
        url = self.daemon.http_url("/events?topic=room")
        for value in ["nonsense", "12-", "-12", "0123456789abcdef0-1", "ab-1x", "ab-+1"]:
            reply = call("GET", url, headers={"Last-Event-ID": value})
            self.assertEqual(reply.status, 400, value)
            self.assertEqual(reply.json()["field"], "Last-Event-ID", value)
        reply = call("GET", url + "&since=3")
        self.assertEqual((reply.status, reply.json()["field"]), (400, "epoch"))
        reply = call("POST", url, "{}")
        self.assertEqual((reply.status, reply.headers["Allow"]), (405, "GET"))
        reply = call("GET", url, headers={"Origin": "http://elsewhere.example"})
        self.assertEqual((reply.status, reply.json()["field"]), (403, "Origin"))

    async def test_the_stream_ends_with_a_close_event_at_shutdown(self):
        stream = self.open()
        self.opened(stream)
        await asyncio.to_thread(self.daemon.stop)
        closing = stream.next_event()
        self.assertEqual(closing["event"], "close", closing)
        self.assertEqual(json.loads(closing["data"])["code"], 1001)
        self.assertIsNone(stream.next_event())


class SseKeepaliveTest(SseCase):
    overrides = dict(SSE, **{"session.pingIntervalMs": 100, "session.idleTimeoutMs": 500})

    async def test_a_reading_client_outlives_the_idle_timeout(self):
        stream = self.open()
        self.opened(stream)
        # Twelve keepalives span more than twice the idle timeout; an SSE client never
        # writes, so only its socket taking them keeps the session alive.
        stream.wait_comments(12)
        self.publish_all(["still here"])
        self.assertEqual(self.message(stream)[1]["msg"], "still here")


class SseTokenTest(SseCase):
    async def asyncSetUp(self):
        keys = tempfile.TemporaryDirectory(prefix="spread-e2e-keys-")
        self.addCleanup(keys.cleanup)
        secret_file = os.path.join(keys.name, "secret")
        with open(secret_file, "wb") as out:
            out.write(SECRET + b"\n")
        self.overrides = dict(SSE, **{"auth.mode": "jwt", "auth.jwt.hmacSecretFile": secret_file})
        await super().asyncSetUp()

    async def test_a_token_in_the_query_opens_the_stream(self):
        url = self.daemon.http_url("/events?topic=room")
        self.assertEqual(call("GET", url).status, 401)
        other = make_token(claims(subscribe=["elsewhere"]))
        self.assertEqual(call("GET", url + "&token=" + other).status, 403)
        stream = self.open("token=" + make_token(claims()))
        self.opened(stream)
        reply = call("POST", self.daemon.http_url("/publish?topic=room"), json.dumps({"msg": "signed"}),
                     {"Authorization": "Bearer " + make_token(claims(sub="bob"))})
        self.assertEqual(reply.status, 204, reply)
        body = self.message(stream)[1]
        self.assertEqual((body["name"], body["msg"]), ("bob", "signed"))


if __name__ == "__main__":
    unittest.main()
