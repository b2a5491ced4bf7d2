# The Grafana dashboard (etc/grafana/spread.json) and the Prometheus alert rules
# (etc/prometheus/alerts.yml) are well formed, and every metric they query is one the real
# spreadd exposes on /metrics after a publish and a delivery: a renamed or misspelt series
# fails here, naming the file, the panel or alert, and the series. promtool checks the rules
# too when it is installed.
import asyncio
import json
import os
import re
import shutil
import subprocess
import unittest

import yaml

from e2e_case import DaemonTestCase
from http_calls import call, publish
from promql_names import histogram_base, label_names, metric_names, template_metric_names

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DASHBOARD = os.path.join(ROOT, "etc", "grafana", "spread.json")
ALERTS = os.path.join(ROOT, "etc", "prometheus", "alerts.yml")
# Where install-deps puts it, or one on PATH.
PROMTOOL = next((path for path in (os.path.join(ROOT, "build", "tools", "promtool"), shutil.which("promtool"))
                 if path and os.access(path, os.X_OK)), None)
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"instance", "job"}
DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")
SEVERITIES = {"critical", "warning", "info"}


def dashboard_queries():
    """(where, expr) for every panel target and every variable query of the dashboard."""
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    queries = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            queries.append(("%s: panel %r" % (DASHBOARD, panel["title"]), target["expr"]))
    return dashboard, queries


def alert_rules():
    with open(ALERTS) as f:
        return yaml.safe_load(f)


class PromqlNamesTest(unittest.TestCase):
    def test_names_are_found_and_functions_labels_and_variables_are_not(self):
        self.assertEqual(metric_names('histogram_quantile(0.99, sum by (instance, le) '
                                      '(rate(spread_publish_to_write_seconds_bucket{instance=~"$instance"}'
                                      '[$__rate_interval]))) > 0.1'),
                         {"spread_publish_to_write_seconds_bucket"})
        self.assertEqual(metric_names('up{job="spread"} == 0'), set())
        self.assertEqual(metric_names("rate(a_total[5m]) / on (instance) group_left b_total offset 1h * 1e3"),
                         {"a_total", "b_total"})
        self.assertEqual(label_names("sum by (reason) (x) / ignoring(le, key) y"), {"reason", "le", "key"})
        self.assertEqual(template_metric_names('label_values(spread_connections{job=~"$job"}, instance)'),
                         {"spread_connections"})
        self.assertEqual(histogram_base("x_seconds_bucket"), "x_seconds")
        self.assertIsNone(histogram_base("x_total"))


class MonitoringFilesAreWellFormedTest(unittest.TestCase):
    def test_the_dashboard_is_a_grafana_dashboard_on_a_prometheus_data_source_variable(self):
        dashboard, queries = dashboard_queries()
        self.assertGreaterEqual(dashboard["schemaVersion"], 36)
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        ids = [panel["id"] for panel in dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        for panel in dashboard["panels"]:
            self.assertEqual(panel["datasource"]["uid"], "${datasource}", panel["title"])
            self.assertEqual(set(panel["gridPos"]), {"x", "y", "w", "h"}, panel["title"])
            self.assertTrue(panel["targets"], panel["title"])
        self.assertTrue(queries)

    def test_the_alert_rules_have_an_expression_a_duration_a_severity_and_words(self):
        rules = [rule for group in alert_rules()["groups"] for rule in group["rules"]]
        self.assertGreaterEqual(len(rules), 4)
        for rule in rules:
            where = "%s: alert %r" % (ALERTS, rule.get("alert"))
            self.assertRegex(rule["alert"], r"^[A-Z][A-Za-z0-9]+$", where)
            self.assertTrue(rule["expr"].strip(), where)
            self.assertRegex(str(rule["for"]), DURATION, where)
            self.assertIn(rule["labels"]["severity"], SEVERITIES, where)
            self.assertTrue(rule["annotations"]["summary"].strip(), where)
            self.assertTrue(rule["annotations"]["description"].strip(), where)
        self.assertIn("SpreadDown", {rule["alert"] for rule in rules})

    @unittest.skipUnless(PROMTOOL, "no promtool: scripts/install-deps.sh --with-test-clients puts one in build/tools")
    def test_promtool_accepts_the_rules(self):
        checked = subprocess.run([PROMTOOL, "check", "rules", ALERTS], capture_output=True, text=True, timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)


class MonitoringFilesQueryRealSeriesTest(DaemonTestCase):
    async def scrape(self):
        reply = await asyncio.to_thread(call, "GET", self.daemon.http_url("/metrics"))
        self.assertEqual(reply.status, 200, reply)
        samples, labels, histograms = set(), set(), set()
        for line in reply.body.decode().splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                if kind == "histogram":
                    histograms.add(name)
            elif line and not line.startswith("#"):
                head = line.rsplit(" ", 1)[0]
                samples.add(head.split("{", 1)[0])
                labels.update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', head))
        return samples, labels, histograms

    async def test_every_series_the_dashboard_and_the_alerts_read_is_on_metrics(self):
        # One message published and delivered, so that every family has its samples,
        # the per-topic gauge and the latency buckets included.
        subscriber = await self.subscribe("monitoring")
        reply = await asyncio.to_thread(publish, self.daemon, "probe", "hello", "monitoring")
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual((await subscriber.next_frame())["msg"], "hello")
        samples, labels, histograms = await self.scrape()
        self.assertIn("spread_subscribers", samples)

        dashboard, queries = dashboard_queries()
        for group in alert_rules()["groups"]:
            for rule in group["rules"]:
                queries.append(("%s: alert %r" % (ALERTS, rule["alert"]), rule["expr"]))
        # A variable's label_values(metric, label) is Grafana's, not PromQL: only its metric counts.
        variables = [("%s: variable %r" % (DASHBOARD, v["name"]), template_metric_names(v["query"]["query"]))
                     for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)]

        missing, not_histograms, unknown_labels = [], [], []
        read = set()
        for where, names in variables:
            self.assertTrue(names, where)
            missing.extend("%s reads %s" % (where, name) for name in sorted(names - samples))
        for where, expr in queries:
            names = metric_names(expr)
            read |= names
            for name in sorted(names):
                if name not in samples:
                    missing.append("%s reads %s" % (where, name))
                base = histogram_base(name)
                if base and base not in histograms and name in samples:
                    not_histograms.append("%s reads %s, but %s is not a histogram" % (where, name, base))
            for label in sorted(label_names(expr) - TARGET_LABELS - labels):
                unknown_labels.append("%s groups by %s, a label no series on /metrics has" % (where, label))
        self.assertEqual(missing, [], "series that /metrics does not have")
        self.assertEqual(not_histograms, [])
        self.assertEqual(unknown_labels, [])
        # The extraction found something to check in each file.
        self.assertIn("spread_messages_published_total", read)
        self.assertIn("spread_publish_to_write_seconds_bucket", read)


if __name__ == "__main__":
    unittest.main()
