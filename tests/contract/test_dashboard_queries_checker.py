"""The checker of tests/e2e/test_dashboard_queries.py, without servers: what it reads in a dashboard, which metric
names it finds in PromQL, and that it reports a renamed metric, an empty panel and a refused query (a Prometheus
stand-in answers as the HTTP API does)."""
import json

import pytest

from tests.dashboard_queries import (Query, QueryError, check, dashboard_queries, metric_names, rule_queries,
                                     stale_allowances, substitute, table, without_zero_fallback)
from tests.observability_stack import EXPORTER_JOBS, HUB_JOBS, deployed_jobs, prometheus_config


def test_metric_names_are_the_selected_metrics_only():
    assert metric_names('histogram_quantile(0.95, sum by (le, route) (rate(hub_http_request_duration_seconds_bucket'
                        '{job="gateway", route=~"$route|other_name"}[1m])))') == {
        "hub_http_request_duration_seconds_bucket"}
    assert metric_names("a_total / on (job) group_left(service) b_info offset 5m") == {"a_total", "b_info"}
    assert metric_names("sum without (instance) (x) > bool 0 or vector(0) and on() time() > 1e3") == {"x"}
    assert metric_names("max_over_time(up[5m:30s]) unless ignoring(le) job:hub_http_requests:rate5m") == {
        "up", "job:hub_http_requests:rate5m"}
    assert metric_names('count(label_replace(y, "dst", "$1", "src", "(.*)")) == Inf') == {"y"}


def test_grafana_variables_become_what_grafana_sends():
    expr = 'rate(m{route=~"$route", e=~"${entrypoint:regex}", x=~"[[route]]"}[$__rate_interval]) [$__range]'
    assert substitute(expr, ["route", "entrypoint"]) == 'rate(m{route=~".*", e=~".*", x=~".*"}[1m]) [5m]'
    assert "$unknown" in substitute("rate(m[$unknown])", ["route"])  # left for Prometheus to refuse


def test_every_panel_query_and_variable_is_read(tmp_path):
    board = {"panels": [
        {"type": "stat", "title": "Requêtes", "targets": [{"refId": "A", "expr": "sum(rate(a_total[$__range]))"}]},
        {"type": "row", "title": "Détails", "collapsed": True, "panels": [
            {"type": "timeseries", "title": "Latence", "targets": [
                {"refId": "A", "expr": 'b_bucket{route=~"$route"}'}, {"refId": "B", "expr": ""}]}]},
        {"type": "text", "title": "Lisez-moi"}],
        "templating": {"list": [
            {"type": "query", "name": "route", "query": {"query": 'label_values(c_total{job="gateway"}, route)'}},
            {"type": "query", "name": "all", "query": "label_values(job)"},
            {"type": "custom", "name": "fixed", "query": "1,2"}]}}
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    assert dashboard_queries(path) == [
        Query("board.json", "Requêtes", "panel", "sum(rate(a_total[5m]))", "A"),
        Query("board.json", "Latence", "panel", 'b_bucket{route=~".*"}', "A"),
        Query("board.json", "$route", "variable", 'c_total{job="gateway"}')]


def test_rules_are_read_as_records_and_alerts(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("groups:\n  - name: g\n    rules:\n      - record: job:a:rate5m\n        expr: sum(rate(a[5m]))\n"
                    "      - alert: Down\n        expr: up == 0\n        for: 5m\n", encoding="utf-8")
    assert rule_queries(path) == [Query("rules.yml", "job:a:rate5m", "record", "sum(rate(a[5m]))"),
                                  Query("rules.yml", "Down", "alert", "up == 0")]


class Prometheus:
    """Answers as Prometheus's HTTP API would for a few series: `series` {expr: result list}, `refused` exprs."""

    def __init__(self, names: set, series: dict, refused: set = frozenset(), rule_errors: dict = None):
        self.names, self.series, self.refused, self.errors = names, series, refused, rule_errors or {}

    def known_metric_names(self) -> set:
        return self.names

    def rule_errors(self) -> dict:
        return self.errors

    def instant(self, expr: str) -> dict:
        if expr in self.refused:
            raise QueryError("bad_data: 1:5: parse error")
        return {"resultType": "vector", "result": self.series.get(expr, [])}


SAMPLE = [{"metric": {"job": "gateway"}, "value": [0, "1"]}]


def test_the_checker_reports_a_renamed_metric_an_empty_panel_and_a_refused_query():
    prometheus = Prometheus({"hub_http_requests_total", "hub_trust_refusals_total", "up"}, {
        "sum(rate(hub_http_requests_total[1m]))": SAMPLE, "up": SAMPLE})
    fine = Query("d.json", "Requêtes", "panel", "sum(rate(hub_http_requests_total[1m]))")
    renamed = Query("d.json", "Requêtes (renommée)", "panel", "sum(rate(hub_http_request_total[1m]))")
    empty = Query("d.json", "Refus", "panel", "sum(rate(hub_trust_refusals_total[1m]))")
    refused = Query("d.json", "Cassée", "panel", "sum(rate(up[1m])")
    quiet_alert = Query("r.yml", "Down", "alert", "up == 0")
    renamed_alert = Query("r.yml", "Refusals", "alert", "increase(hub_trust_refusal_total[5m]) > 0")
    prometheus.refused = {refused.expr}
    findings = check(prometheus, [fine, renamed, empty, refused, quiet_alert, renamed_alert], {})
    assert [(finding.query, finding.why.split(":")[0]) for finding in findings] == [
        (renamed, "no scraped target has the metric(s) hub_http_request_total"),
        (empty, "no data (an empty result)"),
        (refused, "Prometheus refused it"),
        (renamed_alert, "no scraped target has the metric(s) hub_trust_refusal_total")]
    assert "d.json | panel 'Requêtes (renommée)'" in table(findings)


def test_an_allowance_covers_an_empty_query_not_a_renamed_one_and_goes_stale_with_its_panel():
    prometheus = Prometheus({"hub_trust_refusals_total"}, {})
    empty = Query("d.json", "Refus", "panel", "sum(rate(hub_trust_refusals_total[1m]))", "A")
    renamed = Query("d.json", "Refus", "panel", "sum(rate(hub_trust_refusal_total[1m]))", "B")
    assert [f.query for f in check(prometheus, [empty, renamed], {("d.json", "Refus"): "why"})] == [renamed]
    assert check(prometheus, [empty], {("d.json", "Refus", "A"): "why"}) == []
    assert [f.query for f in check(prometheus, [empty], {("d.json", "Refus", "B"): "why"})] == [empty]
    assert stale_allowances([empty], {("d.json", "Refus"): "why", ("d.json", "Partie"): "why"}) == [
        ("d.json", "Partie")]


def test_metrics_of_other_deployments_are_not_reported_but_the_query_still_needs_data():
    prometheus = Prometheus({"pg_up"}, {"max(pg_up) == 0 or max(cnpg_collector_up) == 0": []})
    alert = Query("r.yml", "DatabaseDown", "alert", "max(pg_up) == 0 or max(cnpg_collector_up) == 0")
    record = Query("r.yml", "instance:pg:ratio", "record", "max(pg_up) == 0 or max(cnpg_collector_up) == 0")
    assert [f.query for f in check(prometheus, [alert], {})] == [alert]
    assert check(prometheus, [alert], {}, {"cnpg_": "Kubernetes only"}) == []
    assert [f.why for f in check(prometheus, [record], {}, {"cnpg_": "Kubernetes only"})] == [
        "no data (an empty result)"]


def test_a_rule_prometheus_cannot_evaluate_is_reported():
    prometheus = Prometheus({"up"}, {"up": SAMPLE}, rule_errors={"job:up:sum": "many-to-many matching not allowed"})
    record = Query("r.yml", "job:up:sum", "record", "up")
    assert [f.why for f in check(prometheus, [record], {})] == [
        "Prometheus fails to evaluate the rule: many-to-many matching not allowed"]


def test_the_test_prometheus_scrapes_every_deployed_job_as_production_does():
    """The jobs of deploy/prometheus/prometheus.yml are the hub's fixed names (a job named otherwise would not be
    scraped by the test, and dashboards select parts by `job`); each keeps its path, only its targets change."""
    deployed = deployed_jobs()
    assert set(deployed) <= set(HUB_JOBS) | set(EXPORTER_JOBS)
    config = prometheus_config({job: [f"127.0.0.1:{9000 + n}"] for n, job in enumerate(HUB_JOBS + EXPORTER_JOBS)})
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert list(jobs) == [*HUB_JOBS, *EXPORTER_JOBS]
    for name, job in deployed.items():
        assert jobs[name].get("metrics_path") == job.get("metrics_path"), name
    assert config["global"]["scrape_interval"] == "1s"
    assert config["rule_files"] and not any(path.endswith("_test.yml") for path in config["rule_files"])
    with pytest.raises(ValueError, match="rabbit"):
        prometheus_config({"rabbit": ["127.0.0.1:9999"]})


def test_a_zero_fallback_does_not_hide_a_misspelt_label_value():
    """`or vector(0)` shows 0 rather than "No data": the query's own part must still have data."""
    assert without_zero_fallback('sum(a) or label_replace(vector(0), "type", "aucun", "", "")') == "sum(a)"
    assert without_zero_fallback("sum(a) * 60 or on() vector(0)") == "sum(a) * 60"
    assert without_zero_fallback("(a or vector(0)) * 2") == "(a or vector(0)) * 2"
    misspelt = Query("d.json", "Appels", "panel", 'sum(rate(calls_total{job="acounts"}[1m])) or vector(0)')
    right = Query("d.json", "Appels", "panel", 'sum(rate(calls_total{job="accounts"}[1m])) or vector(0)')
    prometheus = Prometheus({"calls_total"}, {misspelt.expr: SAMPLE, right.expr: SAMPLE,
                                              without_zero_fallback(right.expr): SAMPLE})
    assert [(f.query, f.why) for f in check(prometheus, [misspelt, right], {})] == [
        (misspelt, "no data but its zero fallback (`or vector(0)`)")]
