# What a client sees on a reused (kept-alive) HTTP connection to the real spreadd: every route,
# refusal, pipelining, chunked bodies, closes, malformed requests, an upgrade and the drain, each
# after a first POST /publish on the same TCP connection, through http.client and raw sockets.
import asyncio
import http.client
import json
import uuid

from e2e_case import PROBE_NAME, DaemonTestCase
from http_calls import SAMPLE, Reply, metrics, publish
from raw_http import (DEADLINE_S, RawConnection, publish_bytes, request_bytes, websocket_accept,
                      websocket_key)

BODY_BYTES_MAX = 1024
MANY = 500
PUBLISHED = "spread_messages_published_total"


class KeptConnection:
    """http.client on one TCP connection: every call fails unless the first socket is still in use."""

    def __init__(self, port):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE_S)
        self.first_sock = None

    def call(self, method, path, body=None, headers=None):
        self.http.request(method, path, body, headers or {})
        answer = self.http.getresponse()
        reply = Reply(answer.status, answer.headers, answer.read())
        if self.first_sock is None:
            self.first_sock = self.http.sock
        if self.http.sock is None or self.http.sock is not self.first_sock:
            raise AssertionError("%s %s: the connection was not kept (%r)" % (method, path, reply))
        return reply

    def publish(self, name, msg):
        return self.call("POST", "/publish", json.dumps({"name": name, "msg": msg}),
                         {"Content-Type": "application/json"})

    def close(self):
        self.http.close()


def parse_metrics(text):
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


class KeepAliveTestCase(DaemonTestCase):
    overrides = {"transport.websocket.bodyBytesMax": BODY_BYTES_MAX}

    async def io(self, function, *args):
        """Blocking socket work off the event loop, so subscribers keep reading meanwhile."""
        return await asyncio.to_thread(function, *args)

    async def warm(self):
        """A raw connection whose first request, a POST /publish, was answered 204."""
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        connection.send(publish_bytes("warm", "up"))
        self.assertEqual((await self.io(connection.read_response)).status, 204)
        return connection

    async def kept(self):
        connection = KeptConnection(self.daemon.port)
        self.addCleanup(connection.close)
        self.assertFramed(await self.io(connection.publish, "warm", "up"), 204)
        return connection

    def assertFramed(self, reply, status):
        """The status, and a body framed so the connection can go on: 204 empty, else Content-Length."""
        self.assertEqual(reply.status, status, reply)
        length = reply.headers.get("Content-Length")
        if status == 204:
            self.assertEqual(reply.body, b"")
            self.assertIn(length, (None, "0"))
        else:
            self.assertEqual(length, str(len(reply.body)), reply)
        return reply

    def assertJsonError(self, reply, status, field=None, says=None):
        self.assertFramed(reply, status)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("application/json"), reply)
        body = reply.json()
        self.assertIsInstance(body.get("error"), str, body)
        if field is not None:
            self.assertEqual(body.get("field"), field, body)
        if says is not None:
            self.assertIn(says, body["error"])
        return body

    async def assertReceives(self, subscriber, messages):
        for name, msg in messages:
            self.assertEqual(await subscriber.next_frame(), {"name": name, "msg": msg})


class KeepAliveHttpTest(KeepAliveTestCase):

    async def test_500_publishes_on_one_connection_arrive_in_order_and_are_counted(self):
        subscriber = await self.subscribe()
        before = await self.io(metrics, self.daemon)
        connection = KeptConnection(self.daemon.port)
        self.addCleanup(connection.close)

        def publish_all():
            for index in range(MANY):
                self.assertFramed(connection.publish("many", "message %d" % index), 204)
            return connection.call("GET", "/metrics")

        after = parse_metrics(self.assertFramed(await self.io(publish_all), 200).body.decode())
        self.assertEqual(after[PUBLISHED] - before[PUBLISHED], MANY)
        await self.assertReceives(subscriber, [("many", "message %d" % index) for index in range(MANY)])

    async def test_every_route_answers_on_a_reused_connection(self):
        connection = await self.kept()
        self.assertFramed(await self.io(connection.publish, "second", "publish"), 204)

        reply = self.assertFramed(await self.io(connection.call, "GET", "/healthz"), 200)
        self.assertEqual(reply.json(), {"status": "serving"})
        reply = self.assertFramed(await self.io(connection.call, "GET", "/metrics"), 200)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("text/plain"), reply.headers)
        self.assertIn(PUBLISHED, parse_metrics(reply.body.decode()))
        reply = self.assertFramed(await self.io(connection.call, "GET", "/"), 200)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("text/html"), reply.headers)
        self.assertIn(b'id="messages"', reply.body)
        self.assertJsonError(await self.io(connection.call, "GET", "/nope"), 404, field="path", says="/nope")
        reply = await self.io(connection.call, "GET", "/publish")
        self.assertJsonError(reply, 405, field="method")
        self.assertEqual(reply.headers.get("Allow"), "POST")
        reply = await self.io(connection.call, "POST", "/subscribe")
        self.assertJsonError(reply, 405, field="method")
        self.assertEqual(reply.headers.get("Allow"), "GET")
        reply = await self.io(connection.call, "GET", "/subscribe")
        self.assertJsonError(reply, 426, field="Upgrade")
        self.assertEqual(reply.headers.get("Upgrade"), "websocket")
        self.assertFramed(await self.io(connection.publish, "last", "publish"), 204)

    async def test_a_refused_publish_leaves_the_connection_usable(self):
        subscriber = await self.subscribe()
        connection = await self.kept()
        refusals = [(b'{"name": "a", "msg": ', None, "malformed JSON"),
                    (b'{"name": "a"}', "msg", None),
                    (b'{"name": "a", "msg": "\xff"}', None, "UTF-8")]
        for index, (body, field, says) in enumerate(refusals):
            reply = await self.io(connection.call, "POST", "/publish", body, {"Content-Type": "application/json"})
            self.assertJsonError(reply, 400, field, says)
            self.assertFramed(await self.io(connection.publish, "after", str(index)), 204)
        await self.assertReceives(subscriber, [("warm", "up")] + [("after", str(i)) for i in range(len(refusals))])

    async def test_a_refused_body_is_read_exactly_so_a_pipelined_request_follows(self):
        # The refused request and the next one arrive in one segment: the next one is only
        # found if the server consumed exactly the first one's body.
        connection = await self.warm()
        connection.send(request_bytes("POST", "/publish", '{"name": 7, "msg": "m"}') + publish_bytes("next", "one"))
        self.assertJsonError(await self.io(connection.read_response), 400, field="name")
        self.assertFramed(await self.io(connection.read_response), 204)

    async def test_a_refused_request_body_is_never_taken_for_the_next_request(self):
        # Routes that never look at the body still have to skip it (or close the connection):
        # the bytes after it are the next request, not the rest of this one.
        for method, path, status in (("POST", "/subscribe", 405), ("POST", "/nope", 404), ("POST", "/", 405)):
            with self.subTest(method=method, path=path):
                connection = await self.warm()
                connection.send(request_bytes(method, path, '{"name": "a", "msg": "b"}')
                                + request_bytes("GET", "/healthz"))
                refused = await self.io(connection.read_response)
                self.assertJsonError(refused, status)
                if connection_closes(refused):
                    await self.io(connection.assert_closed_by_server)
                    continue
                reply = self.assertFramed(await self.io(connection.read_response, "GET"), 200)
                self.assertEqual(reply.json(), {"status": "serving"})

    async def test_a_bad_topic_is_400_and_the_connection_stays_usable_or_is_closed_as_announced(self):
        # Refused before its body is read, the request may close the connection, but only if
        # the answer says so; otherwise the body must have been skipped.
        connection = await self.warm()
        connection.send(publish_bytes("a", "b", topic="-dash") + publish_bytes("after", "bad topic"))
        reply = await self.io(connection.read_response)
        self.assertJsonError(reply, 400, field="topic")
        if connection_closes(reply):
            await self.io(connection.assert_closed_by_server)
        else:
            self.assertFramed(await self.io(connection.read_response), 204)

    async def test_a_body_over_the_limit_is_413_then_the_connection_closes(self):
        subscriber = await self.subscribe()
        oversized = [request_bytes("POST", "/publish", b"x" * (2 * BODY_BYTES_MAX)),
                     b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + b"%x\r\n%s\r\n0\r\n\r\n" % (2 * BODY_BYTES_MAX, b"x" * (2 * BODY_BYTES_MAX))]
        for request in oversized:
            connection = await self.warm()
            # A publish right behind the refused body must not be taken as a request.
            connection.send(request + publish_bytes("smuggled", "must not arrive"))
            self.assertJsonError(await self.io(connection.read_response), 413, field="body",
                                 says=str(BODY_BYTES_MAX))
            await self.io(connection.assert_closed_by_server)
        self.assertEqual((await self.io(publish, self.daemon, "marker", "after")).status, 204)
        await self.assertReceives(subscriber, [("warm", "up"), ("warm", "up"), ("marker", "after")])

    async def test_a_body_just_inside_the_limit_is_taken_on_a_reused_connection(self):
        subscriber = await self.subscribe()
        connection = await self.kept()
        msg = "x" * (BODY_BYTES_MAX - len(json.dumps({"name": "fits", "msg": ""})))
        self.assertEqual(len(json.dumps({"name": "fits", "msg": msg})), BODY_BYTES_MAX)
        self.assertFramed(await self.io(connection.publish, "fits", msg), 204)
        self.assertFramed(await self.io(connection.publish, "and", "after"), 204)
        await self.assertReceives(subscriber, [("warm", "up"), ("fits", msg), ("and", "after")])

    async def test_pipelined_publishes_are_answered_in_order(self):
        subscriber = await self.subscribe()
        connection = await self.warm()
        connection.send(b"".join(publish_bytes("pipelined", str(index)) for index in range(3)))
        for _ in range(3):
            self.assertFramed(await self.io(connection.read_response), 204)
        await self.assertReceives(subscriber, [("warm", "up")] + [("pipelined", str(i)) for i in range(3)])

    async def test_requests_split_at_awkward_points_still_work(self):
        subscriber = await self.subscribe()
        connection = await self.warm()
        first, second = publish_bytes("split", "first"), publish_bytes("split", "second")
        in_header = second.index(b"Content-Type") + 5
        in_body = len(second) - 10
        # The first request with half of the second one's header: the first one's answer shows
        # the server has seen it, and with it the truncated header.
        connection.send(first + second[:in_header])
        self.assertFramed(await self.io(connection.read_response), 204)
        connection.send(second[in_header:in_body])
        connection.send(second[in_body:])
        self.assertFramed(await self.io(connection.read_response), 204)
        await self.assertReceives(subscriber, [("warm", "up"), ("split", "first"), ("split", "second")])

    async def test_a_chunked_publish_on_a_reused_connection(self):
        subscriber = await self.subscribe()
        connection = await self.warm()
        body = json.dumps({"name": "chunked", "msg": "in three pieces"}).encode()
        pieces = [body[:7], body[7:20], body[20:]]
        connection.send(b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n")
        for piece in pieces:
            connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        connection.send(b"0\r\n\r\n" + publish_bytes("after", "chunks"))
        self.assertFramed(await self.io(connection.read_response), 204)
        self.assertFramed(await self.io(connection.read_response), 204)
        await self.assertReceives(subscriber, [("warm", "up"), ("chunked", "in three pieces"), ("after", "chunks")])

    async def test_expect_100_continue_on_a_reused_connection(self):
        subscriber = await self.subscribe()
        connection = await self.warm()
        request = publish_bytes("expected", "continue", headers={"Expect": "100-continue"})
        head, body = request.split(b"\r\n\r\n", 1)
        connection.send(head + b"\r\n\r\n")
        self.assertEqual((await self.io(connection.read_response)).status, 100)
        connection.send(body)
        self.assertFramed(await self.io(connection.read_response), 204)
        await self.assertReceives(subscriber, [("warm", "up"), ("expected", "continue")])

    async def test_connection_close_is_answered_then_closed(self):
        connection = await self.warm()
        connection.send(publish_bytes("last", "one", headers={"Connection": "close"}) + publish_bytes("too", "late"))
        self.assertFramed(await self.io(connection.read_response), 204)
        await self.io(connection.assert_closed_by_server)

    async def test_http_1_0_is_closed_after_its_answer_unless_it_asks_for_keep_alive(self):
        connection = await self.warm()
        connection.send(request_bytes("GET", "/healthz", version="HTTP/1.0", headers={"Connection": "keep-alive"}))
        reply = self.assertFramed(await self.io(connection.read_response, "GET"), 200)
        self.assertEqual(reply.headers.get("Connection", "").lower(), "keep-alive", reply)
        connection.send(request_bytes("GET", "/healthz", version="HTTP/1.0"))
        self.assertEqual(self.assertFramed(await self.io(connection.read_response, "GET"), 200).json(),
                         {"status": "serving"})
        await self.io(connection.assert_closed_by_server)

    async def test_a_malformed_request_is_400_then_closed(self):
        malformed = [b"GARBAGE\r\n\r\n",
                     b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\nContent-Length: 2\r\n\r\n{}",
                     b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: many\r\n\r\n{}",
                     # RFC 9112 5.1: whitespace between a field name and its colon must be refused.
                     b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length : 2\r\n\r\n{}"]
        for request in malformed:
            with self.subTest(request=request):
                connection = await self.warm()
                connection.send(request + publish_bytes("after", "garbage"))
                reply = await self.io(connection.read_response)
                self.assertEqual(reply.status, 400, reply)
                if reply.body:
                    reply.json()
                await self.io(connection.assert_closed_by_server)

    async def test_content_length_with_chunked_is_answered_then_closed(self):
        # RFC 9112 6.1: such a request may be refused or read as chunked, but the connection
        # must close after the answer, since the two framings could hide a second request.
        connection = await self.warm()
        body = json.dumps({"name": "both", "msg": "framings"}).encode()
        connection.send(b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        reply = await self.io(connection.read_response)
        self.assertIn(reply.status, (204, 400), reply)
        await self.io(connection.assert_closed_by_server)

    async def test_a_websocket_upgrade_after_a_publish(self):
        connection = await self.warm()
        key = websocket_key()
        connection.send(request_bytes("GET", "/subscribe", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}))
        reply = await self.io(connection.read_response, "GET")
        self.assertEqual(reply.status, 101, reply)
        self.assertEqual(reply.headers.get("Sec-WebSocket-Accept"), websocket_accept(key))
        self.assertEqual(reply.headers.get("Upgrade", "").lower(), "websocket")
        # Its own probe, echoed back, shows the subscription is in place (see README.md).
        token = uuid.uuid4().hex
        connection.send_text_frame(json.dumps({"name": PROBE_NAME, "msg": token}))
        self.assertEqual(await self.io(read_text, connection), {"name": PROBE_NAME, "msg": token})
        self.assertEqual((await self.io(publish, self.daemon, "elsewhere", "to the upgraded one")).status, 204)
        self.assertEqual(await self.io(read_text, connection), {"name": "elsewhere", "msg": "to the upgraded one"})


class DrainTest(KeepAliveTestCase):
    overrides = {"spread.shutdownGraceMs": 2000, "transport.websocket.closeTimeoutMs": 60000}

    async def test_a_publish_on_a_kept_alive_connection_during_the_drain_is_503_or_closed(self):
        # A subscriber that never reads the server's close holds the drain open for the grace
        # period; a live one's 1001 shows the drain has begun.
        stalled = RawConnection(self.daemon.port)
        self.addCleanup(stalled.close)
        stalled.send(request_bytes("GET", "/subscribe", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": websocket_key(),
            "Sec-WebSocket-Version": "13"}))
        self.assertEqual((await self.io(stalled.read_response, "GET")).status, 101)
        live = await self.subscribe()
        connection = await self.warm()
        for index in range(3):
            connection.send(publish_bytes("before", str(index)))
            self.assertFramed(await self.io(connection.read_response), 204)

        self.daemon.signal_stop()
        self.assertEqual((await live.closed())[0], 1001)
        try:
            connection.send(publish_bytes("during", "the drain"))
            reply = await self.io(connection.read_response)
        except (BrokenPipeError, ConnectionError):
            reply = None  # the listener had stopped: closed, which a client can tell from a hang
        if reply is not None:
            self.assertJsonError(reply, 503, says="shutting down")
            if connection_closes(reply):
                await self.io(connection.assert_closed_by_server)
        await self.io(self.daemon.wait_stopped)
        # Which of the two this run saw depends on how far the shutdown had got; say which.
        print("a publish during the drain: %s" % ("closed" if reply is None else "answered %d" % reply.status))


def connection_closes(reply):
    return reply.headers.get("Connection", "").lower() == "close"


def read_text(connection):
    """The next text frame from the server, as JSON, without the "offset" and "epoch" every
    message carries while history is kept (test_history checks those)."""
    fin, opcode, payload = connection.read_frame()
    if not fin or opcode != 1:
        raise AssertionError("expected one whole text frame, got fin=%s opcode=%d %r" % (fin, opcode, payload[:100]))
    frame = json.loads(payload.decode())
    if "name" in frame:
        frame.pop("offset", None)
        frame.pop("epoch", None)
    return frame


if __name__ == "__main__":
    import unittest
    unittest.main()
