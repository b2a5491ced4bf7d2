# SIGHUP rereads the configuration: the real spreadd, its file rewritten between signals.
# New limits and origins apply to what comes next while open connections carry on, the log
# says what was applied and what needs a restart, and a file start would refuse is refused
# with start's own error while the running configuration stays.
import asyncio
import json
import subprocess
import unittest

import websockets

from http_calls import call
from spreadd_harness import RELOAD_REFUSED, Daemon, spreadd_path

RECEIVE_TIMEOUT_S = 10
LONG_MSG = "x" * 2000  # a body over 1024 bytes, under the default 65536


def publish(daemon, msg, headers=None):
    body = json.dumps({"name": "ops", "msg": msg}).encode()
    return call("POST", daemon.http_url("/publish"), body, dict({"Content-Type": "application/json"}, **(headers or {})))


class ReloadTest(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.daemon = Daemon().start()
        self.addCleanup(self.daemon.close)

    async def asyncTearDown(self):
        await asyncio.to_thread(self.daemon.stop)

    async def reload(self, outcome=None):
        await asyncio.to_thread(self.daemon.reload, *([outcome] if outcome else []))

    async def test_new_limits_and_origins_apply_and_keys_needing_a_restart_are_named(self):
        self.assertEqual(publish(self.daemon, LONG_MSG).status, 204)
        self.daemon.config.update({
            "transport.websocket.bodyBytesMax": "1024",
            "transport.websocket.allowedOrigins": "https://chat.example",
            "broker.topicsMax": "10",
            "logging.level": "information",
        })
        self.daemon.write_config()
        await self.reload()

        # At the old level (warning) the summary, an information line, would not be logged.
        self.assertIn("configuration reloaded from %s: applied logging.level, transport.websocket.allowedOrigins, "
                      "transport.websocket.bodyBytesMax; needs a restart to take effect: broker.topicsMax"
                      % self.daemon.config_path, self.daemon.stderr_text())
        too_big = publish(self.daemon, LONG_MSG)
        self.assertEqual(too_big.status, 413, too_big)
        self.assertIn("1024", too_big.json()["error"])
        self.assertEqual(publish(self.daemon, "short", {"Origin": "https://evil.example"}).status, 403)
        self.assertEqual(publish(self.daemon, "short", {"Origin": "https://chat.example"}).status, 204)

    async def test_a_lowered_connection_limit_refuses_new_clients_and_keeps_open_ones(self):
        first = await websockets.connect(self.daemon.ws_url())
        second = await websockets.connect(self.daemon.ws_url())
        self.daemon.config["transport.websocket.connectionsPerAddressMax"] = "2"
        self.daemon.write_config()
        await self.reload()

        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
            await websockets.connect(self.daemon.ws_url())
        self.assertEqual(refused.exception.status_code, 503)
        self.assertEqual(publish(self.daemon, "refused").status, 503)  # a third connection, over HTTP
        # The two open sockets carry on: one publishes, both receive.
        await second.send(json.dumps({"name": "ops", "msg": "still here"}))
        for socket in (first, second):
            frame = json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_TIMEOUT_S))
            self.assertEqual((frame.pop("offset"), frame.pop("epoch") != ""), (1, True))  # history is on
            self.assertEqual(frame, {"name": "ops", "msg": "still here"})
        await first.close()
        await second.close()

    async def test_a_file_start_would_refuse_is_refused_with_its_error_and_nothing_changes(self):
        self.daemon.config["transport.websocket.bodyBytesMax"] = "1024"
        self.daemon.write_config(["broker.bogus = 1"])
        await self.reload(RELOAD_REFUSED)

        # The same error start gives for the same file.
        check = subprocess.run([spreadd_path(), "--check-config", "--config", self.daemon.config_path],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 78, check)
        start_error = "%s:%d: broker.bogus: is not a known key" % (self.daemon.config_path, len(self.daemon.config) + 1)
        self.assertIn(start_error, check.stderr)
        self.assertIn(start_error, self.daemon.stderr_text())
        self.assertIn("the running configuration stays", self.daemon.stderr_text())
        self.assertEqual(publish(self.daemon, LONG_MSG).status, 204)

        # Mended, the same change is taken.
        self.daemon.write_config()
        await self.reload()
        self.assertEqual(publish(self.daemon, LONG_MSG).status, 413)


if __name__ == "__main__":
    unittest.main()
