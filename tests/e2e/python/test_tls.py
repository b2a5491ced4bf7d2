# TLS end to end: the real spreadd with a TLS listener beside the plain one, on a throwaway
# certificate from the `openssl` command. curl publishes over https, Python's websockets
# receives over wss; a plain HTTP request and a TLS 1.1 handshake on the TLS port are refused
# while the server carries on; SIGHUP swaps the certificate for new connections while an open
# one keeps working, and a bad one is refused with its key named; --check-config finds a key
# that does not match its certificate; spread-bench's subscribers speak wss too.
import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import warnings

import websockets

from e2e_case import DaemonTestCase, Subscriber, RECEIVE_TIMEOUT_S
from spreadd_harness import spreadd_path
from tls_files import Credentials

CURL_TIMEOUT_S = 10
LOG_TIMEOUT_S = 10
RELOADED = "spreadd: reloaded"
REFUSED = "spreadd: reload refused"


class TlsCase(DaemonTestCase):
    """A spreadd with a TLS listener beside the plain one, serving the first certificate
    from files a test may rewrite; `extra` adds config keys."""

    extra = {}

    @classmethod
    def setUpClass(cls):
        cls.files = tempfile.TemporaryDirectory(prefix="spread-e2e-tls-")
        cls.first = Credentials(cls.files.name, "first")
        cls.second = Credentials(cls.files.name, "second")

    @classmethod
    def tearDownClass(cls):
        cls.files.cleanup()

    async def asyncSetUp(self):
        # The daemon reads the files under these names; a test may replace what is in them.
        self.certificate = os.path.join(self.files.name, "served-certificate.pem")
        self.key = os.path.join(self.files.name, "served-key.pem")
        self.serve(self.first)
        self.overrides = {**self.extra,
                          "transport.websocket.tls.port": 0,
                          "transport.websocket.tls.certificateFile": self.certificate,
                          "transport.websocket.tls.privateKeyFile": self.key,
                          # The reload's outcome is awaited in the log.
                          "logging.level": "information"}
        await super().asyncSetUp()
        self.assertIsNotNone(self.daemon.tls_port, self.daemon.describe())

    def serve(self, credentials):
        for source, target in ((credentials.certificate, self.certificate), (credentials.key, self.key)):
            with open(source, "rb") as data, open(target + ".new", "wb") as out:
                out.write(data.read())
            os.replace(target + ".new", target)

    async def wss(self, context, topic=None):
        url = "wss://127.0.0.1:%d/subscribe%s" % (self.daemon.tls_port, "?topic=" + topic if topic else "")
        ws = await asyncio.wait_for(websockets.connect(url, ssl=context, ping_interval=None, close_timeout=5),
                                    RECEIVE_TIMEOUT_S)
        subscriber = Subscriber(ws)
        self.subscribers.append(subscriber)
        await subscriber.ready()
        return subscriber

    def curl_publish(self, credentials, name, msg):
        """POST /publish over https with curl trusting `credentials`; returns the HTTP status."""
        done = subprocess.run(["curl", "--silent", "--show-error", "--max-time", str(CURL_TIMEOUT_S),
                               "--cacert", credentials.certificate, "--output", "/dev/null",
                               "--write-out", "%{http_code}", "--header", "Content-Type: application/json",
                               "--data", json.dumps({"name": name, "msg": msg}),
                               "https://127.0.0.1:%d/publish" % self.daemon.tls_port],
                              capture_output=True, text=True, timeout=CURL_TIMEOUT_S + 5)
        return done.stdout.strip() + done.stderr.strip()

    def served_certificate(self, context):
        with socket.create_connection(("127.0.0.1", self.daemon.tls_port), timeout=RECEIVE_TIMEOUT_S) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.getpeercert(binary_form=True)

    async def reload(self, outcome=RELOADED):
        """SIGHUP, then the daemon's `outcome` line ('spreadd: reloaded', or 'spreadd: reload
        refused'), printed once the reload has been logged."""
        reloads = self.daemon.stdout_seen.splitlines().count(outcome)
        self.daemon.process.send_signal(signal.SIGHUP)
        await asyncio.to_thread(self.daemon.wait_for_line, outcome, LOG_TIMEOUT_S, reloads)


class TlsTest(TlsCase):

    async def test_curl_publishes_over_https_and_websockets_receives_over_wss(self):
        subscriber = await self.wss(self.first.client_context())
        self.assertEqual(await asyncio.to_thread(self.curl_publish, self.first, "alice", "over tls"), "204")
        self.assertEqual(await subscriber.next_frame(), {"name": "alice", "msg": "over tls"})

    async def test_plain_http_and_tls_1_1_on_the_tls_port_are_refused_and_serving_goes_on(self):
        subscriber = await self.wss(self.first.client_context())
        with socket.create_connection(("127.0.0.1", self.daemon.tls_port), timeout=RECEIVE_TIMEOUT_S) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            try:
                while chunk := plain.recv(4096):  # until the server closes; the timeout bounds it
                    answer += chunk
            except ConnectionResetError:
                pass  # closed with the rest of the request unread: the kernel resets
            self.assertNotIn(b"HTTP/1.1", answer)

        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.set_ciphers("DEFAULT@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # which is the point
            old.minimum_version = ssl.TLSVersion.TLSv1_1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        with self.assertRaises(ssl.SSLError) as refused:
            self.served_certificate(old)
        self.assertIn("PROTOCOL_VERSION", str(refused.exception).upper())

        self.assertEqual(await asyncio.to_thread(self.curl_publish, self.first, "bob", "still serving"), "204")
        self.assertEqual(await subscriber.next_frame(), {"name": "bob", "msg": "still serving"})

    async def test_sighup_serves_a_new_certificate_to_new_connections_and_keeps_open_ones(self):
        trusting_both = self.first.client_context(self.second)
        before = await self.wss(trusting_both)
        self.assertEqual(self.served_certificate(trusting_both), self.first.der)

        self.serve(self.second)
        await self.reload()
        self.assertIn("TLS credentials reloaded", self.daemon.stderr_text())
        self.assertEqual(self.served_certificate(trusting_both), self.second.der)
        self.assertEqual(await asyncio.to_thread(self.curl_publish, self.second, "carol", "after reload"), "204")
        self.assertEqual(await before.next_frame(), {"name": "carol", "msg": "after reload"})
        # The old connection can still send, too.
        await before.ws.send(json.dumps({"name": "dave", "msg": "from the old connection"}))
        self.assertEqual(await before.next_frame(), {"name": "dave", "msg": "from the old connection"})

        # Files it cannot use are refused as at start, naming the key, and the last good ones stay.
        with open(self.key, "w") as broken:
            broken.write("not a key\n")
        await self.reload(REFUSED)
        self.assertIn("configuration not reloaded", self.daemon.stderr_text())
        self.assertIn("transport.websocket.tls.privateKeyFile", self.daemon.stderr_text())
        self.assertEqual(self.served_certificate(trusting_both), self.second.der)


    @unittest.skipUnless(os.environ.get("SPREAD_BENCH"), "set SPREAD_BENCH to spread-bench (ctest does)")
    async def test_spread_bench_subscribes_over_wss_and_counts_every_delivery(self):
        done = await asyncio.to_thread(
            subprocess.run,
            [os.environ["SPREAD_BENCH"], "--url", self.daemon.url,
             "--tls-url", self.daemon.tls_url, "--ca-file", self.first.certificate,
             "--subscribers", "20", "--publishers", "1", "--rate", "200", "--duration", "1", "--quiet"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        figures = json.loads(done.stdout)
        self.assertEqual(figures["subscribers_connected"], 20, figures)
        self.assertGreater(figures["deliveries"], 0, figures)
        self.assertEqual(figures["deliveries"], 20 * figures["publishes"], figures)
        self.assertEqual(figures["lost"], 0, figures)


class TlsBoundsTest(TlsCase):
    """The bounds of the plain port hold on the TLS port: a client that stalls its handshake
    is closed at the request head's deadline, and one over the limit per address is closed
    without the handshake its 503 would cost."""

    HEADER_TIMEOUT_MS = 500
    extra = {"transport.websocket.headerTimeoutMs": HEADER_TIMEOUT_MS,
             "transport.websocket.connectionsPerAddressMax": 1}

    def stall_while_another_is_refused(self):
        """Returns how long the server kept a connection that stalled in its handshake."""
        with socket.create_connection(("127.0.0.1", self.daemon.tls_port), timeout=RECEIVE_TIMEOUT_S) as stalled:
            opened = time.monotonic()
            stalled.sendall(b"\x16\x03\x01")  # the start of a ClientHello, and no more
            # Meanwhile the address is at its limit: a second client is closed unanswered.
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                self.served_certificate(self.first.client_context())
            self.assertEqual(stalled.recv(4096), b"")  # the server hangs up; the timeout bounds the wait
            return time.monotonic() - opened

    async def test_a_stalled_handshake_is_closed_at_the_head_deadline_and_the_limit_holds_meanwhile(self):
        waited = await asyncio.to_thread(self.stall_while_another_is_refused)
        self.assertGreaterEqual(waited, self.HEADER_TIMEOUT_MS / 1000 * 0.9)
        self.assertLess(waited, RECEIVE_TIMEOUT_S)
        # Its place is given back (the server uncounts before it closes): the next client is served.
        served = await asyncio.to_thread(self.served_certificate, self.first.client_context())
        self.assertEqual(served, self.first.der)


class TlsConfigCheckTest(unittest.TestCase):
    def test_check_config_names_a_key_that_does_not_match_its_certificate(self):
        with tempfile.TemporaryDirectory(prefix="spread-e2e-tls-") as directory:
            first = Credentials(directory, "first")
            second = Credentials(directory, "second")
            config = os.path.join(directory, "server.properties")
            with open(config, "w") as out:
                out.write("spread.transports = websocket\n"
                          "transport.websocket.tls.port = 0\n"
                          "transport.websocket.tls.certificateFile = %s\n"
                          "transport.websocket.tls.privateKeyFile = %s\n" % (first.certificate, second.key))
            done = subprocess.run([spreadd_path(), "--check-config", "--config", config],
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(done.returncode, 78, done.stdout + done.stderr)
            self.assertIn("transport.websocket.tls.privateKeyFile", done.stderr)
            self.assertIn("does not", done.stderr)


if __name__ == "__main__":
    unittest.main()
