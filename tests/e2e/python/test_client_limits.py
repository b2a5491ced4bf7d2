# The limits on clients, as real clients meet them on the real spreadd: connections in total and
# per address (503 with a JSON body, before any upgrade), publish rates per connection and per
# address (429 with Retry-After over HTTP; an error message, then 1008, over WebSocket), the
# Origin check (403) and Content-Type (415), and X-Forwarded-For believed only from a trusted
# proxy. Each refusal is counted in /metrics under the key of the limit that made it.
import asyncio
import json
import unittest

import websockets

from e2e_case import DaemonTestCase, Subscriber
from http_calls import metrics
from test_keepalive_http import parse_metrics
from raw_http import RawConnection, publish_bytes, request_bytes, websocket_key


def upgrade_bytes(headers=None):
    fields = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
              "Sec-WebSocket-Key": websocket_key()}
    fields.update(headers or {})
    return request_bytes("GET", "/subscribe", headers=fields)


class LimitTestCase(DaemonTestCase):
    async def io(self, function, *args):
        return await asyncio.to_thread(function, *args)

    async def connect(self):
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        return connection

    async def ask(self, connection, data, method="GET"):
        await self.io(connection.send, data)
        return await self.io(connection.read_response, method)

    async def refusals(self, key, connection=None):
        """The count under `key`, read on `connection` (one already admitted) when the server
        is at a connection limit and would refuse a new one."""
        if connection is None:
            samples = await self.io(metrics, self.daemon)
        else:
            answer = await self.ask(connection, request_bytes("GET", "/metrics"))
            samples = parse_metrics(answer.body.decode())
        return samples['spread_limit_refusals_total{key="%s"}' % key]

    def assertJson(self, answer, status, says):
        self.assertEqual(answer.status, status, answer)
        self.assertTrue(answer.headers.get("Content-Type", "").startswith("application/json"), answer)
        self.assertIn(says, answer.json()["error"])


class ConnectionLimitsTest(LimitTestCase):
    overrides = {"transport.websocket.connectionsPerAddressMax": 3}

    async def test_a_connection_over_the_address_limit_is_503_before_the_upgrade(self):
        held = [await self.connect() for _ in range(3)]
        for connection in held:  # each is served: all three are counted
            self.assertEqual((await self.ask(connection, request_bytes("GET", "/healthz"))).status, 200)
        refused = await self.connect()
        answer = await self.ask(refused, upgrade_bytes())
        self.assertJson(answer, 503, "too many connections from 127.0.0.1; the limit is 3")
        self.assertEqual(answer.headers.get("Connection", "").lower(), "close")
        await self.io(refused.assert_closed_by_server)
        self.assertEqual(await self.refusals("transport.websocket.connectionsPerAddressMax", held[1]), 1)
        # One leaves by a WebSocket closing handshake, after which the server closes the TCP
        # connection first; it uncounts a connection before closing it, so once the end is read
        # the place is free, with nothing to wait for.
        self.assertEqual((await self.ask(held[0], upgrade_bytes())).status, 101)
        await self.io(held[0].send_close_frame, 1000)
        while (await self.io(held[0].read_frame))[1] != 0x8:
            pass
        await self.io(held[0].assert_closed_by_server)
        again = await self.connect()
        self.assertEqual((await self.ask(again, request_bytes("GET", "/healthz"))).status, 200)


class TotalConnectionsTest(LimitTestCase):
    overrides = {"transport.websocket.connectionsMax": 2}

    async def test_a_connection_over_the_total_is_503(self):
        held = [await self.connect() for _ in range(2)]
        for connection in held:
            self.assertEqual((await self.ask(connection, request_bytes("GET", "/healthz"))).status, 200)
        answer = await self.ask(await self.connect(), request_bytes("GET", "/healthz"))
        self.assertJson(answer, 503, "too many connections to this server; the limit is 2")
        self.assertEqual(await self.refusals("transport.websocket.connectionsMax", held[0]), 1)


class PublishRateTest(LimitTestCase):
    overrides = {"session.publishesPerSecond": 1, "session.publishBurst": 3}

    async def test_http_over_the_connections_rate_is_429_with_retry_after(self):
        connection = await self.connect()
        for index in range(3):
            self.assertEqual((await self.ask(connection, publish_bytes("ann", str(index)), "POST")).status, 204)
        answer = await self.ask(connection, publish_bytes("ann", "one too many"), "POST")
        self.assertJson(answer, 429, "too many publishes on this connection")
        self.assertEqual(answer.headers.get("Retry-After"), "1")
        # The connection stays usable: a publisher that waits as told gets through.
        self.assertEqual((await self.ask(connection, request_bytes("GET", "/healthz"))).status, 200)
        self.assertEqual(await self.refusals("session.publishesPerSecond"), 1)

    async def test_websocket_over_the_rate_gets_an_error_then_1008(self):
        subscriber = await Subscriber.connect(self.daemon)
        self.subscribers.append(subscriber)
        for index in range(4):
            await subscriber.ws.send(json.dumps({"name": "ann", "msg": str(index)}))
        error = None
        code, reason = await subscriber.closed()
        while not subscriber._frames.empty():
            frame = subscriber._frames.get_nowait()
            if frame is not None and '"error"' in frame:
                error = json.loads(frame)
        self.assertEqual((code, reason), (1008, "publish rate exceeded"))
        self.assertEqual(error, {"error": "too many publishes on this connection"})


class AddressRateTest(LimitTestCase):
    overrides = {"transport.websocket.addressPublishesPerSecond": 1,
                 "transport.websocket.addressPublishBurst": 2}

    async def test_the_address_rate_spans_connections(self):
        for index in range(2):
            connection = await self.connect()
            self.assertEqual((await self.ask(connection, publish_bytes("ann", str(index)), "POST")).status, 204)
        answer = await self.ask(await self.connect(), publish_bytes("ann", "third"), "POST")
        self.assertJson(answer, 429, "too many publishes from this address")
        self.assertEqual(await self.refusals("transport.websocket.addressPublishesPerSecond"), 1)


class CrossSiteTest(LimitTestCase):
    async def test_another_origin_may_neither_subscribe_nor_publish(self):
        evil = {"Origin": "https://evil.example"}
        answer = await self.ask(await self.connect(), upgrade_bytes(evil))
        self.assertJson(answer, 403, "origin https://evil.example may not open a WebSocket here")
        answer = await self.ask(await self.connect(), publish_bytes("ann", "hi", headers=evil), "POST")
        self.assertJson(answer, 403, "origin https://evil.example may not publish here")
        with self.assertRaises(websockets.InvalidStatusCode):
            await websockets.connect(self.daemon.ws_url(), origin="https://evil.example")

    async def test_the_servers_own_pages_and_clients_without_origin_are_served(self):
        own = {"Origin": "http://127.0.0.1:%d" % self.daemon.port, "Host": "127.0.0.1:%d" % self.daemon.port}
        self.assertEqual((await self.ask(await self.connect(), upgrade_bytes(own))).status, 101)
        answer = await self.ask(await self.connect(), publish_bytes("ann", "hi", headers=own), "POST")
        self.assertEqual(answer.status, 204, answer)
        self.assertEqual((await self.ask(await self.connect(), upgrade_bytes())).status, 101)

    async def test_publish_needs_json_content_type(self):
        for content_type in ("text/plain", None):
            with self.subTest(content_type):
                answer = await self.ask(await self.connect(),
                                        request_bytes("POST", "/publish", '{"name":"a","msg":"b"}',
                                                      {"Content-Type": content_type}), "POST")
                self.assertJson(answer, 415, "POST /publish needs Content-Type: application/json")
        answer = await self.ask(await self.connect(),
                                request_bytes("POST", "/publish", '{"name":"a","msg":"b"}',
                                              {"Content-Type": "application/json; charset=utf-8"}), "POST")
        self.assertEqual(answer.status, 204, answer)


class ListedOriginsTest(LimitTestCase):
    overrides = {"transport.websocket.allowedOrigins": "https://app.example"}

    async def test_only_listed_origins_are_allowed(self):
        listed = {"Origin": "https://app.example"}
        self.assertEqual((await self.ask(await self.connect(), upgrade_bytes(listed))).status, 101)
        own = {"Origin": "http://127.0.0.1:%d" % self.daemon.port, "Host": "127.0.0.1:%d" % self.daemon.port}
        self.assertEqual((await self.ask(await self.connect(), upgrade_bytes(own))).status, 403)


class UntrustedForwardingTest(LimitTestCase):
    overrides = {"transport.websocket.connectionsPerAddressMax": 1}

    async def test_a_forged_x_forwarded_for_is_ignored(self):
        first = await self.connect()
        self.assertEqual((await self.ask(first, request_bytes("GET", "/healthz"))).status, 200)
        forged = await self.connect()
        answer = await self.ask(forged, request_bytes("GET", "/healthz", headers={"X-Forwarded-For": "203.0.113.7"}))
        self.assertJson(answer, 503, "too many connections from 127.0.0.1")


class TrustedProxyTest(LimitTestCase):
    overrides = {"transport.websocket.connectionsPerAddressMax": 1,
                 "transport.websocket.trustedProxies": "127.0.0.0/8"}

    async def test_clients_behind_a_trusted_proxy_are_counted_apart(self):
        async def via_proxy(client):
            connection = await self.connect()
            return await self.ask(connection, request_bytes("GET", "/healthz", headers={"X-Forwarded-For": client}))

        self.assertEqual((await via_proxy("203.0.113.7")).status, 200)
        self.assertEqual((await via_proxy("203.0.113.8")).status, 200)
        answer = await via_proxy("203.0.113.7")
        self.assertJson(answer, 503, "too many connections from 203.0.113.7; the limit is 1")


if __name__ == "__main__":
    unittest.main()
