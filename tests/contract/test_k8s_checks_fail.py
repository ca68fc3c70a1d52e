"""The checks of tests/contract/test_k8s_manifests.py can fail: each is fed a deliberately broken copy of the
rendered production overlay (or of docker-compose.yml) and must name what is wrong."""
import copy

from tests.contract import k8s_checks as checks
from tests.contract import k8s_wiring as wiring
from tests.contract.k8s_schemas import schema_problems
from tests.contract.test_compose import deploy_module, environment as compose_environment, load_yaml
from tests.contract.test_k8s_manifests import (COMPOSE_DIFFERENCES, SAFE_DEFAULTS, documented_secrets,  # noqa: F401
                                               production, rabbitmq_users, readme, redis_users,
                                               rendered, required_variables)


def _deployment(objects: list, name: str) -> dict:
    return checks.by_kind(objects, "Deployment")[name]


def _mention(problems: list, *words) -> bool:
    return any(all(word in problem for word in words) for problem in problems)


def test_broken_schemas_are_reported(production):
    broken = copy.deepcopy(production)
    checks.hub_container(_deployment(broken, "accounts"))["livenesProbe"] = {"httpGet": {"path": "/healthz"}}
    checks.by_kind(broken, "RabbitmqCluster")["hub-rabbitmq"]["spec"]["replica"] = 3
    checks.by_kind(broken, "Cluster")["hub-postgres"]["spec"]["instances"] = "three"
    problems = schema_problems(broken)
    assert _mention(problems, "Deployment/accounts", "livenesProbe")
    assert _mention(problems, "RabbitmqCluster/hub-rabbitmq", "replica")
    assert _mention(problems, "Cluster/hub-postgres", "instances")
    assert _mention(schema_problems([{"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "x"}}]),
                    "no schema")


def test_broken_environment_is_reported(production, reads, packages, redis_users):
    names, suffixes = reads
    broken = copy.deepcopy(production)
    env = checks.hub_container(_deployment(broken, "accounts"))["env"]
    for variable in env:
        if variable["name"] == "ACCOUNTS_DATABASE_URL":
            variable["name"] = "ACCOUNT_DATABASE_URL"  # a typo: the code would use SQLite
    env.insert(0, {"name": "HUB_AMQP_URI", "value": "amqp://accounts:$(BROKER_PASSWORD)@hub-rabbitmq:5672/hub"})
    problems = checks.check_environment(broken, names, suffixes, packages, SAFE_DEFAULTS)
    assert _mention(problems, "accounts", "ACCOUNT_DATABASE_URL", "no code")
    assert _mention(problems, "accounts", "$(BROKER_PASSWORD)", "not defined before")
    assert _mention(checks.check_required(broken, required_variables(packages, redis_users, names)),
                    "accounts", "ACCOUNTS_DATABASE_URL")
    unsafe = {key: why for key, why in SAFE_DEFAULTS.items() if key != "HUB_RPC_TIMEOUT"}
    assert _mention(checks.check_environment(production, names, suffixes, packages, unsafe), "HUB_RPC_TIMEOUT")


def test_missing_pieces_of_a_process_are_reported(production, packages):
    broken = copy.deepcopy(production)
    accounts = _deployment(broken, "accounts")
    del accounts["spec"]["template"]["spec"]["initContainers"]
    checks.hub_container(accounts)["ports"][0]["containerPort"] = 9101
    broken = [o for o in broken if not (o["kind"] == "PodDisruptionBudget" and o["metadata"]["name"] == "ideas")]
    problems = checks.check_processes(broken, packages, dev=False)
    assert _mention(problems, "accounts", "migrate") and _mention(problems, "accounts", "9101")
    assert _mention(problems, "ideas", "PodDisruptionBudget")
    assert _mention(checks.check_processes(production, packages + ["libraries"], dev=False), "services/libraries")


def test_unrestricted_or_unsized_pods_are_reported(production):
    broken = copy.deepcopy(production)
    gateway = checks.hub_container(_deployment(broken, "gateway"))
    gateway["securityContext"]["readOnlyRootFilesystem"] = False
    del gateway["resources"]["limits"]
    del gateway["readinessProbe"]
    assert _mention(checks.check_pod_security(broken), "gateway", "not restricted")
    problems = checks.check_probes_and_resources(broken)
    assert _mention(problems, "gateway", "limits") and _mention(problems, "gateway", "readinessProbe")


def test_too_few_replicas_are_reported(production):
    broken = copy.deepcopy(production)
    _deployment(broken, "ideas")["spec"]["replicas"] = 1
    _deployment(broken, "budget")["spec"]["replicas"] = 2
    problems = checks.check_replicas(broken, minimum=2)
    assert _mention(problems, "ideas", "fewer than 2") and _mention(problems, "budget", "autoscaler owns")


def test_wrong_infrastructure_users_are_reported(production, packages, rabbitmq_users):
    broken = copy.deepcopy(production)
    checks.by_kind(broken, "Permission")["permission-budget"]["spec"]["permissions"]["read"] = ".*"
    checks.by_kind(broken, "Permission")["permission-keda"]["spec"]["permissions"]["write"] = ".*"
    # routing could then bind a queue to the personal events (ideas' idea_followed)
    checks.by_kind(broken, "TopicPermission")["topic-permission-routing-ideas-events"]["spec"]["permissions"][
        "read"] = ".*"
    env = checks.hub_container(_deployment(broken, "ideas"))["env"]
    for variable in env:
        if variable["name"] == "HUB_REDIS_URL":
            variable["value"] = variable["value"].replace("//ideas:", "//accounts:")
    for variable in checks.hub_container(_deployment(broken, "gateway"))["env"]:
        if variable["name"] == "HUB_REDIS_URL":
            variable["value"] = variable["value"].replace("/hub/0", "/mymaster/0")
    checks.by_kind(broken, "Database")["hub-postgres-routing"]["spec"]["owner"] = "accounts"
    assert _mention(wiring.check_broker(broken, rabbitmq_users), "'budget'", "Permission")
    assert _mention(wiring.check_broker(broken, rabbitmq_users), "'keda'", "rights")
    assert _mention(wiring.check_broker(broken, rabbitmq_users), "'routing'", "TopicPermissions")
    assert _mention(wiring.check_redis(broken, deploy_module("redis")), "ideas", "own user")
    assert _mention(wiring.check_redis(broken, deploy_module("redis")), "gateway", "master 'hub'")
    redis = checks.by_kind(broken, "StatefulSet")["hub-redis"]["spec"]["template"]["spec"]
    exporter = next(container for container in redis["containers"] if container["name"] == "exporter")
    exporter["env"] = [{"name": "REDIS_USER", "value": "admin"} if variable["name"] == "REDIS_USER" else variable
                       for variable in exporter["env"]]
    redis["volumes"] = [volume for volume in redis["volumes"] if volume["name"] != "redis-monitoring"]
    assert _mention(wiring.check_redis(broken, deploy_module("redis")), "redis_exporter", "'monitoring'")
    assert _mention(wiring.check_redis(broken, deploy_module("redis")), "hub-redis-monitoring", "do not mount")
    assert _mention(wiring.check_databases(broken, packages), "'routing'")


def test_open_network_paths_are_reported(production, packages, redis_users):
    broken = copy.deepcopy(production)
    broker = checks.by_kind(broken, "NetworkPolicy")["hub-rabbitmq"]
    broker["spec"]["ingress"][0]["from"] = [{"podSelector": {}}]
    checks.by_kind(broken, "NetworkPolicy")["accounts"]["spec"]["ingress"].append(
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]})
    broken = [o for o in broken if o["metadata"]["name"] != "default-deny"]
    problems = wiring.check_network(broken, packages, redis_users)
    assert _mention(problems, "default-deny") and _mention(problems, "hub-rabbitmq admits", "somebody-else")
    assert _mention(problems, "accounts", "ingress controller")


def test_undeclared_secrets_are_reported(production, readme):
    documented = documented_secrets(readme) - {"hub-redis-admin"}
    problems = wiring.check_references(production, documented | {"hub-unused"})
    assert _mention(problems, "hub-redis-admin", "neither") and _mention(problems, "hub-unused", "nothing references")


def test_compose_disagreement_is_reported(production):
    services = copy.deepcopy(load_yaml("docker-compose.yml")["services"])
    services["routing"]["environment"]["ROUTING_SWEEP_SECONDS"] = "60"
    del services["gateway"]["environment"]["HUB_COOKIE_SECURE"]
    problems = wiring.check_compose_agreement(production, services, compose_environment, COMPOSE_DIFFERENCES)
    assert _mention(problems, "routing", "docker-compose.yml", "ROUTING_SWEEP_SECONDS")
    assert _mention(problems, "gateway", "the manifests", "HUB_COOKIE_SECURE")
