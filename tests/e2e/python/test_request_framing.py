# What a client sees on a connection's FIRST request to the real spreadd, through raw sockets:
# every framing conflict that let a body be read as a second request (request smuggling) is a
# 400 and the end of the connection, a missing Host is 400, an unknown version 505, HEAD works
# where GET does, and the chat page carries its security headers.
import asyncio
import json
import socket

from e2e_case import DaemonTestCase
from http_calls import metrics
from raw_http import RawConnection, request_bytes

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def chunked(body):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


class RequestFramingTest(DaemonTestCase):
    async def io(self, function, *args):
        return await asyncio.to_thread(function, *args)

    async def exchange(self, data):
        """Sends `data` on a new connection; returns the first answer and whether anything
        followed it before the server closed (a second answer would mean a smuggled request)."""
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        await self.io(connection.send, data)
        answer = await self.io(connection.read_response)
        await self.io(connection.assert_closed_by_server)
        return answer

    def assertRefused(self, answer, status, field=None, says=None):
        self.assertEqual(answer.status, status, answer)
        self.assertEqual(answer.headers.get("Connection", "").lower(), "close", answer)
        self.assertTrue(answer.headers.get("Content-Type", "").startswith("application/json"), answer)
        body = answer.json()
        if field is not None:
            self.assertEqual(body.get("field"), field, body)
        if says is not None:
            self.assertIn(says, body["error"])

    async def test_the_reported_smuggle_is_refused_and_nothing_follows(self):
        # The example: Content-Length and chunked at once, with a request in the body.
        body = chunked(b'{"name":"a","msg":"b"}' + b"\r\n" + SMUGGLED)
        head = (b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 68\r\nTransfer-Encoding: chunked\r\n\r\n")
        answer = await self.exchange(head + body)
        self.assertRefused(answer, 400, field="Transfer-Encoding", says="both Transfer-Encoding and Content-Length")

    async def test_every_framing_conflict_is_400_and_the_end_of_the_connection(self):
        publish_head = "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        cases = {
            "CL and TE": (publish_head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                          "Transfer-Encoding"),
            "TE gzip, chunked": (publish_head + "Transfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding"),
            "TE chunked, gzip": (publish_head + "Transfer-Encoding: chunked, gzip\r\n\r\n", "Transfer-Encoding"),
            "two lengths": (publish_head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n", "Content-Length"),
            "space before colon": (publish_head + "Content-Length : 2\r\n\r\n", "headers"),
            "length not a number": (publish_head + "Content-Length: abc\r\n\r\n", "Content-Length"),
            "bad chunk size": (publish_head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", "body"),
            "chunk size with junk": (publish_head + "Transfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n",
                                     "body"),
        }
        for name, (head, field) in cases.items():
            with self.subTest(name):
                answer = await self.exchange(head.encode() + SMUGGLED)
                self.assertRefused(answer, 400, field=field)

    async def test_a_missing_or_doubled_host_is_400(self):
        for name, request in {
            "no Host in HTTP/1.1": b"GET /healthz HTTP/1.1\r\n\r\n",
            "two Hosts": b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "a Host that is not a host": b"GET /healthz HTTP/1.1\r\nHost: a b/c\r\n\r\n",
        }.items():
            with self.subTest(name):
                self.assertRefused(await self.exchange(request), 400, field="Host")
        # HTTP/1.0 may leave Host out.
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        await self.io(connection.send, b"GET /healthz HTTP/1.0\r\n\r\n")
        self.assertEqual((await self.io(connection.read_response, "GET")).status, 200)

    async def test_an_unknown_version_is_505_in_our_own_version(self):
        answer = await self.exchange(b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertRefused(answer, 505, says="HTTP version 9.9 is not supported")
        self.assertEqual(answer.version, "HTTP/1.1")

    async def test_a_head_over_the_limit_is_431(self):
        answer = await self.exchange(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * 9000 + b"\r\n\r\n")
        self.assertRefused(answer, 431, field="headers")
        self.assertEqual((await asyncio.to_thread(metrics, self.daemon))
                         ['spread_limit_refusals_total{key="transport.websocket.headerBytesMax"}'], 1)

    async def test_head_is_answered_as_get_without_the_body(self):
        for path in ("/", "/healthz", "/metrics"):
            with self.subTest(path):
                connection = RawConnection(self.daemon.port)
                self.addCleanup(connection.close)
                await self.io(connection.send, request_bytes("GET", path) + request_bytes("HEAD", path))
                got = await self.io(connection.read_response, "GET")
                head = await self.io(connection.read_response, "HEAD")
                self.assertEqual(head.status, 200)
                self.assertEqual(head.body, b"")
                self.assertEqual(head.headers.get("Content-Type"), got.headers.get("Content-Type"))
                if path != "/metrics":  # the metrics change between the two requests
                    self.assertEqual(head.headers.get("Content-Length"), str(len(got.body)))
                # Nothing but the two answers came: HEAD's body really was left out.
                await self.io(connection.send, request_bytes("GET", "/healthz"))
                self.assertEqual((await self.io(connection.read_response, "GET")).json(), {"status": "serving"})

    async def test_the_chat_page_carries_its_security_headers(self):
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        await self.io(connection.send, request_bytes("GET", "/"))
        page = await self.io(connection.read_response, "GET")
        self.assertEqual(page.status, 200)
        policy = page.headers.get("Content-Security-Policy", "")
        for directive in ("default-src 'none'", "script-src 'sha256-", "connect-src 'self'",
                          "frame-ancestors 'none'"):
            self.assertIn(directive, policy)
        self.assertEqual(page.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertEqual(page.headers.get("X-Frame-Options"), "DENY")

    async def test_a_client_that_half_closes_after_its_requests_gets_every_answer(self):
        # As `printf ... | nc` does: the requests, then the end of the client's sending side.
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        await self.io(connection.send, request_bytes("GET", "/healthz") + request_bytes("GET", "/nope"))
        connection.sock.shutdown(socket.SHUT_WR)
        self.assertEqual((await self.io(connection.read_response, "GET")).status, 200)
        self.assertEqual((await self.io(connection.read_response, "GET")).status, 404)
        await self.io(connection.assert_closed_by_server)

    async def test_a_long_name_is_400_naming_the_field(self):
        body = json.dumps({"name": "n" * 60000, "msg": "hi"})
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        await self.io(connection.send, request_bytes("POST", "/publish", body))
        answer = await self.io(connection.read_response)
        self.assertEqual(answer.status, 400, answer)
        self.assertEqual(answer.json(), {"error": "field 'name': is longer than 64 bytes", "field": "name"})


if __name__ == "__main__":
    import unittest
    unittest.main()
