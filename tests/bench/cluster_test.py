#!/usr/bin/python3
"""bench/cluster's own logic, without running servers: the two-column table with its ratio
two nodes / one node and its load-ceiling mark, the note when two nodes dropped subscribers,
the cost per further following node, and the figure it derives (nodes' + Redis' CPU)."""
import importlib.machinery
import importlib.util
import io
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))  # bench/cluster imports cluster_resume from there


def load_cluster():
    loader = importlib.machinery.SourceFileLoader("cluster", os.path.join(ROOT, "bench", "cluster"))
    spec = importlib.util.spec_from_loader("cluster", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


cluster = load_cluster()
FIGURES = [("deliveries_per_s", "deliveries/s", "", "higher"), ("lost", "lost", "", "lower")]


class TableTest(unittest.TestCase):
    def table(self, one, two):
        out = io.StringIO()
        cluster.print_table("load", FIGURES, {"one node": one, "two nodes": two}, out)
        return out.getvalue()

    def row(self, text, label):
        return next(line for line in text.splitlines() if line.startswith(label))

    def test_medians_ranges_and_the_ratio_two_over_one(self):
        text = self.table([{"deliveries_per_s": v} for v in (100.0, 120.0, 80.0)],
                          [{"deliveries_per_s": v} for v in (150.0, 90.0, 200.0)])
        self.assertEqual(self.row(text, "deliveries/s").split(),
                         ["deliveries/s", "100", "[80.0-120]", "150", "[90.0-200]", "1.50"])
        self.assertNotIn("note:", text)

    def test_a_throughput_limited_by_spread_bench_is_a_lower_bound(self):
        text = self.table([{"deliveries_per_s": 100.0, "bench_cpu_percent": 95}],
                          [{"deliveries_per_s": 100.0, "bench_cpu_percent": 50}])
        row = self.row(text, "deliveries/s")
        self.assertIn("≥ 100", row)
        self.assertEqual(row.count("≥"), 1)

    def test_subscribers_dropped_on_two_nodes_come_with_the_reason(self):
        text = self.table([{"subscribers_dropped": 0}], [{"subscribers_dropped": 7}, {"subscribers_dropped": 3}])
        self.assertIn("note: two nodes: 10 subscribers dropped as too slow (1008)", text)

    def test_no_ratio_without_both_medians(self):
        text = self.table([{"lost": 0}], [{"lost": 5}])
        self.assertEqual(self.row(text, "lost").split()[-1], "-")


class FollowersTest(unittest.TestCase):
    def test_cost_per_further_node_is_half_the_step_from_one_to_three(self):
        class Args:
            follower_rate = 3000
            subscribers = 1000
            runs = 1
        out = io.StringIO()
        runs = {1: [{"redis_cpu_us_per_publish": 50.0}], 2: [{"redis_cpu_us_per_publish": 55.0}],
                3: [{"redis_cpu_us_per_publish": 58.0}]}
        cluster.print_followers(runs, Args, out)
        self.assertIn("each further node, (3 - 1) / 2 (us)", out.getvalue())
        self.assertEqual(out.getvalue().splitlines()[-1].split()[-1], "4")
        self.assertIn("to 100 subscribers on A", out.getvalue())


class DerivedTest(unittest.TestCase):
    def test_total_cpu_per_delivery_adds_redis_to_the_nodes(self):
        class Done:
            returncode = 0
            stdout = '{"server_cpu_us_per_delivery": 2.0, "redis_cpu_us_per_delivery": 0.5}\n'
            stderr = ""
        real_run = cluster.subprocess.run
        cluster.subprocess.run = lambda *args, **kwargs: Done
        try:
            two = cluster.run_bench("/bin/true", [], "x")
            Done.stdout = '{"server_cpu_us_per_delivery": 2.0}\n'
            one = cluster.run_bench("/bin/true", [], "x")
        finally:
            cluster.subprocess.run = real_run
        self.assertEqual(two["total_cpu_us_per_delivery"], 2.5)
        self.assertEqual(one["total_cpu_us_per_delivery"], 2.0)


if __name__ == "__main__":
    unittest.main()
