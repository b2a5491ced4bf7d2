#!/usr/bin/python3
# Smoke test of bench/cluster: runs it with tiny loads (one run, a second of publishing, a few
# subscribers, a drain long enough for a sanitized build) against this build's spreadd and a
# real redis-server, and checks that it prints every figure for both setups, that the runs of
# both setups lost and dropped nothing and delivered publishes x subscribers, that Redis' cost
# was read with 1, 2 and 3 following nodes, and that every resumed subscriber got its missed
# messages once.
# Exits 77 (skipped) if redis-server is not installed.
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
CANDIDATES = ("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server")
SUBSCRIBERS = 5
RESUME_SUBSCRIBERS = 4
RESUME_MESSAGES = 6


def fail(message):
    print("cluster_smoke: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cluster", required=True, help="path of bench/cluster")
    parser.add_argument("--spreadd", required=True)
    parser.add_argument("--bench", required=True, help="path of spread-bench")
    args = parser.parse_args()

    redis = os.environ.get("SPREAD_REDIS_SERVER") or shutil.which("redis-server") or next(
        (path for path in CANDIDATES if os.access(path, os.X_OK)), None)
    if redis is None:
        print("cluster_smoke: SKIP: redis-server is not installed (scripts/install-deps.sh --with-test-clients)",
              file=sys.stderr)
        return SKIP

    with tempfile.TemporaryDirectory(prefix="cluster-smoke-") as work:
        results_path = os.path.join(work, "results.jsonl")
        command = [args.cluster, "--runs", "1", "--spreadd", args.spreadd, "--bench", args.bench,
                   "--redis-server", redis, "--subscribers", str(SUBSCRIBERS), "--publishers", "2",
                   "--duration", "1", "--drain-timeout", "10", "--rate", "200", "--follower-rate", "200",
                   "--resume-subscribers", str(RESUME_SUBSCRIBERS), "--resume-messages", str(RESUME_MESSAGES),
                   "--results", results_path]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            fail("bench/cluster exited %d\nstdout:\n%s\nstderr:\n%s" % (done.returncode, done.stdout, done.stderr))
        with open(results_path) as results_file:
            results = [json.loads(line) for line in results_file if line.strip()]

    for heading in ("== fan-out, flat out", "== fan-out at a fixed rate", "== Redis CPU per message by nodes",
                    "== resume after a node restart"):
        if heading not in done.stdout:
            fail("no %r table in:\n%s" % (heading, done.stdout))
    for row in ("deliveries/s", "CPU/delivery, nodes", "CPU/delivery, Redis", "CPU/delivery, total",
                "Redis CPU/message", "latency p99", "spread-bench CPU", "until every subscriber has them",
                "share the cores"):
        if row not in done.stdout:
            fail("no %r row in:\n%s" % (row, done.stdout))

    loads = [r for r in results if "setup" in r]
    if sorted((r["label"].split("/")[0], r["setup"]) for r in loads) != sorted(
            (load, setup) for load in ("fan-out, flat out", "fan-out at a fixed rate")
            for setup in ("one node", "two nodes")):
        fail("expected one run of each load and setup, got %s" % [r["label"] for r in loads])
    for result in loads:
        name = result["label"]
        for key, want in (("subscribers_connected", SUBSCRIBERS), ("lost", 0), ("duplicates", 0), ("reorders", 0),
                          ("subscribers_dropped", 0), ("publish_errors", 0)):
            if result.get(key) != want:
                fail("%s: %s is %r, expected %r: %s" % (name, key, result.get(key), want, json.dumps(result)))
        if result["publishes"] <= 0 or result["deliveries"] != result["publishes"] * SUBSCRIBERS:
            fail("%s: deliveries %d != publishes %d x %d subscribers"
                 % (name, result["deliveries"], result["publishes"], SUBSCRIBERS))
        if result["setup"] == "two nodes":
            if len(result.get("server_pids", [])) != 2 or "redis_cpu_s" not in result:
                fail("%s: two nodes' pids or Redis' CPU missing: %s" % (name, json.dumps(result)))
        elif "redis_cpu_s" in result or len(result.get("server_pids", [])) != 1:
            fail("%s: one node reported Redis or several pids: %s" % (name, json.dumps(result)))
    following = sorted((r for r in results if "followers" in r), key=lambda r: r["followers"])
    if [r["followers"] for r in following] != [1, 2, 3]:
        fail("expected runs with 1, 2 and 3 following nodes, got %r" % [r.get("followers") for r in following])
    for result in following:
        if result["lost"] != 0 or result["publishes"] <= 0 or "redis_cpu_us_per_publish" not in result:
            fail("%s: %s" % (result["label"], json.dumps(result)))
    resumes = [r for r in results if r.get("label", "").startswith("resume/")]
    if len(resumes) != 1:
        fail("expected one resume measurement, got %r" % resumes)
    resume = resumes[0]
    if (resume["subscribers"], resume["missing"], resume["duplicates"]) != (RESUME_SUBSCRIBERS, 0, 0):
        fail("resume: %s" % json.dumps(resume))
    if not 0 < resume["listening_s"] <= resume["caught_up_s"]:
        fail("resume: restart-to-listening %.3f s should be positive and at most restart-to-caught-up %.3f s"
             % (resume["listening_s"], resume["caught_up_s"]))
    print("cluster_smoke: ok: %s; resume %.3f s" % (
        ", ".join("%s %.0f deliveries/s" % (r["label"], r["deliveries_per_s"]) for r in loads),
        resume["caught_up_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
