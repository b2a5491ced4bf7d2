# Graceful shutdown of the real spreadd as clients see it: on SIGTERM every subscriber first gets
# every message the server had accepted (answered 204), then a 1001 close, and the daemon exits 0;
# a publisher hammering POST /publish meanwhile gets 204s, then 503s, then a closed connection.
import asyncio
import http.client
import json
import threading
import unittest

from e2e_case import DaemonTestCase
from http_calls import publish
from raw_http import RawConnection, request_bytes, websocket_key

MESSAGES = 50
ANSWERS_BEFORE_SIGTERM = 20
REFUSALS_WANTED = 3
ANSWERS_MAX = 100000
# Far beyond any real exit, far below the grace period: waiting this long means spreadd waited
# for something it should not have.
EXIT_WITHIN_S = 20


class Hammer(threading.Thread):
    """Publishes over one keep-alive HTTP connection (opening another whenever the server closes
    it) until a connection fails, recording every answer as (status, body) and the failure that
    ended it."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.answers = []
        self.failure = None
        self.warmed_up = threading.Event()
        self.refused = threading.Event()  # set at the REFUSALS_WANTED-th 503

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        body = json.dumps({"name": "hammer", "msg": "again"})
        refusals = 0
        try:
            while len(self.answers) < ANSWERS_MAX:
                connection.request("POST", "/publish", body, {"Content-Type": "application/json"})
                answer = connection.getresponse()
                self.answers.append((answer.status, answer.read()))
                if len(self.answers) >= ANSWERS_BEFORE_SIGTERM:
                    self.warmed_up.set()
                if answer.status == 503:
                    refusals += 1
                    if refusals >= REFUSALS_WANTED:
                        self.refused.set()
                if answer.getheader("Connection", "").lower() == "close":
                    connection.close()
        except (OSError, http.client.HTTPException) as failure:
            self.failure = failure
        finally:
            connection.close()
            self.warmed_up.set()
            self.refused.set()


def hold_the_drain_open(port):
    """A subscriber on a raw socket that will not answer the server's close until told to, so the
    drain lasts until then (closeTimeoutMs and the grace period are far longer). Returns it once
    its session has answered a probe."""
    holder = RawConnection(port)
    holder.send(request_bytes("GET", "/subscribe?topic=holder", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": websocket_key(),
        "Sec-WebSocket-Version": "13"}))
    answer = holder.read_response("GET")
    if answer.status != 101:
        raise AssertionError("the holder's upgrade was answered %r" % answer)
    holder.send_text_frame("{}")  # not a chat message: the error frame shows the session is up
    _, opcode, payload = holder.read_frame()
    if opcode != 0x1 or b'"error"' not in payload:
        raise AssertionError("the holder's probe got opcode %d %r" % (opcode, payload[:100]))
    return holder


def read_until_close(connection):
    """Reads frames until the server's close frame; returns its payload."""
    while True:
        _, opcode, payload = connection.read_frame()
        if opcode == 0x8:
            return payload


class ShutdownTest(DaemonTestCase):
    # Nothing here may end by a timeout: the grace period and the close timeout are long, so
    # only the clients can let the drain finish.
    overrides = {"spread.shutdownGraceMs": 30000, "transport.websocket.closeTimeoutMs": 30000}

    async def test_sigterm_delivers_everything_accepted_then_closes_with_1001(self):
        subscribers = [await self.subscribe(), await self.subscribe()]
        for index in range(MESSAGES):
            reply = await asyncio.to_thread(publish, self.daemon, "last words", str(index))
            self.assertEqual(reply.status, 204, reply)
        self.daemon.signal_stop()
        # Both clients answer the close, so spreadd must exit long before its grace period ends.
        stopped = asyncio.create_task(asyncio.to_thread(self.daemon.wait_stopped, EXIT_WITHIN_S))
        expected = [{"name": "last words", "msg": str(index)} for index in range(MESSAGES)]
        for subscriber in subscribers:
            self.assertEqual(await subscriber.frames_until_closed(), expected)
            self.assertEqual((subscriber.ws.close_code, subscriber.ws.close_reason), (1001, "server shutting down"))
        await stopped

    async def test_publishes_during_shutdown_get_204_then_503_then_nothing(self):
        subscriber = await self.subscribe()
        holder = await asyncio.to_thread(hold_the_drain_open, self.daemon.port)
        self.addCleanup(holder.close)
        hammer = Hammer(self.daemon.port)
        hammer.start()
        self.assertTrue(await asyncio.to_thread(hammer.warmed_up.wait, 10), "the hammer got no answers")
        self.assertIsNone(hammer.failure, "the connection failed before SIGTERM")

        self.daemon.signal_stop()
        self.assertEqual((await subscriber.closed())[0], 1001)
        goodbye = await asyncio.to_thread(read_until_close, holder)
        self.assertEqual(goodbye[:2], (1001).to_bytes(2, "big"), goodbye)
        # The drain lasts until the holder answers, so refusals must come meanwhile.
        self.assertTrue(await asyncio.to_thread(hammer.refused.wait, 30), "no 503 while the drain was held open")
        self.assertIsNone(hammer.failure, "the publisher's connection failed while the drain was held open")
        holder.send_close_frame(1001)
        await asyncio.to_thread(hammer.join, 30)
        self.assertFalse(hammer.is_alive(), "the publisher's connection outlived the server")
        await asyncio.to_thread(self.daemon.wait_stopped, EXIT_WITHIN_S)

        statuses = [status for status, _ in hammer.answers]
        refused_from = statuses.index(503)
        self.assertEqual(set(statuses[:refused_from]), {204}, statuses)
        self.assertEqual(set(statuses[refused_from:]), {503}, "a 204 after a 503: %s" % statuses)
        self.assertGreaterEqual(len(statuses) - refused_from, REFUSALS_WANTED)
        for status, body in hammer.answers[refused_from:]:
            self.assertIn("shutting down", json.loads(body)["error"])
        self.assertIsNotNone(hammer.failure, "the hammer stopped without its connection failing")
        print("publishes: %d accepted, %d refused with 503, then %r"
              % (refused_from, len(statuses) - refused_from, hammer.failure))


if __name__ == "__main__":
    unittest.main()
