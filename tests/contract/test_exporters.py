"""The infrastructure's exporters are deployed and scraped under the job names the rules select (`rabbitmq`,
`postgres`, `redis`), in docker compose and in Kubernetes, each reading its server as a monitoring user that cannot
touch the hub's data.

Each `check_*` function returns a list of problems (empty when the contract holds); the `test_broken_*` tests feed
them deliberately broken copies to prove they can fail.
"""
import copy
import re
from pathlib import Path

import pytest
import yaml

from tests.contract.test_compose import deploy_module, environment, load_yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s" / "base"
# job: (compose service scraped, port, path). RabbitMQ's /metrics has the alarms (rabbitmq_alarms_*) and, with
# RABBITMQ_PER_OBJECT set, one series per queue; /metrics/per-object has no alarm.
EXPORTERS = {"rabbitmq": ("rabbitmq", 15692, "/metrics"),
             "postgres": ("postgres-exporter", 9187, "/metrics"),
             "redis": ("redis-exporter", 9121, "/metrics")}
RABBITMQ_PER_OBJECT = "prometheus.return_per_object_metrics = true"
# Redis commands that read or change data or the server: the exporter's user must have none
REDIS_FORBIDDEN = ("get", "set", "del", "keys", "scan", "eval", "evalsha", "flushall", "flushdb", "config|set",
                   "client|kill", "acl", "shutdown", "debug", "script|load", "@all", "@write", "@read", "@admin",
                   "@dangerous", "client", "config")


def check_scrape_jobs(compose: dict, prometheus: dict) -> list:
    services, problems = compose.get("services") or {}, []
    jobs = {job.get("job_name"): job for job in prometheus.get("scrape_configs") or []}
    for name, (service, port, path) in EXPORTERS.items():
        job = jobs.get(name)
        if job is None:
            problems.append(f"prometheus.yml has no scrape job {name!r}")
            continue
        targets = {target for config in job.get("static_configs") or [] for target in config.get("targets") or []}
        if targets != {f"{service}:{port}"}:
            problems.append(f"job {name!r} scrapes {sorted(targets)}, not {service}:{port}")
        if job.get("metrics_path", "/metrics") != path:
            problems.append(f"job {name!r} scrapes {job.get('metrics_path', '/metrics')}, not {path}")
        if service not in services:
            problems.append(f"job {name!r} scrapes {service!r}, which is not a compose service")
    return problems


def check_rabbitmq_plugin(compose: dict, root: Path = ROOT) -> list:
    volumes = (compose.get("services") or {}).get("rabbitmq", {}).get("volumes") or []
    mounts = [str(volume).split(":") for volume in volumes]
    plugins = [source for source, target, *_ in mounts if target == "/etc/rabbitmq/enabled_plugins"]
    if not plugins:
        return ["rabbitmq does not mount an enabled_plugins file at /etc/rabbitmq/enabled_plugins"]
    text = (root / plugins[0]).read_text(encoding="utf-8")
    enabled = set(re.findall(r"\w+", text))
    return [f"{plugins[0]} does not enable {plugin}" for plugin in ("rabbitmq_management", "rabbitmq_prometheus")
            if plugin not in enabled]


def check_rabbitmq_per_object(compose: dict, cluster: dict, monitors: list, root: Path = ROOT) -> list:
    """RabbitMQ serves per-queue series on the /metrics the `rabbitmq` job scrapes, in docker compose (a conf.d file
    mounted) and in Kubernetes (the cluster's additionalConfig, the PodMonitor's path)."""
    problems = []
    volumes = (compose.get("services") or {}).get("rabbitmq", {}).get("volumes") or []
    mounts = [str(volume).split(":") for volume in volumes]
    configs = [source for source, target, *_ in mounts if target.startswith("/etc/rabbitmq/conf.d/")]
    if not any(RABBITMQ_PER_OBJECT in (root / source).read_text(encoding="utf-8").splitlines() for source in configs):
        problems.append(f"compose's rabbitmq mounts no /etc/rabbitmq/conf.d/ file with {RABBITMQ_PER_OBJECT!r}")
    additional = ((cluster.get("spec") or {}).get("rabbitmq") or {}).get("additionalConfig") or ""
    if RABBITMQ_PER_OBJECT not in [line.strip() for line in additional.splitlines()]:
        problems.append(f"RabbitmqCluster/{cluster['metadata']['name']}'s additionalConfig lacks "
                        f"{RABBITMQ_PER_OBJECT!r}")
    paths = {endpoint.get("path", "/metrics") for monitor in monitors
             for endpoint in monitor["spec"]["podMetricsEndpoints"]}
    if paths != {EXPORTERS["rabbitmq"][2]}:
        problems.append(f"the rabbitmq PodMonitor scrapes {sorted(paths)}, not {EXPORTERS['rabbitmq'][2]}")
    return problems


def check_postgres_exporter(compose: dict, root: Path = ROOT) -> list:
    services, problems = compose.get("services") or {}, []
    exporter, postgres = environment(services.get("postgres-exporter") or {}), services.get("postgres") or {}
    user = exporter.get("DATA_SOURCE_USER")
    if user in (None, "", environment(postgres).get("POSTGRES_USER")):
        problems.append(f"postgres-exporter connects as {user!r}, not as a monitoring role of its own")
    if exporter.get("DATA_SOURCE_PASS") != environment(postgres).get("POSTGRES_MONITORING_PASSWORD"):
        problems.append("postgres-exporter's DATA_SOURCE_PASS is not the POSTGRES_MONITORING_PASSWORD postgres gets")
    scripts = [str(volume).split(":")[0] for volume in postgres.get("volumes") or []
               if "/docker-entrypoint-initdb.d/" in str(volume)]
    sql = "\n".join((root / script).read_text(encoding="utf-8") for script in scripts)
    if not re.search(rf"CREATE ROLE {user} LOGIN\b", sql or "") or f"GRANT pg_monitor TO {user};" not in sql:
        problems.append(f"no init script of postgres creates the login role {user!r} with pg_monitor only")
    if re.search(rf"(SUPERUSER|CREATEROLE|GRANT (ALL|\w+) ON)", sql, re.IGNORECASE):
        problems.append("an init script grants the monitoring role more than pg_monitor")
    return problems


def check_redis_exporter(compose: dict, users) -> list:
    services, problems = compose.get("services") or {}, []
    exporter = environment(services.get("redis-exporter") or {})
    if exporter.get("REDIS_USER") != users.MONITORING_USER:
        problems.append(f"redis-exporter connects as {exporter.get('REDIS_USER')!r}, not {users.MONITORING_USER!r}")
    job = environment(services.get("redis-users") or {})
    if not exporter.get("REDIS_PASSWORD") or exporter.get("REDIS_PASSWORD") != job.get(
            users.env_key(users.MONITORING_USER)):
        problems.append("redis-exporter's REDIS_PASSWORD is not the one redis-users hashes for the monitoring user")
    rules = users.monitoring_rules()
    # a key pattern (~, %R~, allkeys) or a channel pattern (&, allchannels)
    if any(re.match(r"[~%&]|allkeys|allchannels", rule) for rule in rules) or "resetkeys" not in rules:
        problems.append(f"the monitoring user may reach keys or channels: {rules}")
    allowed = {rule[1:] for rule in rules if rule.startswith("+")}
    if allowed & set(REDIS_FORBIDDEN):
        problems.append(f"the monitoring user may run {sorted(allowed & set(REDIS_FORBIDDEN))}")
    return problems


def check_pod_monitors(monitors: dict) -> list:
    """Each exporter's PodMonitor sets `job` to the name the rules select."""
    problems = []
    for name, documents in monitors.items():
        given = set()
        for monitor in documents:
            for endpoint in monitor["spec"]["podMetricsEndpoints"]:
                jobs = [relabel.get("replacement") for relabel in endpoint.get("relabelings") or []
                        if relabel.get("targetLabel") == "job"]
                if not jobs:
                    problems.append(f"PodMonitor/{monitor['metadata']['name']} does not set `job`")
                given.update(jobs)
        if name not in given:
            problems.append(f"deploy/k8s/base/{name}/podmonitor.yaml gives no target the job {name!r}")
    return problems


@pytest.fixture(scope="module")
def compose():
    return load_yaml("docker-compose.yml")


@pytest.fixture(scope="module")
def prometheus():
    return load_yaml("deploy/prometheus/prometheus.yml")


@pytest.fixture(scope="module")
def monitors():
    found = {}
    for name in EXPORTERS:
        documents = list(yaml.safe_load_all((K8S / name / "podmonitor.yaml").read_text(encoding="utf-8")))
        found[name] = [document for document in documents if document]
    return found


def test_every_exporter_is_scraped_under_its_job(compose, prometheus):
    assert check_scrape_jobs(compose, prometheus) == []


def test_rabbitmq_exports_its_metrics(compose):
    assert check_rabbitmq_plugin(compose) == []


@pytest.fixture(scope="module")
def rabbitmq_cluster():
    return yaml.safe_load((K8S / "rabbitmq" / "rabbitmqcluster.yaml").read_text(encoding="utf-8"))


def test_rabbitmq_serves_queues_and_alarms_on_the_scraped_path(compose, rabbitmq_cluster, monitors):
    assert check_rabbitmq_per_object(compose, rabbitmq_cluster, monitors["rabbitmq"]) == []


def test_rabbitmq_without_per_object_metrics_is_reported(compose, rabbitmq_cluster, monitors, tmp_path):
    (tmp_path / "20-prometheus.conf").write_text("# prometheus.return_per_object_metrics = true\n")
    broken = copy.deepcopy(compose)
    broken["services"]["rabbitmq"]["volumes"] = [
        f"{tmp_path}/20-prometheus.conf:/etc/rabbitmq/conf.d/20-prometheus.conf"]
    cluster = copy.deepcopy(rabbitmq_cluster)
    cluster["spec"]["rabbitmq"]["additionalConfig"] = "queue_leader_locator = balanced\n"
    monitors_copy = copy.deepcopy(monitors["rabbitmq"])
    monitors_copy[0]["spec"]["podMetricsEndpoints"][0]["path"] = "/metrics/per-object"
    problems = check_rabbitmq_per_object(broken, cluster, monitors_copy, Path("/"))
    assert _mention(problems, "conf.d") and _mention(problems, "additionalConfig") and _mention(
        problems, "PodMonitor", "/metrics/per-object")


def test_postgres_exporter_reads_as_a_monitoring_role(compose):
    assert check_postgres_exporter(compose) == []


def test_redis_exporter_reads_as_a_keyless_user(compose):
    assert check_redis_exporter(compose, deploy_module("redis")) == []


def test_kubernetes_exporters_have_the_same_job_names(monitors):
    assert check_pod_monitors(monitors) == []


def _mention(problems: list, *words) -> bool:
    return any(all(word in problem for word in words) for problem in problems)


def test_broken_scrape_jobs_are_reported(compose, prometheus):
    broken = copy.deepcopy(prometheus)
    for job in broken["scrape_configs"]:
        if job["job_name"] == "rabbitmq":
            job["metrics_path"] = "/metrics/per-object"  # per-queue series but no alarm
    broken["scrape_configs"] = [job for job in broken["scrape_configs"] if job["job_name"] != "redis"]
    problems = check_scrape_jobs(compose, broken)
    assert _mention(problems, "'rabbitmq'", "/metrics/per-object") and _mention(problems, "no scrape job 'redis'")
    without = copy.deepcopy(compose)
    del without["services"]["postgres-exporter"]
    assert _mention(check_scrape_jobs(without, prometheus), "'postgres-exporter'", "not a compose service")


def test_broken_exporter_credentials_are_reported(compose, tmp_path):
    broken = copy.deepcopy(compose)
    broken["services"]["postgres-exporter"]["environment"]["DATA_SOURCE_USER"] = "hub"
    broken["services"]["redis-exporter"]["environment"]["REDIS_USER"] = "admin"
    broken["services"]["redis-exporter"]["environment"]["REDIS_PASSWORD"] = "${REDIS_ADMIN_PASSWORD:-local-admin}"
    broken["services"]["rabbitmq"]["volumes"] = ["rabbitmq-data:/var/lib/rabbitmq"]
    assert _mention(check_postgres_exporter(broken), "'hub'")
    problems = check_redis_exporter(broken, deploy_module("redis"))
    assert _mention(problems, "'admin'") and _mention(problems, "REDIS_PASSWORD")
    assert _mention(check_rabbitmq_plugin(broken), "enabled_plugins")
    (tmp_path / "enabled_plugins").write_text("[rabbitmq_management].\n")
    compose_copy = copy.deepcopy(compose)
    compose_copy["services"]["rabbitmq"]["volumes"] = [f"{tmp_path}/enabled_plugins:/etc/rabbitmq/enabled_plugins"]
    assert _mention(check_rabbitmq_plugin(compose_copy, Path("/")), "rabbitmq_prometheus")


def test_a_monitoring_user_with_keys_or_writes_is_reported(compose):
    users = deploy_module("redis")
    users.monitoring_rules = lambda: ["resetkeys", "~*", "-@all", "+info", "+config"]
    assert _mention(check_redis_exporter(compose, users), "keys") and _mention(check_redis_exporter(compose, users),
                                                                               "config")


def test_a_pod_monitor_without_the_job_name_is_reported(monitors):
    broken = copy.deepcopy(monitors)
    for endpoint in broken["redis"][0]["spec"]["podMetricsEndpoints"]:
        endpoint.pop("relabelings")
    assert _mention(check_pod_monitors(broken), "does not set `job`") and _mention(check_pod_monitors(broken),
                                                                                   "'redis'")
