"""The hub's overview, business and infrastructure dashboards (the per-process ones are in service_dashboards.py).

Titles and descriptions are what the operator reads, in French; each description says what the panel answers and
how to read it. docs/operations.md (## Dashboards) is generated from them by generate.py.
"""
from builder import AMBER, GREEN, RED, Row, bars, dashboard, series, stat, table
from queries import (DEAD_LETTERS, FAILURES, OUTBOX_OLDEST, OUTBOX_PENDING, RANGE, RATE, SERVICE_TITLES, SERVICES,
                     TARGETS_DOWN, in_range, journey_latency, latency_quantile, per_minute, requests_rate,
                     server_error_share)

ERROR_SHARE_STEPS = [(None, GREEN), (0.01, AMBER), (0.05, RED)]
LATENCY_STEPS = [(None, GREEN), (0.5, AMBER), (1, RED)]
BACKLOG_AGE_STEPS = [(None, GREEN), (60, AMBER), (300, RED)]
COUNT_STEPS = [(None, GREEN), (1, RED)]
BURN_STEPS = [(None, GREEN), (1, AMBER), (6, RED)]
HUB_JOBS = "gateway|" + "|".join(SERVICES)


def _burn_rate(window: str) -> str:
    """How fast each SLO spends its error budget (deploy/prometheus/rules/slo.yml's recording rules)."""
    return f"slo:sli_error:ratio_rate{window} / on (slo, sli) (1 - slo:objective:ratio)"


def _journey_stats(journey: str, noun: str, counter: str) -> list:
    return [
        stat(f"{noun} / min", per_minute(counter), f"{noun} enregistrés par minute (tous arrondissements).",
             unit="short", decimals=1),
        stat(f"{noun} : erreurs serveur", server_error_share(journey),
             f"Part des envois de {noun.lower()} qui reçoivent une erreur 5xx de la passerelle (API et formulaire). "
             "0 % quand tout va bien ; les refus métier (4xx) n'en font pas partie.",
             unit="percentunit", steps=ERROR_SHARE_STEPS, decimals=2),
        stat(f"{noun} : p95", journey_latency(journey),
             f"95 % des envois de {noun.lower()} ont leur réponse en moins de ce temps (mesuré à la passerelle).",
             unit="s", steps=LATENCY_STEPS, decimals=2),
    ]


def overview() -> dict:
    items = [
        Row("Le vote et les signatures fonctionnent-ils ?"),
        *_journey_stats("ballot", "Bulletins", "budget_ballots_total"),
        *_journey_stats("signature", "Signatures", "petitions_signatures_total"),
        stat("Requêtes / s", requests_rate(), "Toutes les requêtes servies par la passerelle.", unit="reqps",
             decimals=1),
        stat("Erreurs serveur (toutes routes)", server_error_share(),
             "Part des réponses 5xx de la passerelle, toutes routes confondues sauf celles des opérateurs "
             "(/statusz, sondes, /metrics).", unit="percentunit",
             steps=ERROR_SHARE_STEPS, decimals=2),
        stat("Latence p95 (toutes routes)", latency_quantile(0.95), "95 % des requêtes répondent en moins de ce "
             "temps.", unit="s", steps=LATENCY_STEPS, decimals=2),
        stat("Cibles arrêtées", TARGETS_DOWN, "Processus et exportateurs que Prometheus n'arrive pas à lire. "
             "Le tableau Infrastructure dit lesquels.", steps=COUNT_STEPS,
             links=[("Infrastructure", "/d/hub-infrastructure")]),
        stat("Lettres mortes", f"sum({DEAD_LETTERS})", "Messages en file de lettres mortes, tous services. "
             "Voir « Dead letters » dans docs/operations.md.", steps=COUNT_STEPS),
        stat("Idées en retard", "max(routing_ideas_overdue)", "Idées qui attendent une décision au-delà du délai de "
             "réponse de leur dispositif.", steps=[(None, GREEN), (1, AMBER), (20, RED)],
             links=[("Activité", "/d/hub-business")]),
        Row("Objectifs de service (SLO)"),
        bars("Consommation du budget d'erreur, 1 h", _burn_rate("1h"), "{{slo}} {{sli}}",
             "Vitesse à laquelle chaque parcours (bulletin, signature, idée, pages) consomme son budget d'erreur sur "
             "la dernière heure : 1 l'épuise en 30 jours, 14,4 déclenche l'alerte immédiate (avec 5 min).", width=8,
             height=5, steps=BURN_STEPS),
        bars("Consommation du budget d'erreur, 3 jours", _burn_rate("3d"), "{{slo}} {{sli}}",
             "La même sur trois jours : au-dessus de 1, l'objectif du mois ne sera pas tenu à ce rythme.", width=8,
             height=5, steps=BURN_STEPS),
        table("Objectifs", "slo:objective:ratio", "{{slo}} {{sli}}", "Part des requêtes qui doivent réussir "
              "(availability : pas de 5xx ; latency : réponse sous le seuil, 1 s, 0,5 s pour les pages), sur 30 jours "
              "(docs/operations.md, Service level objectives).", unit="percentunit", width=8, height=5),
        Row("Pour qui ça échoue ?"),
        table("Échecs par route (sur la période)",
              f'topk(15, round(sum by (method, route, status) (increase(hub_http_requests_total{{status=~"[45].."}}'
              f'[{RANGE}]))) > 0)', "{{method}} {{route}} {{status}}",
              "Les routes qui ont le plus répondu par une erreur sur la période, par statut HTTP : un 5xx est une "
              "panne, un 4xx un refus (droit, validation, limite de débit).", height=7),
        series("Erreurs par nom", [(f"sum by (code) (rate(hub_http_errors_total[{RATE}]))", "{{code}}")],
               "Les réponses d'erreur de la passerelle par nom d'erreur (NOT_FOUND, VALIDATION_ERROR, RATE_LIMITED, "
               "UNAVAILABLE…), par seconde.", unit="reqps", height=7),
        Row("Où est le retard ?"),
        bars("Événements en attente de publication", OUTBOX_PENDING, "{{service}}",
             "Événements validés mais pas encore publiés sur le broker (outbox), par service.", width=6, height=6,
             steps=[(None, GREEN), (100, AMBER), (1000, RED)]),
        bars("Âge du plus vieil événement en attente", OUTBOX_OLDEST, "{{service}}",
             "Depuis combien de temps le plus ancien événement non publié attend : au-delà d'une minute, le relais "
             "est bloqué (broker injoignable ?).", unit="s", width=6, height=6, steps=BACKLOG_AGE_STEPS),
        bars("Files RabbitMQ les plus chargées", "topk(10, sum by (queue) (rabbitmq_queue_messages_ready))",
             "{{queue}}", "Messages prêts mais non consommés, les dix files les plus longues.", width=6, height=6,
             steps=[(None, GREEN), (100, AMBER), (1000, RED)]),
        bars("Lettres mortes par service", DEAD_LETTERS, "{{service}}",
             "Messages que le service n'a pas pu traiter, en attente d'une décision (docs/operations.md, "
             "Dead letters).", width=6, height=6, steps=COUNT_STEPS),
        Row("Lenteurs et appels entre services"),
        table("Routes les plus lentes (p95 sur la période)",
              f"topk(10, {latency_quantile(0.95, by='method, route', window=RANGE)})", "{{method}} {{route}}",
              "Le 95e centile du temps de réponse de chaque route sur la période, les dix plus lentes.", unit="s"),
        series("Appels entre services en panne",
               [(f'sum by (target, outcome) (rate(hub_rpc_client_calls_total{{outcome=~"{FAILURES}"}}[{RATE}])) or '
                 f"sum by (target) (rate(hub_rpc_client_calls_total[{RATE}])) * 0", "{{target}} {{outcome}}")],
               "Appels RPC (passerelle et services) en panne (INTERNAL, SERVICE_UNAVAILABLE, TIMEOUT ; pas les refus "
               "métier), par service appelé ; une ligne à 0 par service quand tout va bien.", unit="reqps"),
        Row("Services"),
        series("Pannes par service (part des appels)",
               [(f'(sum by (service) (rate(hub_entrypoint_calls_total{{outcome=~"{FAILURES}"}}[{RATE}])) or sum by '
                 f"(service) (rate(hub_entrypoint_calls_total[{RATE}])) * 0) / sum by (service) "
                 f"(rate(hub_entrypoint_calls_total[{RATE}]))", "{{service}}")],
               "Part des appels (RPC, événements, minuteries) de chaque service qui finissent en panne (INTERNAL, "
               "SERVICE_UNAVAILABLE, TIMEOUT), sans les refus métier. Un tableau par service détaille.",
               unit="percentunit", steps=ERROR_SHARE_STEPS),
        series("Processus en marche", [(f'sum by (job) (up{{job=~"{HUB_JOBS}"}})', "{{job}}")],
               "Nombre de processus de chaque partie que Prometheus lit (1 par réplique).", unit="short"),
    ]
    items[-2].links = [(f"Service : {SERVICE_TITLES[name]}", f"/d/hub-service-{name}")
                       for name in ("gateway", *SERVICES)]
    return dashboard("hub-overview", "Hub : vue d'ensemble",
                     "Le vote marche-t-il, à quelle vitesse, pour qui échoue-t-il, où est le retard.", items,
                     tags=["overview"], refresh="30s", hours=3)


def _per_arrondissement(noun: str, counter: str, refused: str) -> list:
    return [
        stat(f"{noun} sur la période", in_range(counter), f"{noun} enregistrés sur la période affichée.", width=6),
        stat(f"{noun} / min", per_minute(counter), f"{noun} par minute, tous arrondissements.", width=6,
             decimals=1),
        stat(f"{noun} refusés / min", per_minute(refused), "Refus métier (inéligible, hors délai, déjà fait…).",
             width=6, decimals=1, steps=[(None, GREEN), (1, AMBER)]),
        stat(f"{noun} : p95", journey_latency("ballot" if counter.startswith("budget") else "signature"),
             "Temps de réponse de la passerelle, 95e centile.", unit="s", steps=LATENCY_STEPS, width=6, decimals=2),
        bars(f"{noun} par arrondissement (sur la période)", in_range(counter, "arrondissement"), "{{arrondissement}}",
             f"{noun} par arrondissement (« paris » : à l'échelle de la ville ; « inconnu » : non renseigné).",
             width=8, height=12),
        series(f"{noun} / min par arrondissement", [(per_minute(counter, "arrondissement"), "{{arrondissement}}")],
               "Le même découpage dans le temps.", width=10, height=12),
        series(f"{noun} refusés par motif", [(per_minute(refused, "reason"), "{{reason}}")],
               "Refus par minute, par motif.", width=6, height=12),
    ]


def business() -> dict:
    first_answer = "routing_time_to_first_response_seconds_bucket"
    items = [
        Row("Vote du budget participatif"),
        *_per_arrondissement("Bulletins", "budget_ballots_total", "budget_ballots_refused_total"),
        Row("Pétitions"),
        *_per_arrondissement("Signatures", "petitions_signatures_total", "petitions_signatures_refused_total"),
        Row("Boîte à idées et aiguillage"),
        stat("Idées en attente", "sum(max by (scheme, direction) (routing_ideas_waiting)) or vector(0)",
             "Idées dans la boîte de réception de l'aiguillage, en attente d'une décision.", width=4),
        stat("Idées en retard", "max(routing_ideas_overdue)", "En attente au-delà du délai de leur dispositif.",
             width=4, steps=[(None, GREEN), (1, AMBER), (20, RED)]),
        stat("Première réponse : médiane", f"histogram_quantile(0.5, sum by (le) (rate({first_answer}[{RANGE}])))",
             "De l'arrivée d'une idée dans la boîte à la première décision, médiane sur la période (vide sans "
             "décision sur la période).", unit="s", width=4),
        stat("Première réponse : p90", f"histogram_quantile(0.9, sum by (le) (rate({first_answer}[{RANGE}])))",
             "Neuf idées sur dix ont eu leur première réponse en moins de ce temps.", unit="s", width=4),
        stat("Idées proposées sur la période", in_range("ideas_submitted_total"), "Idées déposées.", width=4),
        stat("Webhooks abandonnés", "sum(max by (scheme) (routing_webhook_deliveries_given_up)) or vector(0)",
             "Dossiers dont aucun envoi par webhook n'a abouti : à renvoyer à la main (docs/operations/webhooks.md).",
             width=4, steps=COUNT_STEPS),
        bars("Boîte de réception par dispositif et sens", "max by (scheme, direction) (routing_ideas_waiting)",
             "{{scheme}} {{direction}}", "Idées en attente, par dispositif visé et par sens.", width=8, height=10),
        bars("Idées transmises par dispositif (sur la période)", in_range("routing_forwards_total", "scheme"),
             "{{scheme}}", "Idées transmises à chaque dispositif, réaiguillages compris.", width=8, height=10),
        series("Décisions et webhooks", [
            (per_minute("routing_decisions_total", "action"), "décision {{action}}"),
            (per_minute("routing_webhook_failures_total"), "webhooks en échec"),
            (per_minute("routing_webhook_deliveries_total"), "webhooks livrés"),
        ], "Décisions d'aiguillage par minute et par action, appels de webhook livrés et en échec.", width=8,
            height=10),
        series("Participation", [
            (per_minute("ideas_submitted_total"), "idées"),
            (per_minute("idea_supports_total"), "soutiens"),
            (per_minute("comments_posted_total"), "commentaires"),
            (per_minute("petitions_drafts_total"), "pétitions rédigées"),
            (per_minute("accounts_registrations_total"), "inscriptions"),
        ], "Ce que font les habitants, par minute.", width=16, height=8),
        stat("Pétitions au seuil (sur la période)", in_range("petitions_thresholds_reached_total"),
             "Pétitions qui ont atteint le seuil de signatures (5 000 par défaut) : le Conseil doit les examiner.",
             width=4, height=8),
        stat("Pétitions closes (sur la période)", in_range("petitions_closed_total"),
             "Pétitions closes à leur échéance ou par un administrateur.", width=4, height=8),
    ]
    return dashboard("hub-business", "Hub : activité", "Vote et signatures par arrondissement, boîte de réception "
                     "de l'aiguillage, délai de première réponse.", items, tags=["business"], refresh="1m", hours=24)


def infrastructure() -> dict:
    items = [
        Row("RabbitMQ"),
        stat("Nœuds RabbitMQ lus", 'sum(up{job="rabbitmq"})', "Nœuds dont Prometheus lit les métriques.",
             steps=[(None, RED), (1, GREEN)]),
        stat("Connexions", "sum(rabbitmq_connections)", "Connexions ouvertes au broker (processus du hub)."),
        stat("Consommateurs", "sum(rabbitmq_consumers)", "Consommateurs de files, tous nœuds."),
        stat("Mémoire (part de la limite)", "max(rabbitmq_process_resident_memory_bytes / "
             "rabbitmq_resident_memory_limit_bytes)", "Au-delà de 100 %, le broker bloque les publications.",
             unit="percentunit", steps=[(None, GREEN), (0.7, AMBER), (0.9, RED)]),
        stat("Disque libre", "min(rabbitmq_disk_space_available_bytes)", "Espace disque libre du nœud le plus "
             "juste.", unit="bytes"),
        stat("Messages en lettres mortes / min",
             f"sum(rate(rabbitmq_global_messages_dead_lettered_delivery_limit_total[{RATE}])) * 60",
             "Messages abandonnés par le broker après trop de livraisons.", steps=COUNT_STEPS, decimals=1),
        series("Messages prêts par file", [("topk(10, sum by (queue) (rabbitmq_queue_messages_ready))", "{{queue}}")],
               "Les dix files les plus longues : une file qui grandit a un consommateur arrêté ou trop lent."),
        series("Débit du broker", [
            (f"sum(rate(rabbitmq_global_messages_received_total[{RATE}]))", "reçus"),
            (f"sum(rate(rabbitmq_global_messages_delivered_total[{RATE}]))", "livrés"),
            ("sum(rabbitmq_queue_messages_unacked)", "non acquittés"),
        ], "Messages reçus et livrés par seconde, et messages livrés pas encore acquittés."),
        Row("PostgreSQL"),
        stat("PostgreSQL joignable", "min(pg_up)", "1 quand l'exportateur atteint le serveur.",
             steps=[(None, RED), (1, GREEN)]),
        stat("Connexions (part du maximum)", "sum(pg_stat_activity_count) / max(pg_settings_max_connections)",
             "Connexions ouvertes par rapport à max_connections.", unit="percentunit",
             steps=[(None, GREEN), (0.7, AMBER), (0.9, RED)]),
        stat("Verrous mortels sur la période", in_range("pg_stat_database_deadlocks"), "Deadlocks détectés.",
             steps=[(None, GREEN), (1, AMBER)]),
        stat("Taux de cache", "sum(rate(pg_stat_database_blks_hit[$__rate_interval])) / (sum(rate("
             "pg_stat_database_blks_hit[$__rate_interval])) + sum(rate(pg_stat_database_blks_read[$__rate_interval]"
             ")))", "Part des lectures servies par la mémoire partagée.", unit="percentunit",
             steps=[(None, RED), (0.9, AMBER), (0.99, GREEN)]),
        series("Connexions par base et état", [("sum by (datname, state) (pg_stat_activity_count) > 0",
                                                "{{datname}} {{state}}")],
               "Une base dont les connexions « idle in transaction » montent retient des verrous.", width=8),
        series("Transactions / s par base", [
            (f"sum by (datname) (rate(pg_stat_database_xact_commit[{RATE}]))", "{{datname}} validées"),
            (f"sum by (datname) (rate(pg_stat_database_xact_rollback[{RATE}]))", "{{datname}} annulées"),
        ], "Transactions validées et annulées par seconde.", width=8),
        bars("Taille des bases", "max by (datname) (pg_database_size_bytes)", "{{datname}}", "Taille sur disque.",
             unit="bytes", width=8),
        Row("Redis"),
        stat("Redis joignable", "min(redis_up)", "1 quand l'exportateur atteint le serveur.",
             steps=[(None, RED), (1, GREEN)]),
        stat("Clients (part du maximum)", "max(redis_connected_clients / redis_config_maxclients)",
             "Clients connectés par rapport à maxclients.", unit="percentunit",
             steps=[(None, GREEN), (0.7, AMBER), (0.9, RED)]),
        stat("Mémoire utilisée", "max(redis_memory_used_bytes)", "Mémoire occupée par les données.", unit="bytes"),
        stat("Limites de débit en mémoire", "max(hub_rate_limit_fallback)",
             "1 quand un processus décide les limites de débit seul, Redis ne répondant pas (HubRateLimitsInMemory).",
             steps=COUNT_STEPS),
        stat("Connexions refusées sur la période", in_range("redis_rejected_connections_total"),
             "Connexions refusées, maxclients atteint.", steps=COUNT_STEPS),
        stat("Taux de succès du cache", f"sum(rate(redis_keyspace_hits_total[{RATE}])) / (sum(rate("
             f"redis_keyspace_hits_total[{RATE}])) + sum(rate(redis_keyspace_misses_total[{RATE}])))",
             "Lectures qui trouvent leur clé (sessions, limites de débit).", unit="percentunit"),
        series("Commandes / s", [(f"sum(rate(redis_commands_processed_total[{RATE}]))", "commandes")],
               "Commandes traitées par seconde.", unit="ops"),
        series("Clients connectés", [("sum(redis_connected_clients)", "clients")], "Clients connectés."),
        Row("Processus du hub"),
        series("Mémoire par processus", [(f'max by (job) (process_resident_memory_bytes{{job=~"{HUB_JOBS}"}})',
                                          "{{job}}")],
               "Mémoire résidente, la plus grosse réplique de chaque partie (pas la passerelle à plusieurs "
               "processus : prometheus_client n'y expose pas process_*).", unit="bytes", width=12),
        series("Processeur par partie", [(f'sum by (job) (rate(process_cpu_seconds_total{{job=~"{HUB_JOBS}"}}'
                                          f"[{RATE}]))", "{{job}}")],
               "Cœurs occupés, toutes répliques ; un processus eventlet n'en occupe qu'un (pas la "
               "passerelle à plusieurs processus).", unit="short",
               width=12),
    ]
    return dashboard("hub-infrastructure", "Hub : infrastructure", "RabbitMQ, PostgreSQL, Redis et les processus "
                     "du hub.", items, tags=["infrastructure"], refresh="30s", hours=3)
