"""Every dashboard panel's query and every Prometheus rule, run by a real Prometheus against the running platform
under a short load (issue 14 §3): a renamed metric, a label the code does not set or a query Prometheus refuses
breaks the build, not the dashboard on the day it is needed.

The platform runs on PostgreSQL against a RabbitMQ node of the test's own with the rabbitmq_prometheus plugin;
Prometheus scrapes it with the production job names and every rule file (tests/observability_stack.py), while
citizens register, sign, vote, submit ideas, browse pages and make mistakes (404s, invalid forms, no session)
and an agent routes an idea. Then tests/dashboard_queries.py runs each query: it must not fail, must name only
metrics a target declares (or a recording rule), and a panel or recording rule must return data (without its
`or vector(0)`, which would hide a misspelt label value), except the few in ALLOWED_EMPTY, each with the reason a
healthy short run cannot have data. Alerts need only run: a healthy hub fires none. REPORTED holds findings in
files this test does not own until their owners fix them.

Measured: 60 s on an idle 2-core machine, 90-135 s with the machine's other tests running (load average 13).
"""
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from hubkit.testing import Platform
from tests.brokers import RabbitNode
from tests.dashboard_queries import (PrometheusApi, all_queries, check, dashboard_queries, has_data, metric_names,
                                     rule_files, rule_queries, stale_allowances, table, without_zero_fallback)
from tests.observability_stack import RULES_DIR, observability_stack
from tests.signing_burst import ballot_of, make_residents_of_the_19th

from .people import PASSWORD, administrator, citizen, read_mail_link, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = ROOT / "deploy" / "grafana" / "dashboards"
SERVICES = {path.parent.name: path.parent for path in sorted(ROOT.glob("services/*/*/__main__.py"))
            if path.parent.name == path.parent.parent.name}
LOAD_SECONDS = 20
CLIENTS = 4
SIGNERS = 40  # each signs the petition and casts a ballot once (a second time is an idempotent replay)
# Routing applies a decision after its undo window: short, so the routing panels see a decision. Every request
# comes from 127.0.0.1: the signing limits per address would refuse most signatures.
ENVIRONMENT = {"ROUTING_UNDO_SECONDS": "1", "ROUTING_SWEEP_SECONDS": "0.5", "ROUTING_DELIVERY_SECONDS": "0.5",
               **{f"PETITIONS_SIGN_{limit}": str(10**6) for limit in ("IP_PER_MINUTE", "IP_PER_HOUR")}}
# (file, panel title or rule name[, the panel query's refId]): why a healthy short run has no data for it. Its
# metrics must still exist (declared by a target).
ALLOWED_EMPTY = {
    ("hub-business.json", "Webhooks abandonnés"):
        "a dossier is given up after ROUTING_WEBHOOK_MAX_ATTEMPTS failed calls over hours (no series before)",
    ("hub-overview.json", "Cibles arrêtées"): "every target is up in a healthy run",
    ("hub-service-gateway.json", "Réponses 5xx / s"): "no 5xx answer in a healthy run",
    ("hub-service-routing.json", "Dossiers en échec de transmission (webhook)"):
        "no scheme refuses a delivery in a healthy run (a scheme's series appears when one of its calls fails)",
    ("hub-service-notifications.json", "Événements publiés et reçus", "A"):
        "the notifications service publishes no event (docs/events.md): only what it receives (B) has data",
}
# Findings in files this test does not own, reported to their owners and not fixed yet: printed, not failed. Once
# one is fixed its entry must go (the test says so), so the list cannot hide a new finding or outlive its cause.
REPORTED = {}
# Metrics of exporters that only other deployments run: a rule may name them beside the ones this test scrapes
# (`pg_up ... or cnpg_collector_up ...`), and must still have data from the ones it scrapes.
ELSEWHERE = {"cnpg_": "CloudNativePG's exporter, in Kubernetes (deploy/k8s): the compose stack has postgres_exporter",
             "certmanager_": "cert-manager's metrics, in Kubernetes only: the gateway's TLS certificate"}


@pytest.fixture(scope="module")
def observed():
    """The platform, its broker and Prometheus scraping both, after LOAD_SECONDS of load."""
    started = time.monotonic()
    with ExitStack() as stack:
        node = stack.enter_context(RabbitNode.started(plugins=("rabbitmq_prometheus",)))
        print(f"\nbroker node: {time.monotonic() - started:.1f} s")
        platform = start_platform(node)
        stack.callback(platform.stop)
        print(f"platform: {time.monotonic() - started:.1f} s")
        with ThreadPoolExecutor(1) as pool:  # the seeding writes in the databases while Prometheus starts
            preparing = pool.submit(prepare, platform)
            prometheus_url = stack.enter_context(observability_stack(platform, node))
            print(f"exporters and Prometheus: {time.monotonic() - started:.1f} s")
            people = preparing.result()
        print(f"seeded and signed in: {time.monotonic() - started:.1f} s")
        drive_load(platform, people, LOAD_SECONDS)
        print(f"load: {time.monotonic() - started:.1f} s")
        time.sleep(3)  # the last requests scraped and the rules evaluated on them
        yield SimpleNamespace(platform=platform, prometheus=PrometheusApi(prometheus_url))


def start_platform(node) -> Platform:
    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    os.environ.update(ENVIRONMENT)
    try:
        # two gateway processes, as two pods: the dashboards add up the gateway's targets
        return Platform(SERVICES, "postgresql", broker=node, gateway_processes=2)
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def run_script(platform, *arguments) -> str:
    """A bench seeding script (bench/) on the platform's databases."""
    done = subprocess.run([sys.executable, *map(str, arguments)], env=platform.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def seed(platform) -> dict:
    """An open petition, a budget cycle at the vote and SIGNERS residents of the 19e with an API session, written
    in the databases as the bench seeds them."""
    prefix = f"dashboards-{uuid.uuid4().hex[:6]}"
    with ThreadPoolExecutor(3) as pool:  # three databases, three processes that mostly import and wait
        petition = pool.submit(run_script, platform, ROOT / "bench" / "seed_petition.py", 1000)
        cycle = pool.submit(run_script, platform, ROOT / "bench" / "ballots.py", "seed-cycle")
        tokens = pool.submit(run_script, platform, ROOT / "bench" / "seed_signers.py", SIGNERS, prefix, PASSWORD,
                             "warm")
        petition, cycle, tokens = petition.result().strip(), json.loads(cycle.result()), json.loads(tokens.result())
    make_residents_of_the_19th(platform, prefix)
    return {"petition": petition, "cycle": cycle, "tokens": tokens}


def prepare(platform) -> SimpleNamespace:
    """The seeded data, an agent (an administrator) and a newcomer who registered and verified their e-mail."""
    with ThreadPoolExecutor(3) as pool:  # each mostly waits for a process of its own
        seeding = pool.submit(seed, platform)
        agent = pool.submit(administrator, platform, "agent", "Agent")
        newcomer = pool.submit(citizen, platform, read_mail_link, "Noe")  # registration, e-mail, verification
        return SimpleNamespace(seeded=seeding.result(), agent=agent.result().headers, newcomer=newcomer.result())


def drive_load(platform, people: SimpleNamespace, seconds: float):
    """A few minutes of a city's day in `seconds`: the journeys that feed the dashboards, and mistakes."""
    seeded, newcomer = people.seeded, people.newcomer
    signers = [{"Authorization": f"Bearer {token}"} for token in seeded["tokens"]]
    one_off_journeys(f"{platform.url}/api/v1", seeded, people.agent, newcomer, signers)
    petition, cycle = seeded["petition"], seeded["cycle"]
    deadline = time.monotonic() + seconds

    def citizen_turn(number: int):
        url = platform.urls[number % len(platform.urls)]  # the gateway processes in turn
        api, token = f"{url}/api/v1", seeded["tokens"][number % len(seeded["tokens"])]
        auth = {"Authorization": f"Bearer {token}"}
        key = {"Idempotency-Key": f"turn-{number % len(seeded['tokens'])}"}  # a second round: replays
        requests.post(f"{api}/petitions/{petition}/signatures", headers={**auth, **key},
                      json={"connection": {"lives": True}, "notify": False}, timeout=30)
        requests.put(f"{api}/budget/cycles/{cycle['cycle_id']}/ballot", headers={**auth, **key},
                     json=ballot_of(cycle, number), timeout=30)
        for path in ("/", "/idees", "/petitions", "/budget-participatif", f"/petitions/{petition}"):
            requests.get(f"{url}{path}", timeout=30)
        requests.get(f"{api}/ideas", timeout=30)
        requests.get(f"{api}/petitions/{petition}", headers=auth, timeout=30)
        requests.get(f"{api}/ideas/{uuid.uuid4()}", timeout=30)  # 404
        requests.get(f"{url}/nulle-part-{number}", timeout=30)  # 404 of an unknown route
        requests.post(f"{api}/ideas", headers=auth, json={"title": "x", "description": "court"}, timeout=30)  # 400
        requests.post(f"{api}/ideas", json={"title": "Sans compte", "description": "Refusée.",
                                            "theme": "sport"}, timeout=30)  # 401
        requests.get(f"{api}/petitions/{uuid.uuid4()}", timeout=30)  # petitions' NOT_FOUND
        requests.get(f"{api}/budget/projects/{uuid.uuid4()}", timeout=30)  # budget's NOT_FOUND
        if number % 5 == 0:  # a forgotten password (accounts' failed logins)
            requests.post(f"{api}/auth/tokens", json={"email": newcomer.email, "password": "pas-le-bon"}, timeout=30)
        if number % 10 == 0:
            requests.post(f"{api}/ideas", headers=auth, timeout=30, json={
                "title": f"Des fontaines le long du canal {number}", "theme": "environnement", "arrondissement": 10,
                "description": "Des fontaines d'eau potable le long du canal Saint-Martin."})

    turns, lost = iter(range(10**6)), []
    with ThreadPoolExecutor(CLIENTS) as pool:
        def client():
            while time.monotonic() < deadline:
                try:
                    citizen_turn(next(turns))
                except requests.RequestException as error:  # a slow answer on a busy machine: the next turn
                    lost.append(error)
        for done in [pool.submit(client) for _ in range(CLIENTS)]:
            done.result()
    print(f"{next(turns)} turns of {CLIENTS} clients, {len(lost)} cut short by a request without an answer")


def one_off_journeys(api: str, seeded: dict, agent: dict, newcomer, signers: list):
    """What happens a few times a day, once each: an idea routed by an agent, supported and commented; a petition
    drafted, sponsored, submitted and published by a moderator; a consultation opened; a ballot and a signature
    refused."""
    idea = requests.post(f"{api}/ideas", headers=newcomer.headers, json={
        "title": "Aménager un terrain de pétanque square Léon", "theme": "cadre_de_vie", "arrondissement": 18,
        "description": "Installer deux pistes et des bancs à l'ombre des platanes du square."})
    assert idea.status_code == 201, idea.text
    idea_url, inbox = f"{api}/ideas/{idea.json()['id']}", f"{api}/routing/inbox/{idea.json()['id']}"
    # a new pseudonym: ideas asks accounts for it to rename the author's ideas (ideas' calls to other services)
    renamed = requests.patch(f"{api}/me", headers=newcomer.headers, json={"pseudonym": f"{newcomer.pseudonym} bis"})
    assert renamed.status_code == 200, renamed.text
    requests.post(f"{idea_url}/supports", headers=signers[0])
    requests.post(f"{idea_url}/comments", headers=signers[1], json={"body": "Oui, et des bancs à l'ombre."})
    assert requests.get(f"{api}/routing/inbox/{uuid.uuid4()}", headers=agent).status_code == 404  # routing's error
    wait_for(lambda: requests.get(inbox, headers=agent).status_code == 200, 20)
    decided = requests.post(f"{inbox}/decisions", headers=agent,
                            json={"action": "forward", "scheme": "petition", "message": "Une pétition s'impose."})
    assert decided.status_code in (200, 201), decided.text

    drafted = requests.post(f"{api}/petitions", headers=newcomer.headers, json={
        "title": "Des fontaines à boire le long du canal", "arrondissement": 10,
        "asks": "Nous demandons quatre fontaines d'eau potable entre République et Jaurès.",
        "background": "L'été, les quais sont pleins de promeneurs et il n'y a presque aucun point d'eau."})
    assert drafted.status_code == 201, drafted.text
    for sponsor in signers[:5]:
        requests.post(f"{api}/petitions/sponsorships/{drafted.json()['sponsor_token']}", headers=sponsor)
    draft_url = f"{api}/petitions/{drafted.json()['id']}"
    assert requests.post(f"{draft_url}/submission", headers=newcomer.headers).status_code == 200
    published = requests.post(f"{draft_url}/publication", headers=agent,
                              json={"threshold": 2, "eligibility": "live_work_study"})
    assert published.status_code == 200, published.text

    now = datetime.now(timezone.utc)
    consultation = requests.post(f"{api}/consultations", headers=agent, json={
        "title": "Réinventer la place de la Nation", "context": "La place sera réaménagée.",
        "opens_at": (now - timedelta(minutes=5)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()})
    assert consultation.status_code == 201, consultation.text

    cycle = seeded["cycle"]  # the newcomer does not live in Paris: refused
    requests.put(f"{api}/budget/cycles/{cycle['cycle_id']}/ballot", headers=newcomer.headers, json=ballot_of(cycle, 0))
    # a channel the notifications service does not know: its refusal (notifications' errors panel)
    requests.put(f"{api}/me/notification-preferences", headers=newcomer.headers,
                 json={"preferences": {"my_ideas": "pigeon-voyageur"}})
    signature = {"connection": {"lives": True}, "notify": False}
    for key in ("first", "again"):  # a second signature, not a replay: refused
        requests.post(f"{api}/petitions/{seeded['petition']}/signatures", json=signature,
                      headers={**signers[-1], "Idempotency-Key": f"one-off-{key}"})


def test_every_dashboard_query_and_rule_has_data_under_load(observed):
    queries = all_queries(DASHBOARDS_DIR, RULES_DIR)
    assert queries, "no dashboard panel and no rule found"
    findings = check(observed.prometheus, queries, ALLOWED_EMPTY, ELSEWHERE)
    stale = stale_allowances(queries, ALLOWED_EMPTY)
    print(f"\n{len(queries)} queries checked:",
          {kind: sum(query.kind == kind for query in queries) for kind in ("panel", "variable", "record", "alert")})
    needless = [query for query in queries if query.keys & set(ALLOWED_EMPTY) and query.must_have_data
                and has_data(observed.prometheus.instant(without_zero_fallback(query.expr)))]
    for query in needless:  # not a failure: a refusal may happen in a run
        print(f"allowed to be empty but has data: {query.source} | {query.title} [{query.target}]")
    server_errors = observed.prometheus.instant('sum by (method, route, status) (hub_http_requests_total{status=~"5.."})')
    for series in server_errors["result"]:  # none expected: where to look if there are
        print(f"5xx answers: {series['metric']} {series['value'][1]}")
    reported = [finding for finding in findings if finding.query.keys & set(REPORTED)]
    if reported:
        print(f"reported, not fixed yet:\n{table(reported)}")
    assert not [finding for finding in findings if finding not in reported], table(findings)
    fixed = set(REPORTED) - set().union(*(finding.query.keys for finding in reported))
    assert not fixed, f"fixed: remove these entries from REPORTED: {sorted(fixed)}"
    assert not stale, f"ALLOWED_EMPTY names queries that no longer exist: {stale}"


def test_a_renamed_metric_is_reported(observed, tmp_path):
    """A copy of a dashboard (or, before any exists, of a rule file) with one of its metrics renamed: every query
    that used it is a finding, and the untouched copy has none of those."""
    known = observed.prometheus.known_metric_names()
    sources = sorted(DASHBOARDS_DIR.glob("*.json")) + rule_files(RULES_DIR)
    read = {path: (dashboard_queries(path) if path.suffix == ".json" else rule_queries(path)) for path in sources}
    path, metric = next((path, sorted(metric_names(query.expr) & known)[0]) for path, queries in read.items()
                        for query in queries if metric_names(query.expr) & known)
    renamed = tmp_path / path.name
    renamed.write_text(path.read_text(encoding="utf-8").replace(metric, f"{metric}_renamed"), encoding="utf-8")
    load = dashboard_queries if path.suffix == ".json" else rule_queries
    using = [query for query in load(renamed) if f"{metric}_renamed" in query.expr]
    findings = check(observed.prometheus, using, {})
    assert using and {finding.query for finding in findings} == set(using), table(findings)
    assert all(f"{metric}_renamed" in finding.why for finding in findings if "no scraped target" in finding.why)
    print(f"\nrenamed {metric} in a copy of {path.name}:\n{table(findings)}")
