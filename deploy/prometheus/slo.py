"""Writes deploy/prometheus/rules/slo.yml: the service level objectives of docs/operations.md ("Service level
objectives") as recording rules, and their multi-window burn-rate alerts (Google's SRE workbook, "Alerting on
SLOs", table 5-8). One table below holds the objectives; the rules are the same for each.

    python deploy/prometheus/slo.py          # rewrite rules/slo.yml
    python deploy/prometheus/slo.py --check  # exit 1 if rules/slo.yml is not what this writes

Every SLI is measured at the gateway from hub_http_requests_total{method,route,status} (availability: the share
of answers that are not 5xx) and hub_http_request_duration_seconds{method,route} (latency: the share answered
within a bucket bound of hubkit.metrics.LATENCY_BUCKETS). `route` is the Flask rule, e.g.
`/api/v1/budget/cycles/<cycle_id>/ballot`. tests/contract/test_alert_rules.py checks the file is current.
"""
import sys
from pathlib import Path

import yaml

RULES = Path(__file__).resolve().parent / "rules" / "slo.yml"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
# Prometheus 2 keeps the `le` the Python client writes ("1.0"), Prometheus 3 normalises it ("1"): match both
LE = {1: '"1(\\\\.0)?"', 0.5: '"0.5"'}
NOT_PAGES = "/api/.*|/open311/.*|/back-office.*|/consultations/gestion.*|/idees/moderation|/metrics|/healthz|/readyz" \
            "|/statusz|/static/.*|unmatched|.+\\\\.(csv|json)"

# slo: (selector of its requests, availability objective, latency objective, latency threshold in seconds)
SLOS = {
    # casting a ballot: the API's PUT and the vote form's POST (their GETs show the ballot)
    "ballot": ('method=~"PUT|POST",route=~"/api/v1/budget/cycles/<cycle_id>/ballot'
               '|/budget-participatif/<uuid:cycle_id>/vote"', 0.995, 0.99, 1),
    # signing a petition: the API and the page's form
    "signature": ('method="POST",route=~"/api/v1/petitions/<petition_id>/signatures'
                  '|/petitions/<uuid:petition_id>/signer"', 0.995, 0.99, 1),
    # submitting an idea: the API and the form (its GET shows the form: a page)
    "idea": ('method="POST",route=~"/api/v1/ideas|/idees/proposer"', 0.995, 0.99, 1),
    # loading the public pages: every GET of an HTML page but the back office's and the staff's
    "pages": (f'method="GET",route!~"{NOT_PAGES}"', 0.995, 0.99, 0.5),
}
# (severity, [(long window, short window, burn rate)], for): page at 2 % of the 30-day budget in 1 hour or 5 % in
# 6 hours, ticket at 10 % in 3 days or 100 % over 3 days
BURNS = {
    "HubSloFastBurn": ("page", [("1h", "5m", 14.4), ("6h", "30m", 6)], "2m"),
    "HubSloSlowBurn": ("ticket", [("1d", "2h", 3), ("3d", "6h", 1)], "15m"),
}
# a page needs this many requests of the path in the last hour: one failure among three at night is not an outage
PAGE_MINIMUM_REQUESTS = 20


def _requests(selector: str, window: str, extra: str = "", metric: str = "hub_http_requests_total") -> str:
    return f'sum(rate({metric}{{job="gateway",{selector}{extra}}}[{window}]))'


def recording_rules() -> list:
    rules = []
    for slo, (selector, availability, latency, threshold) in SLOS.items():
        for sli, objective in (("availability", availability), ("latency", latency)):
            rules.append({"record": "slo:objective:ratio", "expr": f"vector({objective})",
                          "labels": {"slo": slo, "sli": sli}})
        for window in WINDOWS:
            errors = _requests(selector, window, ',status=~"5.."')
            rules.append({"record": f"slo:sli_error:ratio_rate{window}",
                          "expr": f"({errors} or vector(0))\n/ {_requests(selector, window)}",
                          "labels": {"slo": slo, "sli": "availability"}})
            fast = _requests(selector, window, f",le=~{LE[threshold]}", "hub_http_request_duration_seconds_bucket")
            everything = _requests(selector, window, "", "hub_http_request_duration_seconds_count")
            rules.append({"record": f"slo:sli_error:ratio_rate{window}",
                          "expr": f"1 - (\n  {fast}\n  / {everything}\n)",
                          "labels": {"slo": slo, "sli": "latency"}})
        rules.append({"record": "slo:sli_requests:rate1h", "expr": _requests(selector, "1h"), "labels": {"slo": slo}})
    return rules


def _burning(long: str, short: str, rate: float) -> str:
    budget = f"({rate} * (1 - slo:objective:ratio))"
    return (f"(\n  slo:sli_error:ratio_rate{long} > on (slo, sli) {budget}\n"
            f"  and on (slo, sli)\n  slo:sli_error:ratio_rate{short} > on (slo, sli) {budget}\n)")


def alerts() -> list:
    rules = []
    for name, (severity, windows, duration) in BURNS.items():
        expr = "\nor on (slo, sli)\n".join(_burning(*window) for window in windows)
        if severity == "page":
            expr = f"(\n{expr}\n)\nand on (slo) slo:sli_requests:rate1h * 3600 >= {PAGE_MINIMUM_REQUESTS}"
        speed = "fast" if severity == "page" else "steadily"
        rules.append({"alert": name, "expr": expr, "for": duration, "labels": {"severity": severity}, "annotations": {
            "summary": f"the {{{{ $labels.slo }}}} {{{{ $labels.sli }}}} objective burns its error budget {speed} "
                       f"({{{{ $value | humanizePercentage }}}} of requests bad)",
            "runbook": f"docs/operations.md#{name.lower()}"}})
    return rules


class _Dumper(yaml.SafeDumper):
    """Multi-line expressions as literal blocks (`|-`), as a person would write them."""


_Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def text() -> str:
    header = ("# Generated by deploy/prometheus/slo.py (the objectives' table): edit that, then run it.\n"
              "# Tested by deploy/prometheus/rules/slo_test.yml (`promtool test rules`, "
              "tests/contract/test_alert_rules.py).\n")
    # one group: its rules are evaluated in order, so the alerts read the ratios of the same evaluation (two groups
    # run in no set order, and an alert could read ratios one interval old)
    groups = {"groups": [{"name": "hub-slo", "rules": recording_rules() + alerts()}]}
    return header + yaml.dump(groups, Dumper=_Dumper, sort_keys=False, width=200)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--check"]:
        if not RULES.exists() or RULES.read_text(encoding="utf-8") != text():
            print(f"{RULES} is out of date: run python deploy/prometheus/slo.py", file=sys.stderr)
            return 1
        return 0
    RULES.write_text(text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
