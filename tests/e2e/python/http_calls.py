# Plain HTTP calls to spreadd through the standard library's urllib, for the end-to-end tests:
# one request and its whole answer (status, headers, body), with error statuses returned
# rather than raised, and a reader for the Prometheus text of GET /metrics.
import json
import re
import urllib.error
import urllib.request

TIMEOUT_S = 10


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return "HTTP %d %r" % (self.status, self.body[:300])


def call(method, url, body=None, headers=None):
    """A body goes as application/json unless `headers` names another Content-Type."""
    data = body.encode() if isinstance(body, str) else body
    fields = {"Content-Type": "application/json"} if data is not None else {}
    fields.update(headers or {})
    request = urllib.request.Request(url, data=data, method=method, headers=fields)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return Reply(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return Reply(refused.code, refused.headers, refused.read())


def publish(daemon, name, msg, topic=None):
    """POST /publish to `daemon`, or to the node it names as its publisher (in cluster mode)."""
    path = "/publish" + ("?topic=" + topic if topic else "")
    target = daemon.publisher or daemon
    return call("POST", target.http_url(path), json.dumps({"name": name, "msg": msg}),
                {"Content-Type": "application/json"})


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def metrics(daemon):
    """GET /metrics as {"name{labels}": value}; raises unless it is 200 and every sample parses."""
    reply = call("GET", daemon.http_url("/metrics"))
    if reply.status != 200:
        raise AssertionError("GET /metrics: %r" % reply)
    samples = {}
    for line in reply.body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            raise AssertionError("GET /metrics: line is not a Prometheus sample: %r" % line)
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples
