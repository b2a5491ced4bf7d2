# What slow clients can do to the real spreadd, through raw sockets: 500 connections trickling
# their request heads a byte at a time hold no thread, delay no other client's publish or
# WebSocket handshake, and are each answered 408 at the head's deadline however steadily they
# trickle; a body has its own deadline, and a connection that never sends is closed quietly.
import asyncio
import select
import socket
import threading

from e2e_case import DaemonTestCase
from http_calls import metrics, publish
from raw_http import RawConnection

HEADER_TIMEOUT_MS = 4000
SLOW_CLIENTS = 500
TRICKLE_EVERY_S = 0.25
# Bounds on hangs only: each wait ends as soon as its condition holds.
ANSWER_WITHIN_S = HEADER_TIMEOUT_MS / 1000 + 10


class Trickler:
    """Sockets that each send one byte of a request head every TRICKLE_EVERY_S, from a thread,
    until the server closes them; records what each one was finally answered."""

    HEAD = b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 4000

    def __init__(self, port, count):
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.setblocking(False)
            self.sockets.append(sock)
        self.sent = [0] * count
        self.answers = [None] * count
        self._answered = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set() and any(answer is None for answer in self.answers):
            for index, sock in enumerate(self.sockets):
                if self.answers[index] is not None:
                    continue
                try:
                    if sock.send(self.HEAD[self.sent[index] % len(self.HEAD):][:1]) == 1:
                        self.sent[index] += 1
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
                self._collect(index, sock)
            self._stop.wait(TRICKLE_EVERY_S)

    def _collect(self, index, sock):
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except ConnectionResetError:
            data = b""
        with self._answered:
            self.answers[index] = data if data else b"(closed)"
            self._answered.notify_all()

    def answered(self):
        return sum(answer is not None for answer in self.answers)

    def wait_all_answered(self, within_s):
        with self._answered:
            self._answered.wait_for(lambda: self.answered() == len(self.sockets), timeout=within_s)

    def close(self):
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


class SlowClientsTest(DaemonTestCase):
    overrides = {"transport.websocket.headerTimeoutMs": HEADER_TIMEOUT_MS,
                 "transport.websocket.bodyTimeoutMs": HEADER_TIMEOUT_MS}

    async def test_trickling_clients_delay_nobody_and_are_cut_off_at_the_deadline(self):
        threads_before = self.daemon_threads()
        slow = await asyncio.to_thread(Trickler, self.daemon.port, SLOW_CLIENTS)
        self.addCleanup(slow.close)
        # While all of them are still trickling, others are served as if they were not there.
        subscriber = await self.subscribe()
        reply = await asyncio.to_thread(publish, self.daemon, "ann", "not delayed")
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(await subscriber.next_frame(), {"name": "ann", "msg": "not delayed"})
        self.assertEqual(slow.answered(), 0, "the slow clients were answered before their deadline")
        self.assertEqual(self.daemon_threads(), threads_before, "slow clients must not cost threads")

        await asyncio.to_thread(slow.wait_all_answered, ANSWER_WITHIN_S)
        self.assertEqual(slow.answered(), SLOW_CLIENTS)
        for answer in slow.answers:
            self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), answer[:200])
            self.assertIn(b'"error":"request head not complete within %d ms"' % HEADER_TIMEOUT_MS, answer)
        # Each kept trickling until its deadline, so no single read was ever slow: the
        # deadline is the whole head's, not a read's.
        self.assertGreater(min(slow.sent), 1)
        samples = await asyncio.to_thread(metrics, self.daemon)
        self.assertEqual(samples['spread_limit_refusals_total{key="transport.websocket.headerTimeoutMs"}'],
                         SLOW_CLIENTS)

    async def test_a_body_has_its_own_deadline(self):
        connection = RawConnection(self.daemon.port)
        self.addCleanup(connection.close)
        await asyncio.to_thread(connection.send, b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                 b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        connection.sock.settimeout(ANSWER_WITHIN_S)
        answer = await asyncio.to_thread(connection.read_response)
        self.assertEqual(answer.status, 408, answer)
        self.assertEqual(answer.json()["error"], "request body not complete within %d ms" % HEADER_TIMEOUT_MS)
        await asyncio.to_thread(connection.assert_closed_by_server)

    async def test_a_connection_that_never_sends_is_closed_without_an_answer(self):
        sock = socket.create_connection(("127.0.0.1", self.daemon.port), timeout=ANSWER_WITHIN_S)
        self.addCleanup(sock.close)
        readable, _, _ = await asyncio.to_thread(select.select, [sock], [], [], ANSWER_WITHIN_S)
        self.assertEqual(readable, [sock], "the server kept an unused connection past its deadline")
        self.assertEqual(sock.recv(100), b"")

    def daemon_threads(self):
        with open("/proc/%d/status" % self.daemon.process.pid) as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        raise AssertionError("no Threads line in /proc/PID/status")


if __name__ == "__main__":
    import unittest
    unittest.main()
