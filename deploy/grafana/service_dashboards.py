"""One dashboard per hub process (uid `hub-service-<name>`): the gateway's, and the nameko services' as a family
with the same panels (RED by entrypoint, events and outbox, calls it makes), plus each service's own business
panels. A process is selected by its Prometheus job, which is its name (deploy/prometheus/prometheus.yml and the
PodMonitors' jobLabel). A service that calls no other service, or handles no event, gets no panel for that (read
from its code: a panel that cannot have data only hides a real gap)."""
from functools import cache
from pathlib import Path

from builder import AMBER, GREEN, RED, Row, dashboard, series, stat, table, variable
from catalogue import BACKLOG_AGE_STEPS, COUNT_STEPS, ERROR_SHARE_STEPS, LATENCY_STEPS
from queries import (FAILURES, NOT_OPERATORS, RANGE, RATE, SERVICE_TITLES, SERVICES, latency_quantile, or_none,
                     per_minute, requests_rate)

MAILING = {"accounts", "routing"}  # the services that send e-mail (hubkit.mail)
SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
# How a service's code calls another service (hubkit.rpc) and handles an event (hubkit.consumer)
CALLS_MARKER, HANDLES_MARKER = "SignedRpcProxy(", "@event_handler("

# Each service's own counters: (title, [(expr, legend)], description, unit).
BUSINESS = {
    "accounts": [("Inscriptions et connexions", [
        (per_minute("accounts_registrations_total"), "inscriptions"),
        (per_minute("accounts_logins_total"), "connexions"),
        (per_minute("accounts_logins_failed_total", "reason"), "refusées : {{reason}}")],
        "Par minute. Une hausse des connexions refusées peut être une attaque par mots de passe.", "short")],
    "ideas": [("Idées, soutiens, commentaires", [
        (per_minute("ideas_submitted_total"), "idées"),
        (per_minute("idea_supports_total"), "soutiens"),
        (per_minute("comments_posted_total"), "commentaires"),
        (per_minute("consultation_actions_total", "action"), "consultation : {{action}}")],
        "Par minute.", "short")],
    "budget": [("Bulletins et projets", [
        (per_minute("budget_ballots_total"), "bulletins"),
        (per_minute("budget_ballots_refused_total", "reason"), "refusés : {{reason}}"),
        (per_minute("budget_projects_submitted_total"), "projets déposés")],
        "Par minute. Le tableau Activité les découpe par arrondissement.", "short")],
    "petitions": [("Signatures et pétitions", [
        (per_minute("petitions_signatures_total"), "signatures"),
        (per_minute("petitions_signatures_refused_total", "reason"), "refusées : {{reason}}"),
        (per_minute("petitions_sponsorships_total"), "parrainages"),
        (per_minute("petitions_moderations_total", "outcome"), "modération : {{outcome}}")],
        "Par minute. Le tableau Activité les découpe par arrondissement.", "short")],
    "routing": [("Décisions et webhooks", [
        (per_minute("routing_decisions_total", "action"), "décision {{action}}"),
        (per_minute("routing_forwards_total", "scheme"), "transmise à {{scheme}}"),
        (per_minute("routing_webhook_failures_total"), "webhooks en échec"),
        (per_minute("routing_scheme_answers_total"), "réponses des dispositifs")],
        "Par minute. La boîte de réception et le délai de première réponse sont dans le tableau Activité.",
        "short"), ("Dossiers en échec de transmission (webhook)", [
        (or_none("max by (scheme) (routing_webhook_deliveries_failing)", "scheme"), "réessayés : {{scheme}}"),
        (or_none("max by (scheme) (routing_webhook_deliveries_given_up)", "scheme"), "abandonnés : {{scheme}}")],
        "Dossiers que le dispositif n'a pas acceptés : encore réessayés (le citoyen lit « Transmission retardée »), "
        "ou abandonnés après ROUTING_WEBHOOK_MAX_ATTEMPTS. Alertes HubWebhookDeliveriesFailing (une heure) et "
        "HubWebhooksGivenUp, docs/operations.md.", "short")],
    "notifications": [("Notifications, e-mails et désabonnements", [
        (per_minute("notifications_written_total", "category"), "écrites : {{category}}"),
        (per_minute("notifications_emails_total", "kind"), "e-mails : {{kind}}"),
        (per_minute("notifications_unsubscribes_total", "category"), "désabonnements : {{category}}"),
        (per_minute("notifications_digests_deferred_total"), "résumés remis (comptes sans réponse)")],
        "Par minute. Les e-mails partent par le service des comptes (accounts.notify), qui les envoie ; un envoi de "
        "résumés remis attend le passage suivant (10 minutes par défaut).", "short")],
}


@cache
def _source(name: str) -> str:
    """The Python code of services/<name>/<name>/ (the service's package, tests left out)."""
    package = SERVICES_DIR / name / name
    if not package.is_dir():
        raise FileNotFoundError(f"no service package {package}")
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(package.rglob("*.py")))


def calls_services(name: str) -> bool:
    return CALLS_MARKER in _source(name)


def handles_events(name: str) -> bool:
    return HANDLES_MARKER in _source(name)


def _job(name: str, extra: str = "") -> str:
    return f'{{job="{name}"{extra}}}'


def _health(name: str) -> list:
    calls = f"hub_entrypoint_calls_total{_job(name)}"
    failed = "hub_entrypoint_calls_total" + _job(name, f', outcome=~"{FAILURES}"')
    return [
        stat("Répliques lues", f"sum(up{_job(name)})", "Processus de ce service que Prometheus lit.",
             steps=[(None, RED), (1, GREEN)]),
        stat("Appels / s", f"sum(rate({calls}[{RATE}]))", "Appels RPC, événements et minuteries traités.",
             unit="ops", decimals=1),
        stat("Appels en panne", f"(sum(rate({failed}[{RATE}])) or vector(0)) / sum(rate({calls}[{RATE}]))",
             "Part des appels qui finissent en panne (INTERNAL, SERVICE_UNAVAILABLE, TIMEOUT) ; les refus métier "
             "sont dans « Erreurs par nom ».", unit="percentunit",
             steps=ERROR_SHARE_STEPS, decimals=2),
        stat("Événements en attente", f"max(hub_outbox_pending_events{_job(name)})",
             "Événements validés pas encore publiés (outbox).", steps=[(None, GREEN), (100, AMBER), (1000, RED)]),
        stat("Plus vieil événement en attente", f"max(hub_outbox_oldest_pending_age_seconds{_job(name)})",
             "Au-delà d'une minute, le relais de l'outbox est bloqué.", unit="s", steps=BACKLOG_AGE_STEPS),
        stat("Lettres mortes", f"max(hub_dead_letters{_job(name)})", "Messages de la file de lettres mortes du "
             "service (docs/operations.md, Dead letters).", steps=COUNT_STEPS),
    ]


def _entrypoints(name: str) -> list:
    selected = _job(name, ', entrypoint=~"$entrypoint"')
    return [
        series("Appels par point d'entrée et issue", [
            (f"sum by (entrypoint, outcome) (rate(hub_entrypoint_calls_total{selected}[{RATE}]))",
             "{{entrypoint}} {{outcome}}")], "Appels par seconde ; l'issue est « ok » ou le nom de l'erreur.",
            unit="ops"),
        series("Durée p95 par point d'entrée", [
            (f"histogram_quantile(0.95, sum by (le, entrypoint) (rate(hub_entrypoint_duration_seconds_bucket"
             f"{selected}[{RATE}])))", "{{entrypoint}}")], "95 % des appels finissent en moins de ce temps.",
            unit="s", steps=LATENCY_STEPS),
        series("Erreurs par nom", [(or_none(f"sum by (code) (rate(hub_errors_total{_job(name)}[{RATE}]))", "code"),
                                     "{{code}}")],
               "Erreurs levées par les points d'entrée, par nom (VALIDATION_ERROR, NOT_FOUND…).", unit="ops",
               width=8),
        table("Points d'entrée les plus lents (p95 sur la période)",
              f"topk(10, histogram_quantile(0.95, sum by (le, kind, entrypoint) "
              f"(rate(hub_entrypoint_duration_seconds_bucket{_job(name)}[{RANGE}]))))", "{{kind}} {{entrypoint}}",
              "Le 95e centile de chaque point d'entrée sur la période, les dix plus lents.", unit="s", width=8),
        # one line per reason: every entrypoint's series exist at 0 (hubkit.trust), by entrypoint too many lines
        series("Appels refusés (confiance)", [
            (f"sum by (reason) (rate(hub_trust_refusals_total{_job(name)}[{RATE}]))", "{{reason}}")],
            "Appels et événements refusés faute d'un appelant vérifié ou autorisé (HubCallsRefusedUntrusted), par "
            "motif ; le journal du service nomme le point d'entrée (« rpc refused », « event refused »).",
            unit="ops", width=8),
    ]


def _events(name: str, calls: bool, handles: bool) -> list:
    width = 8 if calls else 12
    events = [(or_none(f"sum by (type) (rate(hub_events_published_total{_job(name)}[{RATE}]))", "type"),
               "publié {{type}}")]
    if handles:
        events.append((or_none(f"sum by (type) (rate(hub_events_received_total{_job(name)}[{RATE}]))", "type"),
                       "reçu {{type}}"))
    panels = [
        series("Événements publiés et reçus" if handles else "Événements publiés", events,
               "Événements par seconde, par type.", unit="ops", width=width),
        series("Outbox et lettres mortes", [
            (f"max(hub_outbox_pending_events{_job(name)})", "en attente"),
            (f"sum(rate(hub_outbox_publish_failures_total{_job(name)}[{RATE}])) * 60", "échecs de publication / min"),
            (f"sum(rate(hub_events_retried_total{_job(name)}[{RATE}])) * 60", "événements réessayés / min"),
            (f"sum by (reason) (rate(hub_events_dead_lettered_total{_job(name)}[{RATE}])) * 60",
             "lettres mortes / min : {{reason}}")],
            "Ce qui attend ou a échoué dans l'acheminement des événements.", width=width),
    ]
    if calls:
        panels.append(series("Appels vers les autres services", [
            (or_none(f"sum by (target, method, outcome) (rate(hub_rpc_client_calls_total{_job(name)}[{RATE}]))",
                     "target"), "{{target}}.{{method}} {{outcome}}")],
            "Appels RPC que ce service fait aux autres, par issue.", unit="ops", width=8))
    if name in MAILING:
        panels.append(series("Courriels", [
            (f"sum(rate(hub_mails_sent_total{_job(name)}[{RATE}])) * 60", "envoyés / min"),
            (f"sum(rate(hub_mail_failures_total{_job(name)}[{RATE}])) * 60", "échecs / min")],
            "Courriels remis au relais SMTP, et échecs (réessayés plus tard).", width=12))
    return panels


def service(name: str) -> dict:
    business = [series(title, queries, description, unit=unit, width=12 if name in MAILING else 24)
                for title, queries, description, unit in BUSINESS[name]]
    items = [Row("Santé"), *_health(name), Row("Points d'entrée"), *_entrypoints(name),
             Row("Événements et appels" if calls_services(name) else "Événements"),
             *_events(name, calls_services(name), handles_events(name)), *business]
    entrypoints = variable("entrypoint", "entrypoint", f"hub_entrypoint_calls_total{_job(name)}", "Point d'entrée")
    return dashboard(f"hub-service-{name}", f"Hub : service {SERVICE_TITLES[name]}",
                     f"Le service {name} : est-il là, que fait-il, à quelle vitesse, qu'est-ce qui échoue.", items,
                     tags=["service"], variables=[entrypoints])


def gateway() -> dict:
    selected = '{route=~"$route"}'
    items = [
        Row("Santé"),
        stat("Répliques lues", 'sum(up{job="gateway"})', "Conteneurs ou pods de passerelle que Prometheus lit (un "
             "par réplique : ses HUB_GATEWAY_PROCESSES processus répondent ensemble).",
             steps=[(None, RED), (1, GREEN)]),
        stat("Requêtes / s", requests_rate(), "Toutes routes.", unit="reqps", decimals=1),
        stat("Réponses 5xx / s",
             f'sum(rate(hub_http_requests_total{{status=~"5..",{NOT_OPERATORS}}}[{RATE}])) or vector(0)',
             "Pannes vues par les habitants (les routes des opérateurs, /statusz, sondes et /metrics, exclues).", unit="reqps", steps=[(None, GREEN), (0.01, RED)], decimals=2),
        stat("Latence p50", latency_quantile(0.5), "La moitié des requêtes répond en moins de ce temps.", unit="s",
             steps=LATENCY_STEPS, decimals=3),
        stat("Latence p99", latency_quantile(0.99), "99 % des requêtes répondent en moins de ce temps.", unit="s",
             steps=[(None, GREEN), (1, AMBER), (2.5, RED)], decimals=2),
        stat("Limites de débit en mémoire", 'max(hub_rate_limit_fallback{job="gateway"})',
             "1 quand Redis ne répond pas et que chaque processus décide seul (HubRateLimitsInMemory).",
             steps=COUNT_STEPS),
        Row("Routes"),
        series("Requêtes par statut", [(requests_rate(selected, "status"), "{{status}}")],
               "Requêtes par seconde des routes choisies, par statut HTTP.", unit="reqps"),
        series("Latence par route (p95)", [(latency_quantile(0.95, selected, "method, route"),
                                            "{{method}} {{route}}")],
               "95e centile par route.", unit="s", steps=LATENCY_STEPS),
        table("Trafic par route (sur la période)",
              f"topk(20, round(sum by (method, route, status) (increase(hub_http_requests_total{selected}"
              f"[{RANGE}]))) > 0)", "{{method}} {{route}} {{status}}",
              "Nombre de requêtes par route et statut sur la période.", width=12),
        series("Erreurs par nom", [(f"sum by (code) (rate(hub_http_errors_total[{RATE}]))", "{{code}}")],
               "Réponses d'erreur par nom (NOT_FOUND, RATE_LIMITED, UNAUTHENTICATED…).", unit="reqps"),
        Row("Appels aux services"),
        series("Appels RPC par service et issue", [
            (f'sum by (target, outcome) (rate(hub_rpc_client_calls_total{{job="gateway"}}[{RATE}]))',
             "{{target}} {{outcome}}")], "Appels de la passerelle aux services, par seconde.", unit="ops"),
        series("Durée des appels RPC (p95)", [
            (f'histogram_quantile(0.95, sum by (le, target) (rate(hub_rpc_client_duration_seconds_bucket'
             f'{{job="gateway"}}[{RATE}])))', "{{target}}")], "Du message envoyé à la réponse reçue.", unit="s",
            steps=LATENCY_STEPS),
        series("Contenus similaires : réponses des sources", [
            (f'sum by (source, outcome) (rate(hub_similar_sources_total{{job="gateway"}}[{RATE}])) * 60',
             "{{source}} {{outcome}}")],
            "Le panneau « Cela existe peut-être déjà » par source et issue, par minute : hors « ok », la source "
            "est omise sans erreur (voir HubSimilarSourceFailing).", width=24, height=6),
        series("Sessions et confiance", [
            (f"sum(rate(hub_session_cache_rejected_total[{RATE}])) * 60", "entrées de cache de session rejetées / min"),
            (f'sum(rate(hub_rate_limit_fallback_decisions_total{{job="gateway"}}[{RATE}])) * 60',
             "décisions de débit prises en mémoire / min")],
            "Doit rester à 0 : voir HubSessionCacheEntriesRejected et HubRateLimitsInMemory.", width=24, height=6),
    ]
    routes = variable("route", "route", 'hub_http_requests_total{job="gateway"}', "Route")
    return dashboard("hub-service-gateway", f"Hub : {SERVICE_TITLES['gateway']}",
                     "La passerelle HTTP : trafic, erreurs et latence par route, appels aux services.", items,
                     tags=["service"], variables=[routes])


def all_services() -> list:
    return [gateway(), *(service(name) for name in SERVICES)]
