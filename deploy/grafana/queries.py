"""The PromQL the dashboards share: which gateway routes are "the vote", "a signature", "an idea", and the few
expressions several dashboards show (so the overview and a service's dashboard cannot disagree).

Routes are Flask's URL rules as the gateway labels them (gateway/gateway/observability.py: `request.url_rule.rule`),
the JSON API's and the HTML form's. Rates use `$__rate_interval` (Grafana picks at least four scrapes).
"""
RATE = "$__rate_interval"
RANGE = "$__range"

# What a citizen does, as the gateway sees it: (methods, routes) regex matchers.
JOURNEYS = {
    "ballot": ("PUT|POST", "/api/v1/budget/cycles/<cycle_id>/ballot|/budget-participatif/<uuid:cycle_id>/vote"),
    "signature": ("POST", "/api/v1/petitions/<petition_id>/signatures|/petitions/<uuid:petition_id>/signer"),
    "idea": ("POST", "/api/v1/ideas|/idees/proposer"),
}

# Outcomes of a call that are the platform's failure, not the caller's refusal (hubkit.metrics.error_code and
# rpc_outcome): an unexpected exception, a service or broker out of reach, no answer in time.
FAILURES = "INTERNAL|SERVICE_UNAVAILABLE|TIMEOUT"

SERVICES = ("accounts", "ideas", "budget", "petitions", "routing", "notifications")
SERVICE_TITLES = {"accounts": "Comptes", "ideas": "Boîte à idées", "budget": "Budget participatif",
                  "petitions": "Pétitions", "routing": "Aiguillage des idées", "notifications": "Notifications",
                  "gateway": "Passerelle"}


def journey_matcher(journey: str, extra: str = "") -> str:
    methods, routes = JOURNEYS[journey]
    return f'{{method=~"{methods}", route=~"{routes}"{extra}}}'


def requests_rate(matcher: str = "", by: str = "") -> str:
    grouping = f" by ({by}) " if by else ""
    return f"sum{grouping}(rate(hub_http_requests_total{matcher}[{RATE}]))"


# The operators' routes (probes, /statusz, /metrics) are not people's traffic, and /statusz answers 503 by design
# while the platform starts: the gateway-wide error figures leave them out, as HubHttpErrorRatioHigh does
# (deploy/prometheus/rules/recording.yml).
NOT_OPERATORS = 'route!~"/statusz|/readyz|/healthz|/metrics"'


def server_error_share(journey: str = None) -> str:
    """5xx answers as a share of all answers (4xx are the caller's doing); 0, not "no data", when none failed."""
    failed = journey_matcher(journey, ', status=~"5.."') if journey else f'{{status=~"5..",{NOT_OPERATORS}}}'
    every = journey_matcher(journey) if journey else f"{{{NOT_OPERATORS}}}"
    errors = f"sum(rate(hub_http_requests_total{failed}[{RATE}]))"
    total = f"sum(rate(hub_http_requests_total{every}[{RATE}]))"
    return f"({errors} or vector(0)) / {total}"


def latency_quantile(quantile: float, matcher: str = "", by: str = "", window: str = RATE) -> str:
    grouping = ", ".join(["le", *([by] if by else [])])
    return (f"histogram_quantile({quantile}, sum by ({grouping}) "
            f"(rate(hub_http_request_duration_seconds_bucket{matcher}[{window}])))")


def journey_latency(journey: str, quantile: float = 0.95) -> str:
    return latency_quantile(quantile, journey_matcher(journey))


def or_none(expr: str, by: str) -> str:
    """`expr`, or while it has no series (nothing refused, no error yet) one line at 0 whose first `by` label reads
    « aucun »: the panel says "none" rather than "no data", which would also be what a renamed metric shows."""
    label = by.split(",")[0].strip()
    return f'{expr} or label_replace(vector(0), "{label}", "aucun", "", "")'


# Counters whose every label value exists at 0 from the process's start (hubkit.trust, the services'
# business_metrics.py; tests/contract/test_counters_start_at_zero.py): their queries need no "none yet" fallback,
# which would only hide a misspelt label value or a service that is not scraped.
STARTS_AT_ZERO = {"hub_trust_refusals_total", "accounts_logins_failed_total", "budget_ballots_refused_total",
                  "petitions_signatures_refused_total", "petitions_moderations_total", "consultation_actions_total",
                  "notifications_written_total", "notifications_emails_total", "notifications_unsubscribes_total"}


def per_minute(metric: str, by: str = "") -> str:
    """Per minute; 0 (or « aucun ») rather than "no data" while a labelled counter has no series yet."""
    if metric in STARTS_AT_ZERO:
        return f"sum{f' by ({by}) ' if by else ''}(rate({metric}[{RATE}])) * 60"
    if by:
        return or_none(f"sum by ({by}) (rate({metric}[{RATE}])) * 60", by)
    return f"sum(rate({metric}[{RATE}])) * 60 or vector(0)"


def in_range(metric: str, by: str = "") -> str:
    """How many over the dashboard's time range (rounded: increase() extrapolates)."""
    if by:
        return f"round(sum by ({by}) (increase({metric}[{RANGE}])))"
    return f"round(sum(increase({metric}[{RANGE}]))) or vector(0)"


# The outbox and dead-letter gauges: every replica of a service reads the same table or queue, hence max.
OUTBOX_PENDING = "max by (service) (hub_outbox_pending_events)"
OUTBOX_OLDEST = "max by (service) (hub_outbox_oldest_pending_age_seconds)"
DEAD_LETTERS = "max by (service) (hub_dead_letters)"
TARGETS_DOWN = "count(up == 0) or vector(0)"
