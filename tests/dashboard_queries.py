"""Every PromQL query the hub's observability files hold, and the check that a running Prometheus answers each
with data (tests/e2e/test_dashboard_queries.py runs it against the platform under load).

A query comes from a Grafana dashboard (deploy/grafana/dashboards/*.json: each panel target's `expr`, rows'
panels included, and each query variable's `label_values(metric, label)`), or from a Prometheus rule file
(deploy/prometheus/rules/*.yml: each recording rule's and alert's `expr`). Grafana's variables are replaced by
what Grafana would send: `$__rate_interval` and `$__range` by durations, a dashboard variable by `.*` (the
house rule: variables are used only in regex matchers, "All" is `.*`).

`check` runs each query as an instant query and returns one Finding per problem:
- the query fails (a syntax error, a function misused, a Grafana variable left in it);
- it names a metric no scraped target declares (not in `/api/v1/label/__name__/values` nor in the targets'
  `# TYPE` metadata): the metric was renamed or never exists;
- a panel, a variable or a recording rule returns no data, unless the query is in the caller's allowlist (an
  explicit reason why a healthy short run cannot have data). Alerts may be empty (a healthy hub fires none).
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

GRAFANA_DURATIONS = {"__rate_interval": "1m", "__range": "5m"}
RANGE_SUFFIXES = ("_bucket", "_sum", "_count", "_created")  # the series of a histogram or summary family
# PromQL words that look like metric names: aggregation modifiers, set operators, literals
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan", "atan2"}
# `... or vector(0)` (or a labelled zero): a panel shows 0 rather than "No data". Its own part must have data: a
# label value misspelt in it would otherwise stay hidden behind the zero.
ZERO_FALLBACK = re.compile(r"\s+or\s+(?:on\s*\(\s*\)\s*)?(?:label_replace\(\s*vector\(0\)\s*(?:,\s*\"[^\"]*\"\s*){4}\)"
                           r"|vector\(0\))\s*$")
IDENTIFIER = re.compile(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)")
LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(.+),)?\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", re.S)


@dataclass(frozen=True)
class Query:
    """One query: where it lives (`source`: a file name), what shows or uses it (`title`: a panel's title, a
    variable, a rule's name), its `kind` ("panel", "variable", "record" or "alert") and the PromQL `expr` sent."""
    source: str
    title: str
    kind: str
    expr: str
    target: str = ""  # a panel target's refId: a panel may have several queries

    @property
    def must_have_data(self) -> bool:
        return self.kind != "alert"

    @property
    def keys(self) -> set:
        """How an allowlist names it: (file, title), or (file, title, refId) for one of a panel's queries."""
        return {(self.source, self.title), (self.source, self.title, self.target)}


@dataclass(frozen=True)
class Finding:
    query: Query
    why: str


def dashboard_queries(path: Path) -> list:
    """The queries of one Grafana dashboard file: every panel target's `expr` and every query variable."""
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    dashboard = dashboard.get("dashboard", dashboard)  # an export wrapped for the HTTP API
    variables = [variable.get("name", "") for variable in dashboard.get("templating", {}).get("list", [])]
    found = []
    for panel in panels_of(dashboard.get("panels", [])):
        for target in panel.get("targets", []) or []:
            if isinstance(target, dict) and str(target.get("expr", "")).strip():
                found.append(Query(path.name, panel.get("title") or f"panel {panel.get('id', '?')}", "panel",
                                   substitute(target["expr"], variables), target.get("refId", "")))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        definition = variable.get("query")
        definition = definition.get("query", "") if isinstance(definition, dict) else str(definition or "")
        selector = variable_selector(definition)
        if selector:
            found.append(Query(path.name, f"${variable.get('name', '?')}", "variable",
                               substitute(selector, variables)))
    return found


def panels_of(panels: list) -> list:
    """Every panel, those of collapsed rows (kept inside the row) included."""
    flat = []
    for panel in panels or []:
        flat.append(panel)
        flat.extend(panels_of(panel.get("panels", [])))
    return flat


def variable_selector(definition: str) -> str:
    """The PromQL a query variable's values come from: `label_values(up{job="x"}, instance)` -> `up{job="x"}`;
    `query_result(expr)` -> expr; `label_values(label)` (every series) and anything else -> ""."""
    matched = LABEL_VALUES.match(definition)
    if matched:
        return (matched.group(1) or "").strip()
    result = re.match(r"^\s*query_result\((.*)\)\s*$", definition, re.S)
    return result.group(1).strip() if result else ""


def substitute(expr: str, variables: list) -> str:
    """`expr` as Grafana sends it: its duration variables and the dashboard's own variables replaced. Any other
    `$name` is left in place, so Prometheus refuses the query and the finding names it."""
    def replace(match):
        name = match.group(1) or match.group(2) or match.group(3)
        if name in GRAFANA_DURATIONS:
            return GRAFANA_DURATIONS[name]
        return ".*" if name in variables else match.group(0)
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]", replace, expr)


def rule_queries(path: Path) -> list:
    """The recording rules and alerts of one Prometheus rule file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for group in document.get("groups", []):
        for rule in group.get("rules", []):
            kind, title = ("record", rule["record"]) if "record" in rule else ("alert", rule.get("alert", "?"))
            expr = str(rule.get("expr", "")).strip()
            found.append(Query(path.name, title, kind, expr))
    return found


def rule_files(rules_dir: Path) -> list:
    """The rule files Prometheus loads (their promtool tests, `<name>_test.yml`, are not rules)."""
    return sorted(path for path in rules_dir.glob("*.yml") if not path.name.endswith("_test.yml"))


def all_queries(dashboards_dir: Path, rules_dir: Path) -> list:
    queries = [query for path in sorted(dashboards_dir.glob("*.json")) for query in dashboard_queries(path)]
    return queries + [query for path in rule_files(rules_dir) for query in rule_queries(path)]


def without_zero_fallback(expr: str) -> str:
    """`expr` without a final `or vector(0)` (or `or label_replace(vector(0), ...)`)."""
    return ZERO_FALLBACK.sub("", expr.strip())


def metric_names(expr: str) -> set:
    """The metric names a PromQL expression selects (not its functions, labels, keywords or durations)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)  # string literals
    text = re.sub(r"\{[^{}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\[\]]*\]", " ", text)  # ranges and subqueries' steps
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", text)
    names = set()
    for match in IDENTIFIER.finditer(text):
        name, rest = match.group(1), text[match.end():]
        if name.lower() in KEYWORDS or re.match(r"\s*\(", rest):  # a function or an aggregation
            continue
        names.add(name)
    return names


class PrometheusApi:
    """The few calls of Prometheus's HTTP API the check makes."""

    def __init__(self, url: str):
        self.url, self.session = url.rstrip("/"), requests.Session()

    def get(self, path: str, **params):
        answer = self.session.get(f"{self.url}{path}", params=params, timeout=30)
        body = answer.json()
        if body.get("status") != "success":
            raise QueryError(f"{body.get('errorType', answer.status_code)}: {body.get('error', answer.text[:300])}")
        return body["data"]

    def instant(self, expr: str) -> dict:
        return self.get("/api/v1/query", query=expr)

    def known_metric_names(self) -> set:
        """Every name a series has, every name a scraped target declares with `# TYPE` (a labelled counter nothing
        incremented yet has no series but is declared), histogram and summary series included, and every recording
        rule Prometheus evaluates (one may have no series: a 5xx rate without a 5xx)."""
        names = set(self.get("/api/v1/label/__name__/values"))
        names.update(rule["name"] for group in self.get("/api/v1/rules")["groups"] for rule in group["rules"]
                     if rule.get("type") == "recording")
        for name, entries in self.get("/api/v1/metadata").items():
            names.add(name)
            if any(entry.get("type") in ("histogram", "summary", "gaugehistogram") for entry in entries):
                names.update(name + suffix for suffix in RANGE_SUFFIXES)
        return names

    def rule_errors(self) -> dict:
        """{rule name: its last evaluation error} for every rule Prometheus evaluates without success."""
        return {rule["name"]: rule.get("lastError") or rule.get("health")
                for group in self.get("/api/v1/rules")["groups"] for rule in group["rules"]
                if rule.get("health") not in ("ok", "unknown") or rule.get("lastError")}


class QueryError(Exception):
    """Prometheus refused a query or a call."""


def has_data(data: dict) -> bool:
    if data["resultType"] in ("scalar", "string"):
        return True
    return bool(data["result"])


def check(api: PrometheusApi, queries: list, allowed_empty: dict, elsewhere: dict = None) -> list:
    """The findings for `queries`; `allowed_empty`: {(source, title[, refId]): reason} for queries that cannot have
    data in a healthy short run (their metrics must still exist); `elsewhere`: {metric name prefix: reason} for exporters of
    other deployments the test does not run (a query may name them beside a metric it has)."""
    known, rule_errors, findings = api.known_metric_names(), api.rule_errors(), []
    foreign = tuple((elsewhere or {}).keys())
    for query in queries:
        unknown = sorted(name for name in metric_names(query.expr) - known if not (foreign and name.startswith(foreign)))
        if unknown:
            findings.append(Finding(query, f"no scraped target has the metric(s) {', '.join(unknown)}"))
        own = without_zero_fallback(query.expr)
        try:
            data = api.instant(query.expr)
            if own != query.expr:
                data = api.instant(own)
        except QueryError as error:
            findings.append(Finding(query, f"Prometheus refused it: {error}"))
            continue
        if query.must_have_data and not has_data(data) and not unknown and not query.keys & set(allowed_empty):
            findings.append(Finding(query, "no data (an empty result)" if own == query.expr else
                                    "no data but its zero fallback (`or vector(0)`)"))
        if query.kind in ("record", "alert") and query.title in rule_errors:
            findings.append(Finding(query, f"Prometheus fails to evaluate the rule: {rule_errors[query.title]}"))
    return findings


def stale_allowances(queries: list, allowed_empty: dict) -> list:
    """Allowlist entries that name no query any more (a panel renamed or removed): the list must stay small and
    true."""
    present = set().union(*(query.keys for query in queries))
    return sorted(key for key in allowed_empty if key not in present)


def table(findings: list) -> str:
    """The findings as a readable table: file, panel or rule, why, and the query sent."""
    if not findings:
        return "no finding"
    lines = [f"{len(findings)} finding(s):"]
    for finding in findings:
        query = finding.query
        target = f" [{query.target}]" if query.target else ""
        lines.append(f"- {query.source} | {query.kind} {query.title!r}{target}\n    why:  {finding.why}\n"
                     f"    expr: {' '.join(query.expr.split())}")
    return "\n".join(lines)
