# The metric names a PromQL expression reads, for checking a dashboard and alert rules against
# what /metrics really exposes. Not a PromQL parser: it blanks out what cannot be a metric name
# (strings, label matchers, ranges, by/without/on/ignoring lists, Grafana variables) and keeps
# the identifiers that are not functions, operators or keywords.
import re

# Series Prometheus makes itself rather than scraping them.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "atan2", "inf", "nan",
            # Aggregations can be followed by a by-list before their parenthesis.
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
_LABEL_VALUES = re.compile(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)")


def metric_names(expr):
    """Every metric name `expr` reads, synthetic series (up) excluded."""
    text = _STRING.sub('""', expr)
    text = _GRAFANA_VARIABLE.sub("", text)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _LABEL_LIST.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name in KEYWORDS or name in SYNTHETIC:
            continue
        names.add(name)
    return names


def label_names(expr):
    """The labels an expression groups or matches by (by, without, on, ignoring)."""
    text = _STRING.sub('""', expr)
    labels = set()
    for listed in re.finditer(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", text):
        labels.update(label.strip() for label in listed.group(1).split(",") if label.strip())
    return labels


def template_metric_names(query):
    """The metric a Grafana label_values(metric{…}, label) variable query reads."""
    return set(_LABEL_VALUES.findall(query))


def histogram_base(name):
    """The histogram family a _bucket/_sum/_count sample name belongs to, else None."""
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None
