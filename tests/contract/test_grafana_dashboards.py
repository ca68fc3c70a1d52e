"""deploy/grafana/: the dashboards are valid for Grafana's provisioning, read only the provisioned datasource, use
only the variables the dashboard-queries test can substitute, name only metrics that exist, and are provisioned
the same way in docker compose and in Kubernetes (no Grafana server needed).

Each `check_*` function returns a list of problems (empty when the contract holds); the `test_broken_*` tests feed
them deliberately broken copies to prove they can fail.
"""
import ast
import copy
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.contract.test_compose import DEV_PROFILE, load_yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD_FILES = sorted((GRAFANA / "dashboards").glob("*.json"))
REQUIRED_KEYS = {"uid", "title", "tags", "panels", "schemaVersion", "time", "templating", "annotations", "links"}
PANEL_TYPES = {"row", "timeseries", "stat", "table", "bargauge", "gauge", "text"}
COLUMNS = 24
MIN_SCHEMA_VERSION = 39
BUILT_IN_VARIABLES = {"__rate_interval", "__range"}
REGEX_ALL_VALUES = {".*", ".+"}
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# Where the dashboard-links menu and panel links may point: /d/<uid> of a provisioned dashboard.
DASHBOARD_URL = re.compile(r"^/d/([A-Za-z0-9_-]+)")

# Metrics the exporters define (seen on prometheus-postgres-exporter, prometheus-redis-exporter and RabbitMQ 3.10's
# rabbitmq_prometheus /metrics with return_per_object_metrics, and the per-queue series that appear once queues
# exist), Prometheus's
# own `up`, and prometheus_client's process collector (every hub process but a multiprocess gateway).
EXPORTER_METRICS = {
    "up",
    "pg_up", "pg_stat_activity_count", "pg_settings_max_connections", "pg_stat_database_xact_commit",
    "pg_stat_database_xact_rollback", "pg_stat_database_deadlocks", "pg_stat_database_blks_hit",
    "pg_stat_database_blks_read", "pg_database_size_bytes", "cnpg_backends_total", "cnpg_pg_settings_setting",
    "redis_up", "redis_connected_clients", "redis_config_maxclients", "redis_memory_used_bytes",
    "redis_memory_max_bytes", "redis_commands_processed_total", "redis_keyspace_hits_total",
    "redis_keyspace_misses_total", "redis_rejected_connections_total", "redis_evicted_keys_total",
    "rabbitmq_connections", "rabbitmq_consumers", "rabbitmq_channels", "rabbitmq_queues",
    "rabbitmq_process_resident_memory_bytes", "rabbitmq_resident_memory_limit_bytes",
    "rabbitmq_disk_space_available_bytes", "rabbitmq_disk_space_available_limit_bytes",
    "rabbitmq_global_messages_received_total", "rabbitmq_global_messages_delivered_total",
    "rabbitmq_global_messages_dead_lettered_delivery_limit_total", "rabbitmq_queue_messages_ready",
    "rabbitmq_queue_messages_unacked", "rabbitmq_queue_messages", "rabbitmq_queue_consumers",
    "process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
}
METRIC_KINDS = {"Counter", "Gauge", "Histogram", "Summary"}
# The labels of the exporters' series the dashboards group or select by (the rest have only the target's).
EXPORTER_LABELS = {"rabbitmq_queue_": {"queue", "vhost"}, "pg_stat_activity_count": {"datname", "state", "usename"},
                   "pg_stat_database_": {"datname", "datid"}, "pg_database_size_bytes": {"datname"},
                   "cnpg_pg_settings_setting": {"name"}}
# Labels Prometheus adds to every scraped series (static configs, and the prometheus-operator's PodMonitors).
TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "__name__"}
_PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
                 "offset", "inf", "nan"}


# --- loading -----------------------------------------------------------------------------------------------------

def load_dashboards(files=DASHBOARD_FILES) -> dict:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in files}


def provisioned_datasources() -> dict:
    config = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    return {source["uid"]: source for source in config["datasources"]}


def _literal_strings(node) -> list:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [item.value for item in node.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return []


def code_metric_labels(root: Path = ROOT) -> dict:
    """{series name: its labels} of every prometheus_client metric the code defines (Counter("x_total", help,
    ["a"]) exposes x_total; a Histogram y exposes y_bucket, with `le`, y_sum and y_count)."""
    series = {}
    for directory in ("lib", "services", "gateway"):
        for path in (root / directory).rglob("*.py"):
            if "tests" in path.parts or path.name.startswith("test_"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                kind = getattr(node, "func", None)
                kind = getattr(kind, "id", None) or getattr(kind, "attr", None)
                if kind not in METRIC_KINDS or not node.args or not isinstance(node.args[0], ast.Constant):
                    continue
                name = str(node.args[0].value)
                labels = set(_literal_strings(node.args[2]) if len(node.args) > 2 else [])
                labels.update(*(_literal_strings(keyword.value) for keyword in node.keywords
                                if keyword.arg == "labelnames"))
                if kind == "Counter":
                    series[name if name.endswith("_total") else f"{name}_total"] = labels
                elif kind in ("Histogram", "Summary"):
                    series.update({f"{name}_bucket": labels | {"le"}, f"{name}_sum": labels, f"{name}_count": labels})
                else:
                    series[name] = labels
    return series


def code_metrics(root: Path = ROOT) -> set:
    """Every series name the code's prometheus_client metrics expose."""
    return set(code_metric_labels(root))


def recorded_metric_labels(root: Path = ROOT) -> dict:
    """{recording rule name: the labels it may carry}: its own `labels` and those its expression groups by."""
    series = {}
    for path in (root / "deploy" / "prometheus" / "rules").glob("*.yml"):
        if not path.name.endswith("_test.yml"):
            for group in yaml.safe_load(path.read_text(encoding="utf-8")).get("groups") or []:
                for rule in group.get("rules") or []:
                    if "record" in rule:
                        grouped = {label.strip() for clause in re.findall(r"\bby\s*\(([^)]*)\)", rule["expr"])
                                   for label in clause.split(",")}
                        series.setdefault(rule["record"], set()).update(set(rule.get("labels") or {}) | grouped)
    return series


def recorded_metrics(root: Path = ROOT) -> set:
    return set(recorded_metric_labels(root))


def exporter_labels(name: str) -> set:
    return set().union(*(labels for prefix, labels in EXPORTER_LABELS.items() if name.startswith(prefix)))


def label_names(expr: str) -> set:
    """The label names a PromQL expression selects or groups by (matchers, by / without / on / ignoring /
    group_left / group_right lists); label_replace's are strings and so not counted."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    names = {match for selector in re.findall(r"\{([^}]*)\}", text)
             for match in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", selector)}
    for clause in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", text):
        names.update(label.strip() for label in clause.split(",") if label.strip())
    return names


def metric_names(expr: str) -> set:
    """The metric names a PromQL expression reads, roughly: label matchers, ranges, grouping label lists and
    strings taken out, then every identifier that is not a function call, a keyword or a number."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if not call and name.lower() not in _PROMQL_WORDS:
            names.add(name)
    return names


def panels(board: dict):
    """Every panel, those inside collapsed rows too."""
    for panel in board.get("panels") or []:
        yield panel
        yield from panel.get("panels") or []


def expressions(board: dict):
    """(where, expr) of every query: panel targets and variables' queries."""
    for panel in panels(board):
        for target in panel.get("targets") or []:
            yield f"{board.get('uid')} / {panel.get('title')} / {target.get('refId')}", target.get("expr") or ""
    for var in (board.get("templating") or {}).get("list") or []:
        query = var.get("query")
        text = query.get("query", "") if isinstance(query, dict) else str(query or "")
        match = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", text)
        yield f"{board.get('uid')} / variable {var.get('name')}", match.group(1) if match else text


# --- the checks ----------------------------------------------------------------------------------------------------

def check_structure(board: dict) -> list:
    """What Grafana's provisioning needs, and a modern model: required keys, a uid, schemaVersion 39+, known panel
    types, unique panel ids and per-panel refIds."""
    problems = [f"missing key {key!r}" for key in sorted(REQUIRED_KEYS - set(board))]
    if not UID.match(str(board.get("uid", ""))):
        problems.append(f"uid {board.get('uid')!r} is not 1-40 letters, digits, - or _")
    if not isinstance(board.get("schemaVersion"), int) or board["schemaVersion"] < MIN_SCHEMA_VERSION:
        problems.append(f"schemaVersion {board.get('schemaVersion')!r} is below {MIN_SCHEMA_VERSION}")
    if not (board.get("time") or {}).get("from"):
        problems.append("no default time range")
    ids = [panel.get("id") for panel in panels(board)]
    problems += [f"panel id {panel_id!r} is used twice" for panel_id in sorted({i for i in ids if ids.count(i) > 1})]
    for panel in panels(board):
        title = panel.get("title")
        if panel.get("type") not in PANEL_TYPES:
            problems.append(f"panel {title!r} has unknown type {panel.get('type')!r}")
        if not isinstance(panel.get("id"), int):
            problems.append(f"panel {title!r} has no integer id")
        if panel.get("type") in ("row", "text"):
            continue
        ref_ids = [target.get("refId") for target in panel.get("targets") or []]
        if not ref_ids:
            problems.append(f"panel {title!r} has no query")
        if len(set(ref_ids)) != len(ref_ids) or None in ref_ids:
            problems.append(f"panel {title!r} has missing or repeated refIds {ref_ids}")
        if not ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit"):
            problems.append(f"panel {title!r} has no unit")
    return problems


def check_grid(board: dict) -> list:
    """Every panel inside the 24 columns, none overlapping another."""
    problems, placed = [], []
    for panel in board.get("panels") or []:
        grid, title = panel.get("gridPos") or {}, panel.get("title")
        x, y, w, h = (grid.get(key) for key in ("x", "y", "w", "h"))
        if not all(isinstance(value, int) for value in (x, y, w, h)) or w <= 0 or h <= 0 or x < 0 or y < 0:
            problems.append(f"panel {title!r} has an invalid gridPos {grid}")
            continue
        if x + w > COLUMNS:
            problems.append(f"panel {title!r} goes past column {COLUMNS} (x={x}, w={w})")
        for other, (ox, oy, ow, oh) in placed:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                problems.append(f"panel {title!r} overlaps {other!r}")
        placed.append((title, (x, y, w, h)))
    return problems


def check_datasources(board: dict, datasources: dict) -> list:
    """Every panel, query and variable reads a provisioned Prometheus, by uid."""
    problems = []

    def check(where, source):
        if not isinstance(source, dict) or source.get("uid") not in datasources:
            problems.append(f"{where} reads datasource {source!r}, not a provisioned uid ({sorted(datasources)})")
        elif source.get("type") != datasources[source["uid"]]["type"]:
            problems.append(f"{where} says type {source.get('type')!r} for {source['uid']}")

    for panel in panels(board):
        if panel.get("type") in ("row", "text"):
            continue
        check(f"panel {panel.get('title')!r}", panel.get("datasource"))
        for target in panel.get("targets") or []:
            check(f"panel {panel.get('title')!r} query {target.get('refId')}", target.get("datasource"))
    for var in (board.get("templating") or {}).get("list") or []:
        check(f"variable {var.get('name')!r}", var.get("datasource"))
    return problems


def check_variables(board: dict) -> list:
    """Only $__rate_interval, $__range and the dashboard's own variables, those only as regex matchers
    (`label=~"$name"`) with an "All" of .* or .+: what tests/e2e/test_dashboard_queries.py can substitute."""
    problems, regex_variables = [], set()
    for var in (board.get("templating") or {}).get("list") or []:
        if var.get("includeAll") and var.get("allValue") not in REGEX_ALL_VALUES:
            problems.append(f"variable {var.get('name')!r}: its All value {var.get('allValue')!r} is not .* or .+")
        else:
            regex_variables.add(var.get("name"))
    for where, expr in expressions(board):
        for match in re.finditer(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))", expr):
            name = match.group(1) or match.group(2)
            if name in BUILT_IN_VARIABLES:
                continue
            before = expr[:match.start()]
            if name not in regex_variables:
                problems.append(f"{where}: ${name} is not a variable the queries may use")
            elif not re.search(r'\w+\s*=~\s*"$', before):
                problems.append(f"{where}: ${name} is used outside a regex matcher (label=~\"${name}\")")
    return problems


def check_metrics(board: dict, known: set) -> list:
    """Every metric a query names is defined by the code, a recording rule or a known exporter."""
    return [f"{where}: {name} is defined by no code, recording rule or known exporter"
            for where, expr in expressions(board) for name in sorted(metric_names(expr) - known)]


def check_labels(board: dict, labels_of: dict) -> list:
    """Every label a query selects or groups by is one of the labels of a metric it reads (or a target label): a
    `by (arrondissement)` on a counter without that label would sum everything into one unnamed line."""
    problems = []
    for where, expr in expressions(board):
        available = set(TARGET_LABELS).union(*(labels_of.get(name, set()) | exporter_labels(name)
                                               for name in metric_names(expr)))
        problems += [f"{where}: no metric it reads has the label {label!r}"
                     for label in sorted(label_names(expr) - available)]
    return problems


def check_links(boards: dict) -> list:
    """uids unique; every link to /d/<uid> reaches a provisioned dashboard; the tag menu finds some."""
    problems, uids = [], {}
    for name, board in boards.items():
        if board.get("uid") in uids:
            problems.append(f"{name} and {uids[board['uid']]} share the uid {board['uid']!r}")
        uids[board.get("uid")] = name
    for name, board in boards.items():
        links = list(board.get("links") or []) + [link for panel in panels(board) for link in panel.get("links") or []]
        for link in links:
            match = DASHBOARD_URL.match(link.get("url") or "")
            if match and match.group(1) not in uids:
                problems.append(f"{name}: link {link.get('title')!r} points at unknown dashboard {match.group(1)!r}")
            if link.get("type") == "dashboards" and not any(
                    set(link.get("tags") or []) <= set(other.get("tags") or []) for other in boards.values()
                    if other is not board):
                problems.append(f"{name}: link {link.get('title')!r} lists tags {link.get('tags')} no dashboard has")
    return problems


def check_promql_parses(boards: dict, tmp_path: Path) -> list:
    """Every query, its variables substituted as the dashboard-queries test does, parses (promtool)."""
    rules = []
    for board in boards.values():
        for where, expr in expressions(board):
            expr = expr.replace("$__rate_interval", "1m").replace("$__range", "1h")
            rules.append({"record": "dashboard:query:check", "expr": re.sub(r"\$\w+", ".*", expr),
                          "labels": {"where": where}})
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8")
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: dev/ensure-test-tools.sh installs it")
    checked = subprocess.run([promtool, "check", "rules", "--lint=none", str(path)], capture_output=True, text=True)
    return [] if checked.returncode == 0 else [checked.stdout + checked.stderr]


def check_provisioning(compose: dict) -> list:
    """The provisioning files point at the folders compose mounts, and the datasource at compose's Prometheus."""
    problems, services = [], compose.get("services") or {}
    grafana = services.get("grafana")
    if grafana is None:
        return ["docker-compose.yml has no grafana service"]
    mounts = {}
    for volume in grafana.get("volumes") or []:
        source, target = str(volume).split(":")[:2]
        if source.startswith("./"):
            mounts[target] = ROOT / source[2:]
    for kind in ("datasources", "dashboards"):
        target = f"/etc/grafana/provisioning/{kind}"
        if mounts.get(target) != GRAFANA / "provisioning" / kind:
            problems.append(f"grafana does not mount deploy/grafana/provisioning/{kind} at {target}")
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "hub.yml").read_text())["providers"][0]
    folder = mounts.get(provider["options"]["path"])
    if folder is None or not folder.is_dir() or not list(folder.glob("*.json")):
        problems.append(f"the dashboard provider reads {provider['options']['path']}, where compose mounts no "
                        f"folder of dashboards")
    for uid, source in provisioned_datasources().items():
        host = re.match(r"https?://([^:/]+)", source.get("url", ""))
        if not host or host.group(1) not in services:
            problems.append(f"datasource {uid} points at {source.get('url')!r}, not a compose service")
        elif host.group(1) not in (grafana.get("depends_on") or {}):
            problems.append(f"grafana does not wait for {host.group(1)}")
    if grafana.get("ports"):
        problems.append("grafana publishes a port itself: only dev-ports may, with the dev profile")
    forwarders = [name for name, service in services.items() if "3000:3000" in (service.get("ports") or [])
                  and "TCP:grafana:3000" in " ".join(map(str, service.get("command") or []))
                  and DEV_PROFILE in (service.get("profiles") or [])]
    if not forwarders:
        problems.append("no dev-profile service forwards localhost:3000 to grafana:3000")
    env = grafana.get("environment") or {}
    if str(env.get("GF_AUTH_ANONYMOUS_ENABLED", "false")).lower() != "false":
        problems.append("grafana lets anonymous visitors in")
    if not str(env.get("GF_SECURITY_ADMIN_PASSWORD", "")).startswith("${"):
        problems.append("grafana's admin password is not read from the environment")
    return problems


def check_configmaps(objects: list, files=DASHBOARD_FILES) -> list:
    """The Kubernetes ConfigMaps hold every dashboard file as it is, labelled for the Grafana sidecar, and the
    datasource of the same uid."""
    problems, held = [], {}
    for item in objects:
        labels = (item.get("metadata") or {}).get("labels") or {}
        if labels.get("grafana_dashboard") == "1":
            held.update(item.get("data") or {})
        if labels.get("grafana_datasource") == "1":
            for text in (item.get("data") or {}).values():
                uids = {source.get("uid") for source in yaml.safe_load(text).get("datasources") or []}
                if uids != set(provisioned_datasources()):
                    problems.append(f"the datasource ConfigMap defines {sorted(uids)}")
    for path in files:
        if held.get(path.name) != path.read_text(encoding="utf-8"):
            problems.append(f"no grafana_dashboard ConfigMap holds {path.name} as it is")
    return problems


def check_journey_routes(journeys: dict, url_rules: dict) -> list:
    """Each route a dashboard calls "the vote", "a signature" or "an idea" is one the gateway serves with that
    method: a renamed route would otherwise leave its panels silently empty."""
    problems = []
    for journey, (methods, routes) in journeys.items():
        for route in routes.split("|"):
            served = url_rules.get(route, set())
            if not served & set(methods.split("|")):
                problems.append(f"{journey}: the gateway serves no {methods} {route}")
    return problems


def gateway_url_rules() -> dict:
    from gateway.app import create_app
    from gateway.config import Settings
    app = create_app(Settings(secret_key="test", environment="test"))
    rules = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.rule, set()).update(rule.methods)
    return rules


# --- the real files ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def boards():
    return load_dashboards()


@pytest.fixture(scope="module")
def labels_of():
    return {**code_metric_labels(), **recorded_metric_labels()}


@pytest.fixture(scope="module")
def known(labels_of):
    return set(labels_of) | EXPORTER_METRICS


def _generator(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _configmaps() -> list:
    monitoring = ROOT / "deploy" / "k8s" / "base" / "monitoring"
    return [item for path in monitoring.glob("grafana-*.yaml")
            for item in yaml.safe_load_all(path.read_text(encoding="utf-8")) if item]


def test_the_expected_dashboards_exist(boards):
    uids = {board["uid"] for board in boards.values()}
    assert {"hub-overview", "hub-business", "hub-infrastructure"} <= uids
    processes = ("gateway", "accounts", "ideas", "budget", "petitions", "routing", "notifications")
    assert {f"hub-service-{name}" for name in processes} <= uids  # the admin page links to these uids


def test_dashboards_are_generated_and_the_doc_lists_their_queries():
    generator = _generator(GRAFANA / "generate.py", "hub_grafana_generate")
    assert [str(path.relative_to(ROOT)) for path in generator.stale()] == [], "run python deploy/grafana/generate.py"
    assert generator.main(["--check"]) == 0


@pytest.mark.parametrize("name", [path.name for path in DASHBOARD_FILES])
def test_each_dashboard_is_valid(boards, known, labels_of, name):
    board = boards[name]
    assert check_labels(board, labels_of) == []
    assert check_structure(board) == []
    assert check_grid(board) == []
    assert check_datasources(board, provisioned_datasources()) == []
    assert check_variables(board) == []
    assert check_metrics(board, known) == []


def test_links_and_uids(boards):
    assert check_links(boards) == []


def test_every_query_parses(boards, tmp_path):
    assert check_promql_parses(boards, tmp_path) == []


def test_journeys_are_routes_the_gateway_serves():
    journeys = _generator(GRAFANA / "queries.py", "hub_grafana_queries").JOURNEYS
    rules = gateway_url_rules()
    assert check_journey_routes(journeys, rules) == []
    renamed = {"ballot": ("PUT", "/api/v1/budget/cycles/<cycle_id>/bulletin"), "idea": ("PUT", "/api/v1/ideas")}
    assert check_journey_routes(renamed, rules) == [
        "ballot: the gateway serves no PUT /api/v1/budget/cycles/<cycle_id>/bulletin",
        "idea: the gateway serves no PUT /api/v1/ideas"]


def test_compose_provisions_grafana():
    assert check_provisioning(load_yaml("docker-compose.yml")) == []


def test_kubernetes_configmaps_hold_the_dashboards():
    k8s = _generator(ROOT / "deploy" / "k8s" / "generate.py", "hub_k8s_generate_for_grafana")
    assert [path.name for path in k8s.stale() if "grafana" in path.name] == []
    assert check_configmaps(_configmaps()) == []


# --- each check can fail -------------------------------------------------------------------------------------------

@pytest.fixture()
def overview(boards):
    return copy.deepcopy(boards["hub-overview.json"])


def _first_query_panel(board):
    return next(panel for panel in board["panels"] if panel["type"] != "row")


def test_broken_structure_is_reported(overview):
    del overview["uid"]
    overview["schemaVersion"] = 27
    overview["panels"][2]["id"] = overview["panels"][1]["id"]
    panel = _first_query_panel(overview)
    panel["type"] = "graph"
    panel["targets"].append(dict(panel["targets"][0]))
    del panel["fieldConfig"]["defaults"]["unit"]
    problems = " | ".join(check_structure(overview))
    for words in ("missing key 'uid'", "schemaVersion 27", "used twice", "unknown type 'graph'", "repeated refIds",
                  "has no unit"):
        assert words in problems


def test_broken_grid_is_reported(overview):
    overview["panels"][1]["gridPos"]["x"] = 22
    overview["panels"][3]["gridPos"] = dict(overview["panels"][2]["gridPos"])
    problems = " | ".join(check_grid(overview))
    assert "goes past column 24" in problems and "overlaps" in problems


def test_unknown_datasource_is_reported(overview):
    _first_query_panel(overview)["targets"][0]["datasource"] = {"type": "prometheus", "uid": "other"}
    overview["panels"][-1]["datasource"] = {"type": "loki", "uid": "hub-prometheus"}
    problems = " | ".join(check_datasources(overview, provisioned_datasources()))
    assert "not a provisioned uid" in problems and "type 'loki'" in problems


def test_forbidden_variables_are_reported(boards):
    gateway = copy.deepcopy(boards["hub-service-gateway.json"])
    target = _first_query_panel(gateway)["targets"][0]
    target["expr"] = 'sum(rate(hub_http_requests_total{route="$route"}[$__interval])) by ($instance)'
    gateway["templating"]["list"][0]["allValue"] = None
    problems = " | ".join(check_variables(gateway))
    assert "$__interval is not a variable" in problems and "$instance is not" in problems
    assert "All value None" in problems and "$route is not" in problems
    gateway = copy.deepcopy(boards["hub-service-gateway.json"])
    _first_query_panel(gateway)["targets"][0]["expr"] = 'sum(hub_http_requests_total{route="$route"})'
    assert "outside a regex matcher" in " | ".join(check_variables(gateway))


def test_unknown_metric_is_reported(overview, known):
    _first_query_panel(overview)["targets"][0]["expr"] = (
        'sum by (route) (rate(hub_http_request_total{status=~"5.."}[$__rate_interval])) / on (route) up')
    problems = check_metrics(overview, known)
    assert len(problems) == 1 and "hub_http_request_total is defined by no" in problems[0]


def test_metric_names_are_parsed_out_of_promql():
    expr = ('histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{route=~"x|y", status!="5.."}[5m]))) '
            '/ on (job) group_left (instance) max without (pod) (b) or vector(0) > bool 1 and c:d:e offset 5m')
    assert metric_names(expr) == {"a_bucket", "b", "c:d:e"}


def test_code_metrics_are_found(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "m.py").write_text(
        'A = Counter("x_total", "a (b) [c]", ["a", "b"])\nB = prometheus_client.Histogram(\n  "y_seconds", "",\n'
        '  labelnames=("k",))\nC = Gauge("z", "")\nD = Counter("w", "")\nE = collections.Counter(names)\n')
    assert code_metric_labels(tmp_path) == {
        "x_total": {"a", "b"}, "y_seconds_bucket": {"k", "le"}, "y_seconds_sum": {"k"}, "y_seconds_count": {"k"},
        "z": set(), "w_total": set()}


def test_wrong_labels_are_reported(overview, labels_of):
    _first_query_panel(overview)["targets"][0]["expr"] = (
        'sum by (arrondisement) (rate(budget_ballots_total{job="budget", quartier!=""}[$__rate_interval])) '
        '/ on (job) group_left () sum by (job) (up) or label_replace(vector(0), "reason", "aucun", "", "")')
    assert check_labels(overview, labels_of) == [
        "hub-overview / Bulletins / min / A: no metric it reads has the label 'arrondisement'",
        "hub-overview / Bulletins / min / A: no metric it reads has the label 'quartier'"]


def test_label_names_are_parsed_out_of_promql():
    assert label_names('sum by (le, route) (rate(a{route=~"x|y", status!="5.."}[5m])) / on (job) '
                       'group_left (instance) max without (pod) (b{c="{d=e}"})') == {
        "le", "route", "status", "job", "instance", "pod", "c"}


def test_broken_links_are_reported(boards):
    broken = copy.deepcopy(boards)
    broken["hub-business.json"]["uid"] = "hub-overview"
    _first_query_panel(broken["hub-overview.json"])["links"] = [{"title": "x", "url": "/d/hub-nowhere"}]
    broken["hub-overview.json"]["links"][0]["tags"] = ["nobody"]
    problems = " | ".join(check_links(broken))
    assert "share the uid" in problems and "unknown dashboard 'hub-nowhere'" in problems
    assert "no dashboard has" in problems


def test_unparsable_query_is_reported(overview, tmp_path):
    _first_query_panel(overview)["targets"][0]["expr"] = "sum(rate(up[$__rate_interval])"
    assert check_promql_parses({"x": overview}, tmp_path) != []


def test_broken_provisioning_is_reported():
    compose = load_yaml("docker-compose.yml")
    broken = copy.deepcopy(compose)
    grafana = broken["services"]["grafana"]
    grafana["volumes"] = [v for v in grafana["volumes"] if "provisioning/datasources" not in v
                          and not v.startswith("./deploy/grafana/dashboards")]
    grafana["environment"]["GF_AUTH_ANONYMOUS_ENABLED"] = "true"
    grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"] = "admin"
    del grafana["depends_on"]
    grafana["ports"] = ["3000:3000"]
    broken["services"]["dev-ports"]["command"] = [" & ".join(
        part for part in broken["services"]["dev-ports"]["command"][0].split(" & ") if "grafana" not in part)]
    problems = " | ".join(check_provisioning(broken))
    for words in ("provisioning/datasources", "no folder of dashboards", "anonymous", "admin password",
                  "does not wait for prometheus", "publishes a port itself", "forwards localhost:3000"):
        assert words in problems
    del broken["services"]["grafana"]
    assert check_provisioning(broken) == ["docker-compose.yml has no grafana service"]


def test_stale_configmaps_are_reported():
    objects = _configmaps()
    dashboard = next(item for item in objects if item["metadata"]["labels"].get("grafana_dashboard") == "1")
    key = next(iter(dashboard["data"]))
    dashboard["data"][key] = dashboard["data"][key].replace('"hub-prometheus"', '"other"', 1)
    assert check_configmaps(objects) == [f"no grafana_dashboard ConfigMap holds {key} as it is"]
    datasource = next(item for item in objects if item["metadata"]["labels"].get("grafana_datasource") == "1")
    datasource["data"]["hub-prometheus.yaml"] = datasource["data"]["hub-prometheus.yaml"].replace("hub-prometheus", "x")
    assert "the datasource ConfigMap defines ['x']" in check_configmaps(objects)
