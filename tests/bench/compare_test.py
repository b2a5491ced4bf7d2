#!/usr/bin/python3
"""bench/compare's own logic, without running servers: its table with a column and a ratio
per server, the figures it derives, and how it refuses a uWebSockets peer it cannot build."""
import importlib.machinery
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPARE = os.path.join(ROOT, "bench", "compare")


def load_compare():
    loader = importlib.machinery.SourceFileLoader("compare", COMPARE)
    spec = importlib.util.spec_from_loader("compare", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


compare = load_compare()


def run_compare(*args):
    return subprocess.run([sys.executable, COMPARE, "--bench", "/bin/true", "--skip-npm"] + list(args),
                          capture_output=True, text=True, timeout=60)


class TableTest(unittest.TestCase):
    def test_each_server_has_a_column_and_the_first_a_ratio_against_each_other(self):
        results = {
            "spread": [{"deliveries_per_s": 300.0}, {"deliveries_per_s": 330.0}, {"deliveries_per_s": 270.0}],
            "peer": [{"deliveries_per_s": 100.0}] * 3,
            "uws": [{"deliveries_per_s": 150.0}] * 3,
        }
        out = io.StringIO()
        compare.print_table("fanout", [("deliveries_per_s", "deliveries/s", 1, "", "higher")], results,
                            ("spread", "peer", "uws"), 3, out)
        header, _, row = out.getvalue().strip().splitlines()[1:4]
        self.assertIn("spread/peer", header)
        self.assertIn("spread/uws", header)
        self.assertIn("300 [270-330]", row)
        self.assertEqual(row.split()[-2:], ["3.00", "2.00"])

    def test_a_throughput_at_the_load_tools_ceiling_is_a_lower_bound(self):
        results = {"spread": [{"publishes_per_s": 500.0, "bench_cpu_percent": 95.0}],
                   "peer": [{"publishes_per_s": 400.0, "bench_cpu_percent": 50.0}]}
        out = io.StringIO()
        compare.print_table("publish", [("publishes_per_s", "publishes/s", 1, "", "higher")], results,
                            ("spread", "peer"), 1, out)
        row = out.getvalue().strip().splitlines()[-1]
        self.assertIn("≥ 500", row)
        self.assertNotIn("≥ 400", row)


class DeriveTest(unittest.TestCase):
    def test_cpu_per_connection_is_the_idle_runs_cpu_over_the_connections(self):
        result = compare.derive({"server_cpu_s": 0.25, "subscribers_connected": 10000})
        self.assertAlmostEqual(result["server_cpu_us_per_connection"], 25.0)

    def test_nothing_is_derived_without_connections(self):
        self.assertNotIn("server_cpu_us_per_connection",
                         compare.derive({"server_cpu_s": 0.25, "subscribers_connected": 0}))


class UwsPeerTest(unittest.TestCase):
    def test_one_checkout_without_the_other_is_refused(self):
        done = run_compare("--uws-dir", "/nonexistent")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("--uws-dir and --usockets-dir go together", done.stderr)

    def test_a_directory_that_is_not_a_checkout_is_named(self):
        with tempfile.TemporaryDirectory() as empty:
            with self.assertRaises(RuntimeError) as raised:
                compare.build_uws_peer(empty, empty, os.path.join(empty, "out"))
            self.assertIn(empty + " has no src/App.h", str(raised.exception))
            self.assertIn("uWebSockets", str(raised.exception))

    def test_a_failed_build_reports_the_command_and_the_compilers_words(self):
        with tempfile.TemporaryDirectory() as fake:
            os.makedirs(os.path.join(fake, "uws", "src"))
            os.makedirs(os.path.join(fake, "us", "src"))
            open(os.path.join(fake, "uws", "src", "App.h"), "w").close()
            with open(os.path.join(fake, "us", "src", "libusockets.h"), "w") as header:
                header.write("#error not a real uSockets\n")
            with self.assertRaises(RuntimeError) as raised:
                compare.build_uws_peer(os.path.join(fake, "uws"), os.path.join(fake, "us"), os.path.join(fake, "out"))
            self.assertIn("building the uWebSockets peer failed", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
