# Runs one Python end-to-end suite in cluster mode, as ctest does: `python3 cluster_suite.py
# test_history` is `SPREAD_E2E_NODES=2 python3 -m unittest -v test_history`, except that it
# exits 77 (the entries' SKIP_RETURN_CODE) when redis-server is not installed, so ctest reports
# the suite skipped rather than passed with every test skipped.
import os
import sys
import unittest

from redis_server import redis_server_installed

SKIPPED = 77


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s SUITE (a test module here, e.g. test_history)\n" % argv[0])
        return 2
    if not redis_server_installed():
        print("skipped: cluster mode needs redis-server; run scripts/install-deps.sh --with-test-clients")
        return SKIPPED
    os.environ["SPREAD_E2E_NODES"] = "2"
    program = unittest.main(module=argv[1], argv=[argv[0], "-v"], exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
