"""deploy/k8s/ against the Kubernetes API, the operators' CRDs and the code, offline (no cluster).

Every overlay is rendered with `kubectl kustomize` and each object validated against the API schemas of
KUBERNETES_VERSION and the vendored CRDs (tests/contract/k8s_schemas.py); the rendered objects are then held to
the contract with the code (k8s_checks.py, k8s_wiring.py): each service package deployed after its migrations,
every variable set is read by the code and every variable read is set or safely defaulted, every Secret
referenced declared or documented, the broker's and Redis's users as deploy/*/users.py define them, and the same
variables as docker-compose.yml. tests/contract/test_k8s_checks_fail.py shows that each check can fail.
"""
import base64
import importlib.util
import subprocess

import pytest
from hubkit import keys
from hubkit.config import require_strong_secret

from tests.contract import k8s_checks as checks
from tests.contract import k8s_wiring as wiring
from tests.contract.k8s_schemas import K8S, OVERLAYS, ROOT, render, schema_problems
from tests.contract.test_compose import deploy_module, environment as compose_environment, load_yaml, service_packages

# Variables the code reads that no manifest sets, and why their default is right in a cluster. A service's own
# settings (`<SERVICE>_...`, its pydantic settings class) are the City's rules, validated, with documented defaults.
# A name ending in `*` stands for every name it begins.
SAFE_DEFAULTS = {
    "HUB_ADMIN_PASSWORD": "read by `create-admin`, which an operator runs by hand (kubectl exec), never a pod",
    "HUB_AMQP_CA_FILE": "TLS to the broker, only with amqps:// (docs/operations/broker.md)",
    "HUB_AMQP_CERT_FILE": "TLS client certificate, only with amqps://",
    "HUB_AMQP_KEY_FILE": "TLS client key, only with amqps://",
    "HUB_AMQP_DELIVERY_LIMIT": "10 deliveries of a message before it is dead-lettered (hubkit.queues)",
    "HUB_AMQP_QUEUE_TYPE": "quorum under HUB_ENV=production (three broker nodes), classic in the dev overlay (one)",
    "HUB_ASSERTION_SECONDS": "lifetime of a signed call (hubkit.trust), not a site setting",
    "HUB_BATCHES_IN_FLIGHT": "2 for a lone gateway process, which each gateway pod is",
    "HUB_DB_MAX_OVERFLOW": "with HUB_DB_POOL_SIZE, 30 client connections per process at most, which PgBouncer "
                           "multiplexes (max_client_conn 1,000 per pooler pod; deploy/k8s/README.md, Sizing)",
    "HUB_DB_POOL_SIZE": "10 pooled connections per process (see HUB_DB_MAX_OVERFLOW)",
    "HUB_DB_POOL_TIMEOUT": "30 s waiting for a pooled connection before a request fails",
    "HUB_EVENT_RETRIES": "5 retries of a failing event, with growing delays, before its dead-letter queue",
    "HUB_EVENT_RETRY_SECONDS": "2 s before the first retry, doubling",
    "HUB_DASHBOARDS_URL": "unset: the admin page « État du hub » shows no dashboard links until an operator sets "
                          "the cluster's Grafana address (it differs per cluster)",
    "HUB_GC_THRESHOLDS": "the collector tuning measured in bench/README.md",
    "HUB_HSTS_SECONDS": "a year under HUB_ENV=production",
    "HUB_IDEMPOTENCY_HOURS": "a day during which a retried ballot, signature or idea gets its first answer "
                             "(hubkit.idempotency, pruned by hubkit.pruning)",
    "HUB_MAX_CONNECTIONS": "a gateway process's open connections (1,000): the HPA adds pods long before",
    "HUB_MAX_WORKERS": "nameko's 20 workers per service process",
    "HUB_PETITION_VIEW_CACHE_SECONDS": "one second of visitor pages cached per gateway process",
    "HUB_REDIS_PREFIX": "`hub`, the prefix deploy/redis/users.py's ACL keys are written for",
    "HUB_PRUNE_AFTER_DAYS": "30 days of relayed events, processed-event marks and sent mails kept (hubkit.pruning)",
    "HUB_PRUNE_INTERVAL_SECONDS": "an hour between prunes, whichever replica takes it",
    "HUB_RPC_POOL_SIZE": "32 proxies per gateway process",
    "HUB_RPC_TIMEOUT": "5 s, the broker's TTL of a request too (hubkit/rpc.py)",
    "HUB_SESSION_CACHE_SECONDS": "60 s, the longest a revoked session may be served from Redis",
    "HUB_SHUTDOWN_GRACE_SECONDS": "5 s in production; the gateway's pod has 40 s to stop (its grace period)",
    "HUB_SHUTDOWN_TIMEOUT_SECONDS": "20 s for in-flight requests, within the same 40 s",
    "HUB_TEST_*": "the test harness's servers (hubkit.testing), never read by a running process",
    "HUB_TRACE_SAMPLE_RATIO": "0.01 of the correlation chains traced, once tracing is on (hubkit.tracing)",
    "HUB_TRACING": "off: traces are opt-in, an overlay turns them on with its collector (docs/operations.md, Traces)",
    "OTEL_EXPORTER_OTLP_*": "read only with HUB_TRACING=otlp, which no manifest sets",
    "HUB_TRUST_DEV_SEED": "keys derived from one seed: the dev overlay only, production refuses it",
    "HUB_VAR_DIR": "the image's ENV (/var/lib/hub), an emptyDir in every pod",
    "PROMETHEUS_MULTIPROC_DIR": "set by gateway.__main__ itself when HUB_GATEWAY_PROCESSES > 1 (under HUB_VAR_DIR), "
                                "never by a manifest",
}
# The dev overlay gives no key files: every key derives from HUB_TRUST_DEV_SEED (hubkit.keys, HUB_ENV=local).
DEV_DERIVED = {name: "derived from HUB_TRUST_DEV_SEED in the dev overlay"
               for name in ("HUB_TRUST_KEY", "HUB_TRUST_PUBLIC_KEYS", "HUB_SESSION_CACHE_KEYS")}
TRUST = ("HUB_TRUST_KEY_FILE|HUB_TRUST_KEY|HUB_TRUST_DEV_SEED",
         "HUB_TRUST_PUBLIC_KEYS_FILE|HUB_TRUST_PUBLIC_KEYS|HUB_TRUST_DEV_SEED")
SESSION_CACHE = "HUB_SESSION_CACHE_KEYS_FILE|HUB_SESSION_CACHE_KEYS|HUB_TRUST_DEV_SEED"
# What docker-compose.yml and the manifests may set differently, and why.
# compose passes tracing's settings through (off unless HUB_TRACING=otlp, for its `tracing` profile's Jaeger)
TRACING_PASSED_THROUGH = {name: "compose's `tracing` profile (Jaeger); a cluster's overlay sets its own collector"
                          for name in ("HUB_TRACING", "HUB_TRACE_SAMPLE_RATIO", "OTEL_EXPORTER_OTLP_ENDPOINT")}
COMPOSE_DIFFERENCES = {
    "gateway": {"HUB_TRUSTED_PROXIES": "in the cluster the ingress controller is a proxy in front of the gateway",
                **TRACING_PASSED_THROUGH},
    **{package: {"HUB_DB_PREPARED_STATEMENTS": "in the cluster the services reach PostgreSQL through PgBouncer in "
                                               "transaction mode; in compose, directly", **TRACING_PASSED_THROUGH}
       for package in service_packages()},
}


def required_variables(packages: list, redis_users: set, names: set) -> dict:
    """{process: variables without which it would not run right in a cluster (defaults meant for one machine)}."""
    shared = ("HUB_AMQP_URI", "HUB_PUBLIC_URL", "HUB_ENV") + TRUST
    required = {}
    for package in packages:
        variables = shared + ("HUB_BIND_HOST", "HUB_MAIL_URL", "HUB_AMQP_DECLARE_EVENT_EXCHANGES",
                              f"{package.upper()}_DATABASE_URL", f"{package.upper()}_HTTP_PORT")
        variables += ("HUB_REDIS_URL",) if package in redis_users else ()
        variables += (SESSION_CACHE,) if package == "accounts" else ()
        # the services reach PostgreSQL through PgBouncer in transaction mode: no server-side prepared statements
        variables += ("HUB_DB_PREPARED_STATEMENTS",) if "HUB_DB_PREPARED_STATEMENTS" in names else ()
        required[package] = variables
    required["gateway"] = shared + ("HUB_REDIS_URL", "HUB_HOST", "HUB_PORT", "HUB_SECRET_KEY", "HUB_SERVICES",
                                    "HUB_COOKIE_SECURE", SESSION_CACHE)
    return required


def documented_secrets(readme: str) -> set:
    """The names in the first column of the table under deploy/k8s/README.md's `## Secrets`."""
    section = readme.split("\n## Secrets", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("|") and line.count("|") > 2]
    return {name.strip("`") for cell in rows for name in cell.split() if name.startswith("`hub-")}


def _generator():
    spec = importlib.util.spec_from_file_location("hub_k8s_generate", K8S / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered():
    return {overlay: render(K8S / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="module")
def production(rendered):
    return rendered["production"]


@pytest.fixture(scope="module")
def rabbitmq_users():
    return deploy_module("rabbitmq")


@pytest.fixture(scope="module")
def redis_users():
    return {user.name for user in deploy_module("redis").USERS}


@pytest.fixture(scope="module")
def readme():
    return (K8S / "README.md").read_text(encoding="utf-8")


# --- the real manifests --------------------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_matches_its_schema(rendered, overlay):
    assert schema_problems(rendered[overlay]) == []


def test_generated_manifests_are_up_to_date():
    assert [str(path.relative_to(ROOT)) for path in _generator().stale()] == [], \
        "run python deploy/k8s/generate.py"



def test_the_generator_says_when_a_file_is_stale(tmp_path, monkeypatch, capsys):
    generator = _generator()
    assert generator.main(["--check"]) == 0
    monkeypatch.setattr(generator, "DEPLOY", tmp_path)
    monkeypatch.setattr(generator, "outputs", lambda: {tmp_path / "k8s" / "rules.yaml": "groups: []\n"})
    assert generator.main(["--check"]) == 1
    assert "k8s/rules.yaml is out of date" in capsys.readouterr().err

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_is_deployed_migrated_and_monitored(rendered, packages, overlay):
    assert checks.check_processes(rendered[overlay], packages, dev=overlay == "dev") == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_variables_are_read_and_what_is_read_is_set(rendered, reads, packages, redis_users, overlay):
    names, suffixes = reads
    safe_defaults = SAFE_DEFAULTS | (DEV_DERIVED if overlay == "dev" else {})
    assert checks.check_environment(rendered[overlay], names, suffixes, packages, safe_defaults) == []
    assert checks.check_required(rendered[overlay], required_variables(packages, redis_users, names)) == []


def test_prepared_statements_are_off_behind_pgbouncer(production, reads, packages):
    if "HUB_DB_PREPARED_STATEMENTS" not in reads[0]:
        pytest.skip("the code has no HUB_DB_PREPARED_STATEMENTS yet")
    deployments = checks.hub_deployments(production)
    values = {p: checks.environment(checks.hub_container(deployments[p]), production).get("HUB_DB_PREPARED_STATEMENTS")
              for p in packages}
    assert set(values.values()) == {"0"}, values


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_restricted_and_sized(rendered, overlay):
    assert checks.check_pod_security(rendered[overlay]) == []
    assert checks.check_probes_and_resources(rendered[overlay]) == []


def test_production_runs_two_replicas_or_more_of_everything(production):
    assert checks.check_replicas(production, minimum=2) == []
    assert [c["spec"].get("replicas") for c in checks.by_kind(production, "RabbitmqCluster").values()] == [3]
    assert [c["spec"].get("instances") for c in checks.by_kind(production, "Cluster").values()] == [3]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_infrastructure_users_are_the_tables(rendered, packages, rabbitmq_users, overlay):
    assert wiring.check_broker(rendered[overlay], rabbitmq_users) == []
    assert wiring.check_redis(rendered[overlay], deploy_module("redis")) == []
    assert wiring.check_databases(rendered[overlay], packages) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_through_only_what_is_needed(rendered, packages, redis_users, overlay):
    assert wiring.check_network(rendered[overlay], packages, redis_users) == []


def test_every_secret_referenced_is_declared_or_documented(rendered, readme):
    assert wiring.check_references(rendered["production"], documented_secrets(readme)) == []
    assert not [o for o in rendered["production"] if o["kind"] == "Secret"], "production generates no Secret"
    # a throwaway cluster starts from the dev overlay alone: it declares every Secret its pods use
    assert wiring.check_references(rendered["dev"], documented=set()) == []


def test_dev_runs_one_of_everything_without_autoscalers(rendered):
    dev = rendered["dev"]
    counts = {checks.describe(o): o["spec"].get("replicas") for o in dev if o["kind"] in ("Deployment", "StatefulSet")}
    assert set(counts.values()) == {1}, counts
    assert not checks.autoscaled(dev)
    assert [c["spec"]["replicas"] for c in checks.by_kind(dev, "RabbitmqCluster").values()] == [1]
    assert [c["spec"]["instances"] for c in checks.by_kind(dev, "Cluster").values()] == [1]


def _render_acl(tmp_path, passwords: dict):
    secrets = tmp_path / "secrets"
    for user, password in passwords.items():
        (secrets / user).mkdir(parents=True)
        (secrets / user / "password").write_text(password + "\n", encoding="utf-8")  # as `kubectl create secret`
    output = tmp_path / "users.acl"
    redis = K8S / "base" / "redis"
    result = subprocess.run(["sh", str(redis / "render-acl.sh"), str(redis / "users.acl"), str(secrets), str(output)],
                            capture_output=True, text=True, timeout=30)
    return result, output


def test_the_redis_pods_write_the_acl_file_users_py_writes(tmp_path):
    users = deploy_module("redis")
    passwords = {user.name: f"{user.name}-{index}-Zq8" for index, user in enumerate(users.USERS)}
    result, output = _render_acl(tmp_path, {**passwords, users.MONITORING_USER: "monitoring-Wd5", "admin": "admin-Kp3"})
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == users.acl_file(passwords, "admin-Kp3", "hub",
                                                                monitoring_password="monitoring-Wd5")


def test_the_redis_pods_refuse_a_user_without_password(tmp_path):
    users = deploy_module("redis")
    result, _ = _render_acl(tmp_path, {**{user.name: "x" for user in users.USERS}, users.MONITORING_USER: "x"})
    assert result.returncode == 1 and "no password for the Redis user admin" in result.stderr

@pytest.mark.parametrize("script", sorted(path.name for path in (K8S / "base" / "redis").glob("*.sh")))
def test_the_redis_scripts_are_valid_sh(script):
    result = subprocess.run(["sh", "-n", str(K8S / "base" / "redis" / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

def test_docker_compose_sets_the_same_variables(production):
    services = load_yaml("docker-compose.yml")["services"]
    assert wiring.check_compose_agreement(production, services, compose_environment, COMPOSE_DIFFERENCES) == []


def test_the_dev_overlays_placeholders_are_refused_in_production(rendered, monkeypatch):
    """The dev overlay's secret key and trust seed are placeholders the code refuses under HUB_ENV=production."""
    secrets = checks.by_kind(rendered["dev"], "Secret")

    def value(name: str, key: str) -> str:
        return base64.b64decode(secrets[name]["data"][key]).decode()
    with pytest.raises(ValueError, match="HUB_SECRET_KEY"):
        require_strong_secret("HUB_SECRET_KEY", value("hub-gateway-secret-key", "secret-key"))
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_TRUST_DEV_SEED", value("hub-trust-dev-seed", "seed"))
    monkeypatch.delenv("HUB_TRUST_KEY", raising=False)
    monkeypatch.delenv("HUB_TRUST_KEY_FILE", raising=False)
    keys.signing_key.cache_clear()
    try:
        with pytest.raises(keys.KeyConfigurationError, match="HUB_TRUST_DEV_SEED"):
            keys.signing_key("gateway")
    finally:
        keys.signing_key.cache_clear()
