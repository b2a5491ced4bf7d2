# Private endpoints on the real spreadd, through urllib: /metrics answers a client on 127.0.0.1
# by default, but not a client a trusted proxy on 127.0.0.1 names as remote (403, JSON, counted);
# with transport.websocket.adminPort the admin listener serves /metrics and /healthz, the main
# port answers /metrics 404, and /healthz stays public on both. The admin port is read from the
# daemon's "admin listener on URL" log line.
import asyncio
import re
import unittest

from e2e_case import DaemonTestCase
from http_calls import call, metrics

ADMIN_LINE = re.compile(r"admin listener on (http://127\.0\.0\.1:(\d+)/)$", re.MULTILINE)


class PrivateEndpointsTestCase(DaemonTestCase):
    async def get(self, url, headers=None):
        return await asyncio.to_thread(call, "GET", url, None, headers)

    def assertJsonRefusal(self, reply, status, says):
        self.assertEqual(reply.status, status, reply)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("application/json"), reply.headers)
        self.assertIn(says, reply.json()["error"])
        self.assertNotIn(b"spread_", reply.body)


class LoopbackOnlyByDefaultTest(PrivateEndpointsTestCase):
    async def test_metrics_and_health_answer_a_client_on_this_machine(self):
        reply = await self.get(self.daemon.http_url("/metrics"))
        self.assertEqual(reply.status, 200, reply)
        self.assertIn(b'spread_rejected_total{reason="private_endpoint"} 0', reply.body)
        self.assertEqual((await self.get(self.daemon.http_url("/healthz"))).status, 200)
        self.assertNotIn("admin listener on", self.daemon.stderr_text())


class BehindALocalProxyTest(PrivateEndpointsTestCase):
    overrides = {"transport.websocket.trustedProxies": "127.0.0.1"}

    async def test_a_remote_client_named_by_the_proxy_is_refused_and_counted(self):
        reply = await self.get(self.daemon.http_url("/metrics"), {"X-Forwarded-For": "203.0.113.7"})
        self.assertJsonRefusal(reply, 403, "/metrics is served only to clients on this machine (loopback), "
                                           "not to 203.0.113.7; set transport.websocket.adminPort")
        # The proxy's own word that it forwards nobody is not taken as a local client either.
        unnamed = await self.get(self.daemon.http_url("/metrics"))
        self.assertJsonRefusal(unnamed, 403, "the trusted proxy 127.0.0.1 did not say which client")
        # /healthz is for load balancers, wherever they are.
        health = await self.get(self.daemon.http_url("/healthz"), {"X-Forwarded-For": "203.0.113.7"})
        self.assertEqual(health.status, 200, health)
        local = await self.get(self.daemon.http_url("/metrics"), {"X-Forwarded-For": "127.0.0.1"})
        self.assertEqual(local.status, 200, local)
        self.assertIn(b'spread_rejected_total{reason="private_endpoint"} 2', local.body)


class AdminListenerTest(PrivateEndpointsTestCase):
    overrides = {"transport.websocket.adminPort": 0, "logging.level": "information"}

    async def asyncSetUp(self):
        await super().asyncSetUp()
        # The transport logs the line before it reports itself started, and spreadd prints its
        # "listening" line (which start() waited for) only after that, so it is already there.
        match = ADMIN_LINE.search(self.daemon.stderr_text())
        if match is None:
            raise AssertionError("no 'admin listener on URL' line in the log%s" % self.daemon.describe())
        self.admin_url = match.group(1)
        self.assertNotEqual(int(match.group(2)), self.daemon.port)

    async def test_metrics_are_on_the_admin_port_and_not_on_the_main_one(self):
        reply = await self.get(self.admin_url + "metrics")
        self.assertEqual(reply.status, 200, reply)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("text/plain"), reply.headers)
        self.assertIn(b"spread_messages_published_total", reply.body)
        self.assertJsonRefusal(await self.get(self.daemon.http_url("/metrics")), 404,
                               "no such path: /metrics (it is served on the admin listener only)")

    async def test_health_is_on_both_ports(self):
        for url in (self.admin_url + "healthz", self.daemon.http_url("/healthz")):
            reply = await self.get(url)
            self.assertEqual(reply.status, 200, (url, reply))
            self.assertEqual(reply.json(), {"status": "serving"})

    async def test_the_admin_port_refuses_other_paths_and_methods_in_json(self):
        self.assertJsonRefusal(await self.get(self.admin_url + "subscribe"), 404,
                               "no such path on the admin listener: /subscribe")
        post = await asyncio.to_thread(call, "POST", self.admin_url + "metrics", "{}")
        self.assertJsonRefusal(post, 405, "method POST is not allowed on /metrics; use GET, HEAD")
        self.assertEqual(post.headers.get("Allow"), "GET, HEAD")


if __name__ == "__main__":
    unittest.main()
