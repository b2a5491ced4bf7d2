# Tokens (auth.mode = jwt) against the real spreadd, with clients nobody here wrote: urllib for
# POST /publish and Python's websockets for GET /subscribe. Every refusal the issue lists has a
# test: no token, a bad signature, an algorithm not configured, alg none, expired, not yet
# valid, a topic not allowed for subscribing or for publishing, and expiry on an open socket.
# HS256 tokens are made here with the standard library, so that broken ones can be made too;
# RS256 and ES256 ones by spread-token from keys openssl makes.
import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest

import websockets

from e2e_case import RECEIVE_TIMEOUT_S, DaemonTestCase, Subscriber
from http_calls import call

SECRET = b"an e2e secret that is long enough for HS256 tokens"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(claims, alg="HS256", secret=SECRET, signature=None):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signed = (header + "." + payload).encode()
    if signature is None:
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384}.get(alg)
        signature = b64url(hmac.new(secret, signed, digest).digest()) if digest else ""
    return header + "." + payload + "." + signature


def claims(sub="alice", subscribe=("*",), publish=("*",), ttl=3600, **extra):
    now = int(time.time())
    body = {"sub": sub, "subscribe": list(subscribe), "publish": list(publish), "iat": now}
    if ttl is not None:
        body["exp"] = now + ttl
    body.update(extra)
    return body


def bearer(token):
    return {"Authorization": "Bearer " + token}


class TokenCase(DaemonTestCase):
    leeway_ms = 0

    async def asyncSetUp(self):
        self._keys = tempfile.TemporaryDirectory(prefix="spread-e2e-keys-")
        self.addCleanup(self._keys.cleanup)
        secret_file = os.path.join(self._keys.name, "secret")
        with open(secret_file, "wb") as out:
            out.write(SECRET + b"\n")
        self.overrides = dict(self.overrides, **{
            "auth.mode": "jwt", "auth.jwt.hmacSecretFile": secret_file,
            "auth.jwt.leewayMs": self.leeway_ms, "logging.level": "debug"})
        await super().asyncSetUp()

    def publish(self, token=None, body=None, topic=None, headers=None):
        path = "/publish" + ("?topic=" + topic if topic else "")
        fields = dict(bearer(token) if token else {}, **(headers or {}))
        body = body if body is not None else {"msg": "hello"}
        return call("POST", self.daemon.http_url(path), json.dumps(body), fields)

    async def refused_upgrade(self, path, headers=None):
        """The status of a refused GET /subscribe, and its JSON body."""
        with self.assertRaises(websockets.InvalidStatusCode) as refused:
            await asyncio.wait_for(websockets.connect(self.daemon.ws_url(path), extra_headers=headers or {}),
                                   RECEIVE_TIMEOUT_S)
        return refused.exception.status_code

    async def token_subscriber(self, token, topic=None, in_query=False):
        path = "/subscribe"
        query = ([("topic", topic)] if topic else []) + ([("token", token)] if in_query else [])
        if query:
            path += "?" + "&".join("%s=%s" % pair for pair in query)
        headers = {} if in_query else bearer(token)
        ws = await asyncio.wait_for(websockets.connect(self.daemon.ws_url(path), extra_headers=headers,
                                                       ping_interval=None, close_timeout=5), RECEIVE_TIMEOUT_S)
        subscriber = Subscriber(ws)
        self.subscribers.append(subscriber)
        return subscriber


class RefusalTest(TokenCase):
    async def assert_refused_everywhere(self, token, status, words):
        reply = await asyncio.to_thread(self.publish, token)
        self.assertEqual(reply.status, status, reply)
        self.assertIn(words, reply.json()["error"])
        self.assertTrue(reply.headers["WWW-Authenticate"].startswith("Bearer realm="), reply.headers)
        self.assertEqual(await self.refused_upgrade("/subscribe", bearer(token) if token else None), status)

    async def test_no_token(self):
        await self.assert_refused_everywhere(None, 401, "needs a token")

    async def test_a_bad_signature(self):
        good = make_token(claims())
        await self.assert_refused_everywhere(good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"), 401,
                                             "signature")

    async def test_a_token_signed_with_another_secret(self):
        await self.assert_refused_everywhere(make_token(claims(), secret=b"x" * 40), 401, "signature")

    async def test_an_algorithm_that_is_not_configured(self):
        await self.assert_refused_everywhere(make_token(claims(), alg="HS384"), 401, "HS384 is not accepted")

    async def test_alg_none(self):
        await self.assert_refused_everywhere(make_token(claims(), alg="none", signature=""), 401, "not signed")

    async def test_an_expired_token(self):
        await self.assert_refused_everywhere(make_token(claims(ttl=-60)), 401, "expired")

    async def test_a_token_not_valid_yet(self):
        await self.assert_refused_everywhere(make_token(claims(nbf=int(time.time()) + 600)), 401, "not valid yet")

    async def test_a_topic_not_allowed_for_subscribing(self):
        token = make_token(claims(subscribe=["room.*"]))
        self.assertEqual(await self.refused_upgrade("/subscribe?topic=lobby", bearer(token)), 403)
        allowed = await self.token_subscriber(token, topic="room.a")
        await allowed.ws.send(json.dumps({"msg": "in the room"}))
        self.assertEqual(await allowed.next_frame(), {"name": "alice", "msg": "in the room"})

    async def test_a_topic_not_allowed_for_publishing(self):
        token = make_token(claims(publish=["news"]))
        reply = await asyncio.to_thread(self.publish, token, None, "chat")
        self.assertEqual(reply.status, 403, reply)
        self.assertIn("does not allow publishing to topic 'chat'", reply.json()["error"])
        self.assertIn('error="insufficient_scope"', reply.headers["WWW-Authenticate"])
        # Over the socket: an error frame, and the connection stays up.
        subscriber = await self.token_subscriber(token, topic="chat")
        await subscriber.ws.send(json.dumps({"msg": "may I?"}))
        error = await subscriber.next_frame()
        self.assertIn("does not allow publishing to topic 'chat'", error["error"])
        reply = await asyncio.to_thread(self.publish, make_token(claims(sub="bob")), None, "chat")
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(await subscriber.next_frame(), {"name": "bob", "msg": "hello"})

    async def test_a_token_sent_twice_is_a_bad_request(self):
        token = make_token(claims())
        reply = await asyncio.to_thread(
            call, "POST", self.daemon.http_url("/publish?token=" + token), json.dumps({"msg": "x"}), bearer(token))
        self.assertEqual(reply.status, 400, reply)
        self.assertIn("not both", reply.json()["error"])


class IdentityTest(TokenCase):
    async def test_the_subject_is_the_name_and_another_name_is_refused(self):
        listener = await self.token_subscriber(make_token(claims(sub="listener")), in_query=True)
        token = make_token(claims(sub="alice"))
        reply = await asyncio.to_thread(self.publish, token, {"msg": "signed"})
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(await listener.next_frame(), {"name": "alice", "msg": "signed"})
        reply = await asyncio.to_thread(self.publish, token, {"name": "mallory", "msg": "forged"})
        self.assertEqual(reply.status, 403, reply)
        self.assertEqual(reply.json()["field"], "name")
        reply = await asyncio.to_thread(self.publish, token, {"name": "alice", "msg": "own name"})
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(await listener.next_frame(), {"name": "alice", "msg": "own name"})

    async def test_presence_lists_the_subject_and_needs_a_token_that_may_subscribe(self):
        token = make_token(claims(sub="alice", subscribe=["chat"]))
        self.assertEqual(await self.refused_upgrade("/subscribe?name=mallory", bearer(token)), 403)
        await self.token_subscriber(token)
        reply = await asyncio.to_thread(call, "GET", self.daemon.http_url("/presence"), None, bearer(token))
        self.assertEqual(reply.status, 200, reply)
        self.assertEqual([m["name"] for m in reply.json()["members"]], ["alice"])
        reply = await asyncio.to_thread(call, "GET", self.daemon.http_url("/presence"))
        self.assertEqual(reply.status, 401, reply)
        reply = await asyncio.to_thread(call, "GET", self.daemon.http_url("/presence?topic=other"), None, bearer(token))
        self.assertEqual(reply.status, 403, reply)

    async def test_no_token_appears_in_the_logs_even_at_debug(self):
        token = make_token(claims(sub="quiet"))
        subscriber = await self.token_subscriber(token, in_query=True)
        await subscriber.ws.send(json.dumps({"msg": "shh"}))
        self.assertEqual(await subscriber.next_frame(), {"name": "quiet", "msg": "shh"})
        for bad in (token + "x", make_token(claims(ttl=-5))):
            reply = await asyncio.to_thread(self.publish, bad)
            self.assertEqual(reply.status, 401, reply)
        await subscriber.close()
        await asyncio.to_thread(self.daemon.stop)
        logs = self.daemon.stdout_seen + self.daemon.stderr_text()
        signature = token.rsplit(".", 1)[1]
        self.assertNotIn(signature, logs)
        self.assertNotIn(token.split(".")[1], logs)


class ExpiryTest(TokenCase):
    async def test_an_open_socket_is_closed_when_its_token_expires(self):
        subscriber = await self.token_subscriber(make_token(claims(ttl=2)))
        code, reason = await subscriber.closed(timeout=15)
        self.assertEqual((code, reason), (1008, "token expired"))

    async def test_a_fresh_token_keeps_the_socket_open_past_the_first_expiry(self):
        first_expiry = int(time.time()) + 2
        subscriber = await self.token_subscriber(make_token(claims(ttl=None, exp=first_expiry)))
        await subscriber.ws.send(json.dumps({"token": make_token(claims(sub="mallory", ttl=60))}))
        self.assertIn("another subject", (await subscriber.next_frame())["error"])
        await subscriber.ws.send(json.dumps({"token": make_token(claims(ttl=-1))}))
        self.assertIn("expired", (await subscriber.next_frame())["error"])
        await subscriber.ws.send(json.dumps({"token": make_token(claims(ttl=None, exp=first_expiry + 3))}))
        self.assertEqual(await subscriber.next_frame(), {"token": "accepted"})
        code, reason = await subscriber.closed(timeout=15)
        self.assertEqual((code, reason), (1008, "token expired"))
        # Closed by the fresh token's expiry, not the first one's.
        self.assertGreaterEqual(time.time(), first_expiry + 2)


class PublicKeyTest(TokenCase):
    """RS256 and ES256: the daemon holds only the public key; spread-token signs."""

    def make_keys(self, kind):
        private = os.path.join(self._keys.name, kind + ".pem")
        public = os.path.join(self._keys.name, kind + ".pub.pem")
        generate = (["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] if kind == "rsa"
                    else ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        subprocess.run(generate + ["-out", private], check=True, capture_output=True, timeout=60)
        subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True,
                       capture_output=True, timeout=60)
        return private, public

    async def check_public_key(self, kind):
        private, public = await asyncio.to_thread(self.make_keys, kind)
        await asyncio.to_thread(self.daemon.stop)
        self.daemon = type(self.daemon)(dict(self.overrides, **{
            "auth.jwt.hmacSecretFile": None, "auth.jwt.publicKeyFile": public}))
        self.addCleanup(self.daemon.close)
        await asyncio.to_thread(self.daemon.start)
        minted = subprocess.run([os.environ["SPREAD_TOKEN"], "--sub", "keyholder", "--subscribe", "*",
                                 "--publish", "chat", "--private-key", private],
                                check=True, capture_output=True, text=True, timeout=30).stdout.strip()
        listener = await self.token_subscriber(minted)
        reply = await asyncio.to_thread(self.publish, minted, {"msg": kind})
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(await listener.next_frame(), {"name": "keyholder", "msg": kind})
        # An HS256 token is not accepted by a server that holds only a public key.
        reply = await asyncio.to_thread(self.publish, make_token(claims()))
        self.assertEqual(reply.status, 401, reply)
        self.assertIn("HS256 is not accepted", reply.json()["error"])

    async def test_rs256(self):
        await self.check_public_key("rsa")

    async def test_es256(self):
        await self.check_public_key("ec")


@unittest.skipUnless(os.environ.get("SPREAD_BENCH"), "spread-bench is not built in this preset")
class LoadToolTest(TokenCase):
    """spread-bench carries a token (--token), both over HTTP and over WebSocket publishing."""

    def run_bench(self, *extra):
        command = [os.environ["SPREAD_BENCH"], "--url", self.daemon.http_url("/"), "--subscribers", "3",
                   "--publishers", "1", "--duration", "1", "--quiet", "--connect-timeout", "10", *extra]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    async def test_with_a_token_every_message_arrives_and_without_one_nothing_connects(self):
        token = make_token(claims(sub="bench"))
        for via in ("http", "ws"):
            done = await asyncio.to_thread(self.run_bench, "--token", token, "--publish-via", via)
            self.assertEqual(done.returncode, 0, done.stderr)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            self.assertEqual(result["subscribers_connected"], 3, result)
            self.assertGreater(result["publishes"], 0, result)
            self.assertEqual(result["deliveries"], result["publishes"] * 3, result)
        refused = await asyncio.to_thread(self.run_bench)
        self.assertNotEqual(refused.returncode, 0, refused.stdout)


if __name__ == "__main__":
    unittest.main()
