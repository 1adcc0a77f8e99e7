"""The metric names the monitoring files in deploy/ use, read from their PromQL.

An expression's metric names are its identifiers once its strings, label matchers
(`{…}`), ranges (`[…]`), grouping clauses (`by (…)`, `on (…)`, …), `offset`s, Grafana
variables and numbers are taken out, less PromQL's functions and keywords."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "scrutiny.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
SCRAPE = DEPLOY / "prometheus" / "prometheus.yml"

FUNCTIONS = frozenset("""
abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp clamp_max
clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month deg delta deriv exp
floor histogram_avg histogram_count histogram_fraction histogram_quantile histogram_stddev histogram_stdvar
histogram_sum holt_winters hour idelta increase irate label_join label_replace last_over_time ln log10 log2
mad_over_time max_over_time min_over_time minute month pi predict_linear present_over_time
quantile_over_time rad rate resets round scalar sgn sin sinh sort sort_by_label sort_by_label_desc
sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year
sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio
and or unless bool offset by without on ignoring group_left group_right inf nan
""".split())
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_OFFSET = re.compile(r"\boffset\s+-?[0-9a-zA-Z_$]+")
_VARIABLES = re.compile(r"\$\{?\w+\}?")
_NUMBERS = re.compile(r"(?<![\w.])(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?(?:[smhdwy]|ms)?)")
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects."""
    text = _STRINGS.sub(" ", expr)
    text = _VARIABLES.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    text = _NUMBERS.sub(" ", text)
    return {name for name in _IDENTIFIER.findall(text) if name not in FUNCTIONS}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def rule_file() -> dict[str, Any]:
    return yaml.safe_load(ALERTS.read_text())


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # a row's collapsed panels


def dashboard_exprs() -> list[str]:
    board = dashboard()
    exprs = [t["expr"] for p in _panels(board["panels"]) for t in p.get("targets", []) if t.get("expr")]
    for variable in board.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query":
            exprs.append(query["query"] if isinstance(query, dict) else query)
    return exprs


def rule_exprs() -> list[str]:
    return [rule["expr"] for group in rule_file()["groups"] for rule in group["rules"]]


def names_used() -> set[str]:
    """Every metric name the dashboard and the alert rules select."""
    return {name for expr in [*dashboard_exprs(), *rule_exprs()] for name in metric_names(expr)}


# Made by Prometheus itself for every target it scrapes.
SCRAPE_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
_SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created")


def exported(name: str, samples: set[str], families: set[str]) -> bool:
    """Whether `name` is something the platform exports: a sample's name, a family, or a
    histogram's or counter's series named after its family."""
    if name in samples or name in families or name in SCRAPE_SERIES:
        return True
    return any(name.endswith(s) and name[: -len(s)] in families for s in _SUFFIXES)
