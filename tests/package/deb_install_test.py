# Proves the Debian package works as shipped: builds it with cpack from this build tree,
# installs it with apt-get, checks its configuration, serves one publish over HTTP to a
# WebSocket subscriber from the installed spreadd running as the `spread` user, verifies the
# systemd unit, then purges it and checks the machine is as it was (files, user, dpkg entry).
# Needs root; exits 77 (skipped) without root or dpkg-deb. Every wait has a deadline.
import argparse
import asyncio
import glob
import grp
import json
import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import websockets

SKIPPED = 77
PACKAGE = "spread"
# Written before the install and removed after the purge: a run that finds it was killed
# half-way, and purges what that run installed instead of refusing to run.
MARKER = "/var/lib/spread-deb-install-test.marker"
CONFIG = "/etc/spread/server.properties"
UNIT = "/lib/systemd/system/spreadd.service"
PLUGIN_DIR = "/usr/lib/spread"
STEP_TIMEOUT_S = 120  # one cpack or apt-get run
READY_TIMEOUT_S = 20
RECEIVE_TIMEOUT_S = 10
EXIT_MARGIN_S = 10  # over the shipped spread.shutdownGraceMs


class Failure(Exception):
    pass


def run(command, check=True, **options):
    """Runs `command` to its end within STEP_TIMEOUT_S; returns (status, stdout + stderr)."""
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              timeout=STEP_TIMEOUT_S, **options)
    except subprocess.TimeoutExpired:
        raise Failure("%s: still running after %d s" % (" ".join(command), STEP_TIMEOUT_S))
    output = done.stdout.decode(errors="replace")
    if check and done.returncode != 0:
        raise Failure("%s: exit status %d\n%s" % (" ".join(command), done.returncode, output))
    return done.returncode, output


def apt_get(*args):
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Another apt or dpkg run may hold the lock for a moment; wait for it, within a bound.
    return run(["apt-get", "-o", "DPkg::Lock::Timeout=60", *args], env=environment)


def package_state():
    """dpkg's status of the package ("install ok installed", ...), or None if dpkg has no entry."""
    status, output = run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], check=False)
    return output.strip() if status == 0 and output.strip() else None


def account_exists():
    try:
        pwd.getpwnam(PACKAGE)
        return True
    except KeyError:
        pass
    try:
        grp.getgrnam(PACKAGE)
        return True
    except KeyError:
        return False


def prepare_machine():
    """Purges what an aborted run of this test left; refuses to touch a package or account
    this test did not install."""
    if os.path.exists(MARKER):
        print("deb test: a previous run was interrupted; purging what it installed")
        if package_state() is not None:
            apt_get("purge", "-y", PACKAGE)
        os.remove(MARKER)
    if package_state() is not None:
        raise Failure("the package '%s' is on this machine (%s) and this test did not install it: "
                      "refusing to replace and purge it" % (PACKAGE, package_state()))
    if account_exists():
        raise Failure("a user or group '%s' exists and this test did not create it: refusing to run, "
                      "since purging the package would delete it" % PACKAGE)


def build_package(cpack, build_dir, out_dir, version):
    run([cpack, "-G", "DEB", "-B", out_dir], cwd=build_dir)
    found = glob.glob(os.path.join(out_dir, "spread_*.deb"))
    if len(found) != 1:
        raise Failure("cpack made %r in %s, not one spread_*.deb" % (found, out_dir))
    deb = found[0]
    if not re.fullmatch(r"spread_%s_[a-z0-9]+\.deb" % re.escape(version), os.path.basename(deb)):
        raise Failure("package file %s is not named spread_%s_<arch>.deb" % (os.path.basename(deb), version))
    return deb


def check_package_contents(deb, with_bench):
    _, info = run(["dpkg-deb", "-I", deb])
    _, listing = run(["dpkg-deb", "-c", deb])
    # "mode owner size date time ./path", and " -> target" after a symbolic link.
    paths = {line.split(maxsplit=5)[5].split(" -> ")[0].lstrip(".") for line in listing.splitlines() if line.strip()}
    wanted = ["/usr/bin/spreadd", "/usr/bin/spread-sim", "/usr/bin/spread-token",
              PLUGIN_DIR + "/libspread_transport_websocket.so", PLUGIN_DIR + "/libspread_transport_sse.so",
              PLUGIN_DIR + "/libspread_transport_sim.so", PLUGIN_DIR + "/libspread_engine_redis.so", CONFIG, UNIT, "/usr/include/spread/core/broker.h", "/usr/include/spread/transport/transport.h"]
    if with_bench:
        wanted.append("/usr/bin/spread-bench")
    missing = [path for path in wanted if path not in paths]
    for library in ("core", "env", "transport", "sim_control"):
        if not any(re.fullmatch(r"/usr/lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*/libspread_%s\.so\.0" % library, path)
                   for path in paths):
            missing.append("/usr/lib/<multiarch>/libspread_%s.so.0" % library)
    if not any(re.fullmatch(r"/usr/lib/[^/]+/cmake/spread/spreadConfig\.cmake", path) for path in paths):
        missing.append("/usr/lib/<multiarch>/cmake/spread/spreadConfig.cmake")
    if missing:
        raise Failure("the package lacks %s\n%s" % (", ".join(missing), listing))
    # The test-only plugins and programs stay out.
    unwanted = [path for path in paths if re.search(r"fake|wrongabi|noentry|_tests?$|micro_bench", path)]
    if unwanted:
        raise Failure("the package has test-only files: %s" % ", ".join(sorted(unwanted)))
    depends = re.search(r"^ Depends: (.*)$", info, re.MULTILINE)
    if not depends:
        raise Failure("the package has no Depends\n%s" % info)
    # Computed by dpkg-shlibdeps from the binaries, not listed by hand.
    for needed in ("adduser", "libpoco", "libssl3", "libstdc++6"):
        if needed not in depends.group(1):
            raise Failure("Depends lacks %s: %s" % (needed, depends.group(1)))
    for script in ("postinst", "postrm", "conffiles"):
        if not re.search(r"^\s+\d+ bytes,\s+\d+ lines\s+\*?\s*%s\b" % script, info, re.MULTILINE):
            raise Failure("the package has no %s\n%s" % (script, info))


def check_no_runpath(paths):
    """Installed binaries find the libraries on the default path, not through a build tree."""
    for path in paths:
        _, dynamic = run(["readelf", "-d", path])
        if "RPATH" in dynamic or "RUNPATH" in dynamic:
            raise Failure("%s has a runpath:\n%s" % (path, dynamic))


class InstalledDaemon:
    """The installed /usr/bin/spreadd, run as the `spread` user on a copy of the shipped
    configuration with only the address changed (127.0.0.1, any free port)."""

    def __init__(self, directory):
        os.makedirs(directory)
        self.config = os.path.join(directory, "server.properties")
        with open(CONFIG) as shipped, open(self.config, "w") as copy:
            copy.write(shipped.read())
            # A key given twice: the later one counts.
            copy.write("\ntransport.websocket.host = 127.0.0.1\ntransport.websocket.port = 0\n")
        os.chmod(directory, 0o755)
        os.chmod(self.config, 0o644)
        self.output = ""
        self.process = subprocess.Popen(["/usr/bin/spreadd", "--config", self.config], user=PACKAGE, group=PACKAGE,
                                        extra_groups=[], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)

    def wait_for_line(self, prefix, timeout_s):
        deadline = time.monotonic() + timeout_s
        scanned = 0
        while True:
            lines = self.output.split("\n")
            for line in lines[scanned:-1]:
                if line.startswith(prefix):
                    return line
            scanned = max(len(lines) - 1, 0)
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("no %r line from spreadd within %d s; output:\n%s" % (prefix, timeout_s, self.output))
            readable, _, _ = select.select([self.process.stdout], [], [], left)
            if not readable:
                continue
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.process.wait(timeout=EXIT_MARGIN_S)
                raise Failure("spreadd exited (%s) before printing %r; output:\n%s"
                              % (self.process.returncode, prefix, self.output))
            self.output += chunk.decode(errors="replace")

    def user_id(self):
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
        raise Failure("no Uid line for spreadd's process")

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def publish_once(port):
    """Subscribes over WebSocket, proves the subscription is in place with a probe the
    subscriber publishes itself, then publishes over HTTP and awaits that message."""
    url = "ws://127.0.0.1:%d/subscribe" % port
    async with websockets.connect(url, ping_interval=None, close_timeout=5, open_timeout=RECEIVE_TIMEOUT_S) as ws:
        async def frame_with(msg):
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))
                if frame.get("msg") == msg:
                    return frame

        probe = uuid.uuid4().hex
        await ws.send(json.dumps({"name": "probe", "msg": probe}))
        await frame_with(probe)
        message = uuid.uuid4().hex
        request = urllib.request.Request("http://127.0.0.1:%d/publish" % port, method="POST",
                                         data=json.dumps({"name": "deb", "msg": message}).encode(),
                                         headers={"Content-Type": "application/json"})
        answer = await asyncio.to_thread(urllib.request.urlopen, request, timeout=RECEIVE_TIMEOUT_S)
        if answer.status // 100 != 2:
            raise Failure("POST /publish answered %d" % answer.status)
        frame = await frame_with(message)
        if frame.get("name") != "deb":
            raise Failure("the subscriber got %r for the HTTP publish" % frame)


def serve_as_the_service_user(work_dir):
    daemon = InstalledDaemon(os.path.join(work_dir, "run"))
    try:
        listening = daemon.wait_for_line("spreadd: listening websocket ", READY_TIMEOUT_S)
        daemon.wait_for_line("spreadd: ready", READY_TIMEOUT_S)
        match = re.fullmatch(r"spreadd: listening websocket http://127\.0\.0\.1:(\d+)/", listening)
        if not match:
            raise Failure("unexpected listening line %r" % listening)
        if daemon.user_id() != pwd.getpwnam(PACKAGE).pw_uid:
            raise Failure("spreadd does not run as the %s user" % PACKAGE)
        asyncio.run(publish_once(int(match.group(1))))
        daemon.process.send_signal(signal.SIGTERM)
        daemon.wait_for_line("spreadd: stopped", 5 + EXIT_MARGIN_S)
        status = daemon.process.wait(timeout=EXIT_MARGIN_S)
        if status != 0:
            raise Failure("spreadd exited %d after SIGTERM; output:\n%s" % (status, daemon.output))
    finally:
        daemon.kill()


def verify_unit():
    if shutil.which("systemd-analyze") is None:
        print("deb test: systemd-analyze is missing; not verifying %s" % UNIT)
        return
    status, output = run(["systemd-analyze", "verify", UNIT], check=False)
    # Complaints about other units on the machine are not this package's concern.
    ours = [line for line in output.splitlines() if "spreadd" in line]
    if status != 0 or ours:
        raise Failure("systemd-analyze verify %s: status %d\n%s" % (UNIT, status, output))
    with open(UNIT) as unit:
        text = unit.read()
    for line in ("Type=exec", "User=spread", "ExecStart=/usr/bin/spreadd --config " + CONFIG,
                 "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "Restart=on-failure",
                 "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
        if line not in text.splitlines():
            raise Failure("%s lacks the line %r" % (UNIT, line))
    # One descriptor per connection, and some to spare, under the shipped connection limit.
    with open(CONFIG) as config:
        connections = re.search(r"^transport\.websocket\.connectionsMax\s*[=:]\s*(\d+)\s*$", config.read(),
                                re.MULTILINE)
    files = re.search(r"^LimitNOFILE=(\d+)$", text, re.MULTILINE)
    if not connections or not files or int(files.group(1)) < int(connections.group(1)) + 64:
        raise Failure("LimitNOFILE (%s) does not fit transport.websocket.connectionsMax (%s)"
                      % (files and files.group(1), connections and connections.group(1)))


def check_installed():
    _, output = run(["/usr/bin/spreadd", "--check-config", "--config", CONFIG])
    if "configuration OK (%s)" % CONFIG not in output:
        raise Failure("spreadd --check-config on the shipped configuration said:\n%s" % output)
    _, conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", PACKAGE])
    if not re.search(r"^ %s [0-9a-f]{32}$" % re.escape(CONFIG), conffiles, re.MULTILINE):
        raise Failure("%s is not a conffile of the package: %r" % (CONFIG, conffiles))
    user = pwd.getpwnam(PACKAGE)
    if user.pw_uid >= 1000 or not user.pw_shell.endswith("nologin"):
        raise Failure("the %s user is not a system user without a login: %r" % (PACKAGE, user))


def check_purged():
    left = [path for path in ("/usr/bin/spreadd", "/usr/bin/spread-sim", PLUGIN_DIR, "/etc/spread", UNIT)
            if os.path.lexists(path)]
    left += glob.glob("/usr/lib/*/libspread_*") + glob.glob("/usr/lib/*/cmake/spread")
    if left:
        raise Failure("purging left %s" % ", ".join(left))
    if account_exists():
        raise Failure("purging left the %s user or group" % PACKAGE)
    if package_state() is not None:
        raise Failure("dpkg still lists %s after the purge: %s" % (PACKAGE, package_state()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--cpack", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--with-bench", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("deb test: SKIPPED: installing a package needs root")
        return SKIPPED
    if shutil.which("dpkg-deb") is None or shutil.which("apt-get") is None:
        print("deb test: SKIPPED: dpkg-deb or apt-get is missing (not a Debian system?)")
        return SKIPPED
    started = time.monotonic()
    prepare_machine()
    with tempfile.TemporaryDirectory(prefix="spread-deb-") as work_dir:
        # apt reads the .deb as its unprivileged _apt user.
        os.chmod(work_dir, 0o755)
        deb = build_package(args.cpack, args.build_dir, work_dir, args.version)
        os.chmod(deb, 0o644)
        check_package_contents(deb, args.with_bench)
        print("deb test: built %s (%.0f s)" % (os.path.basename(deb), time.monotonic() - started))
        with open(MARKER, "w") as marker:
            marker.write("installed by tests/package/deb_install_test.py\n")
        try:
            apt_get("install", "-y", "--no-install-recommends", deb)
            check_installed()
            check_no_runpath(["/usr/bin/spreadd", PLUGIN_DIR + "/libspread_transport_websocket.so"])
            _, version = run(["/usr/bin/spreadd", "--version"])
            if not version.startswith("spreadd %s (" % args.version):
                raise Failure("the installed spreadd --version says %r" % version)
            serve_as_the_service_user(work_dir)
            verify_unit()
        finally:
            apt_get("purge", "-y", PACKAGE)
            os.remove(MARKER)
        check_purged()
    print("deb test: installed, served a publish as the %s user, purged (%.0f s)"
          % (PACKAGE, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as failure:
        print("deb test: FAILED: %s" % failure)
        sys.exit(1)
