#!/usr/bin/python3
# Soak test: a thousand client slots living random lives against the real spreadd. Starts
# spreadd on 127.0.0.1 port 0 with the soak's config, runs `spread-bench churn` for 30 s after
# a warm-up (good readers, stallers, vanishers, ping flooders and half-open handshakers while
# publishers publish), and requires its verdict to
# pass: the server's RSS, descriptors and threads back near the baseline, no good reader missing
# or repeating a message, nearly every good reader served to its clean close. Then spreadd must
# still shut down cleanly on SIGTERM.
import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "python"))
from spreadd_harness import Daemon, DaemonError  # noqa: E402

# --- The soak, in one place -------------------------------------------------------------------
# spreadd's keys for the soak, on top of the e2e harness's (which lift the limits per address
# and the publish rates: every client comes from 127.0.0.1). The send window is kept small so
# that a staller is dropped within seconds (its backlog then fits in the run), and the head's
# deadline short so that a half-open handshaker is cut off within its life.
SOAK_CONFIG = {
    "transport.websocket.connectionsMax": "10000",
    "transport.websocket.headerTimeoutMs": "1000",
    "session.sendWindowBytes": "16384",
}
# spreadd runs with one malloc arena and fixed trim and mmap thresholds, so that memory it
# frees goes back to the system and RSS follows what it holds. With glibc's defaults (an
# arena per thread, thresholds that rise after big frees) the RSS after a 25 s run heavy in
# stallers came out anywhere from 2% below to 40% above its baseline, while four such runs in
# a row on one server with one arena stayed within 2% of each other: memory the allocator
# keeps in reserve, not a leak, and noise far above the verdict's 5%.
SPREADD_MALLOC = "glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=131072"
# Half-open handshakers held one of Poco's 4 HTTP threads each for 10 s, and ping flooders'
# pongs piled up in the server, until the request head got its deadline on the epoll loops
# and pongs were coalesced; both are in the mix since. The warm-up is twice the longest life (--stall-max), so that the mix of lives in progress
# has reached its steady state before the baseline is taken.
MIX = "good=50,staller=12,vanisher=20,flooder=6,halfopen=12"
CHURN_ARGS = [
    "--clients", "1000", "--duration", "30", "--warmup", "16",
    "--publishers", "4", "--topics", "2", "--rate", "400",
    "--life-max", "4", "--stall-min", "3", "--stall-max", "8",
    "--mix", MIX, "--seed", "1", "--status", "off",
]
# Under ThreadSanitizer (ctest --preset tsan sets TSAN_OPTIONS, which spreadd inherits) the
# server runs several times slower and every byte it touches has shadow memory in RSS, which
# is not given back. The full soak then saturates it (1,000 clients at 400 messages/s: good
# readers' messages still queued after the 5 s the ledger waits) and its RSS grows 30% with
# the shadow of the new high-water mark. There the soak has a fifth of the clients (so a fifth
# of the deliveries; the rate stays, so that stallers still overflow and are dropped), still
# every kind of life, with RSS allowed to grow by half: what TSan is run for here
# is the races between joins, drops and leaves, not the memory figure.
if "TSAN_OPTIONS" in os.environ:
    CHURN_ARGS[CHURN_ARGS.index("--clients") + 1] = "200"
    CHURN_ARGS += ["--rss-slack", "50"]
# -------------------------------------------------------------------------------------------


def fail(message):
    print("churn_soak: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def raise_descriptor_limit(needed):
    """spreadd and spread-bench each hold one descriptor per client; spreadd inherits ours."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        fail("the descriptor hard limit is %d; the soak needs %d (ulimit -Hn)" % (hard, needed))
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True, help="path of spread-bench")
    args = parser.parse_args()
    clients = int(CHURN_ARGS[CHURN_ARGS.index("--clients") + 1])
    raise_descriptor_limit(clients + 256)

    started = time.monotonic()
    bench_env = dict(os.environ)
    os.environ["GLIBC_TUNABLES"] = SPREADD_MALLOC  # for spreadd, which inherits our environment
    daemon = Daemon(SOAK_CONFIG)
    try:
        daemon.start()
        command = [args.bench, "churn", "--url", daemon.url, "--server-pid", str(daemon.process.pid)] + CHURN_ARGS
        budget_s = float(CHURN_ARGS[CHURN_ARGS.index("--duration") + 1]) + \
            float(CHURN_ARGS[CHURN_ARGS.index("--warmup") + 1]) + 60
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=budget_s, env=bench_env)
        except subprocess.TimeoutExpired:
            fail("spread-bench churn did not finish within %.0f s" % budget_s)
        sys.stderr.write(done.stderr)
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if len(lines) != 1:
            fail("expected one JSON line from spread-bench churn (exit %d), got %r" % (done.returncode, done.stdout))
        result = json.loads(lines[0])
        if done.returncode != 0 or not result["pass"]:
            fail("the verdict failed (exit %d): %s" % (done.returncode, "; ".join(result["failures"])))
        # The run must have exercised what it claims to: every kind in the mix lived, and the
        # server dropped at least one staller (with 1008, or by closing a socket it could not
        # write the close frame to).
        for kind in [item.split("=")[0] for item in MIX.split(",")]:
            if result["lives_by_kind"][kind] == 0:
                fail("no %s life was lived: %s" % (kind, json.dumps(result["lives_by_kind"])))
        staller = result["outcomes"]["staller"]
        if staller.get("closed 1008", 0) + staller.get("eof", 0) + staller.get("reset", 0) == 0:
            fail("the server dropped no staller: %s" % json.dumps(staller))
        daemon.stop()
        print("churn_soak: ok: %d lives, %d good readers judged, %d messages owed and delivered; "
              "spreadd stopped cleanly; %.0f s in all"
              % (result["lives"], result["readers_judged"], result["owed"], time.monotonic() - started))
    except DaemonError as error:
        fail(str(error))
    finally:
        daemon.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
