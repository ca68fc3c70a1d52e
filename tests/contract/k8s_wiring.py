"""How deploy/k8s/ wires the hub to its infrastructure, checked on rendered objects: the broker's users and
permissions are deploy/rabbitmq/users.py's, Redis's users deploy/redis/users.py's, each service has its database
and role, NetworkPolicies let through only what each process needs, every Secret and ConfigMap referenced is
declared or documented, and docker-compose.yml gives each process the same variables. Each `check_*` returns a
list of problems (see tests/contract/k8s_checks.py).
"""
from urllib.parse import urlparse

from hubkit.redis_client import parse_sentinel_url

from tests.contract.k8s_checks import (GATEWAY, HELPER, by_kind, environment, hub_container, hub_deployments,
                                       selects)

VHOST = "hub"
SENTINEL_MASTER = "hub"  # `sentinel monitor hub ...` in base/redis/start-sentinel.sh
REFERENCE_KEYS = {"secretKeyRef": "Secret", "secretRef": "Secret", "passwordSecret": "Secret",
                  "importCredentialsSecret": "Secret", "configMapKeyRef": "ConfigMap", "configMapRef": "ConfigMap"}


# --- the broker --------------------------------------------------------------------------------------------

def _credentials(url: str) -> tuple:
    parsed = urlparse(url or "")
    return parsed.username, parsed.path.lstrip("/")


def _secret_of(env: dict, url: str) -> str | None:
    """The Secret the password helper spelled into `url` comes from."""
    for variable, source in env.items():
        if f"$({variable})" in (url or "") and isinstance(source, dict) and "secretKeyRef" in source:
            return source["secretKeyRef"]["name"]
    return None


def check_broker(objects: list, users) -> list:
    """One User per identity of deploy/rabbitmq/users.py (credentials from `hub-rabbitmq-<name>`), with exactly its
    permissions and topic permissions on the vhost; any other user has no right there; the exchanges are the table's;
    each process connects as its own user to the vhost."""
    problems = []
    permissions = {p["spec"]["user"]: p["spec"] for p in by_kind(objects, "Permission").values()}
    topics = {}  # user -> exchange -> spec (RabbitMQ keeps one topic permission per user and exchange)
    for item in by_kind(objects, "TopicPermission").values():
        topics.setdefault(item["spec"]["user"], {})[item["spec"]["permissions"]["exchange"]] = item["spec"]
    secrets = {u["spec"].get("importCredentialsSecret", {}).get("name") for u in by_kind(objects, "User").values()}
    for identity in users.IDENTITIES:
        if f"hub-rabbitmq-{identity.name}" not in secrets:
            problems.append(f"no RabbitMQ User takes its credentials from hub-rabbitmq-{identity.name}")
        granted = permissions.pop(identity.name, None)
        if granted is None or granted["vhost"] != VHOST or granted["permissions"] != users.permissions(identity):
            problems.append(f"RabbitMQ user {identity.name!r}: its Permission differs from deploy/rabbitmq/users.py's")
        granted_topics = topics.pop(identity.name, {})
        expected = {topic["exchange"]: topic for topic in users.topic_permissions(identity)}
        if set(granted_topics) != set(expected) or any(
                spec["vhost"] != VHOST or spec["permissions"] != expected[exchange]
                for exchange, spec in granted_topics.items()):
            problems.append(f"RabbitMQ user {identity.name!r}: its TopicPermissions differ from users.py's")
    for user, granted in permissions.items():
        if any(regex != "^$" for regex in granted["permissions"].values()):
            problems.append(f"RabbitMQ user {user!r} is not in deploy/rabbitmq/users.py but has rights on the vhost")
    problems += [f"RabbitMQ user {user!r} has topic permissions but is not in users.py" for user in topics]
    declared = {(e["spec"]["name"], e["spec"].get("vhost")) for e in by_kind(objects, "Exchange").values()}
    for exchange in users.exchanges():
        if (exchange["name"], VHOST) not in declared:
            problems.append(f"exchange {exchange['name']!r} is not declared on the vhost {VHOST!r}")
    for name, item in hub_deployments(objects).items():
        env = environment(hub_container(item), objects)
        user, vhost = _credentials(env.get("HUB_AMQP_URI"))
        if user != name or vhost != VHOST:
            problems.append(f"Deployment/{name} reaches the broker as {user!r} on {vhost!r}, "
                            f"not as {name!r} on {VHOST!r}")
        if _secret_of(env, env.get("HUB_AMQP_URI")) != f"hub-rabbitmq-{name}":
            problems.append(f"Deployment/{name}: the password in HUB_AMQP_URI is not hub-rabbitmq-{name}'s")
        if name != GATEWAY and env.get("HUB_AMQP_DECLARE_EVENT_EXCHANGES") != "0":
            problems.append(f"Deployment/{name} does not set HUB_AMQP_DECLARE_EVENT_EXCHANGES=0")
    return problems


# --- Redis and PostgreSQL -----------------------------------------------------------------------------------

def check_redis(objects: list, users) -> list:
    """The processes with a Redis user in deploy/redis/users.py use it (password from `hub-redis-<name>`) through the
    sentinels; the others have no HUB_REDIS_URL; the Redis pods mount every user's Secret (the exporter's
    `monitoring` and `admin` included), and their exporter reads as `monitoring`."""
    problems, names = [], {user.name for user in users.USERS}
    # the pods of the StatefulSet as base/redis/ names them, whatever the overlay's replica count
    sentinels = {(f"hub-redis-{index}.hub-redis", 26379) for index in range(3)}
    for name, item in hub_deployments(objects).items():
        env = environment(hub_container(item), objects)
        url = env.get("HUB_REDIS_URL")
        if name not in names:
            if url:
                problems.append(f"Deployment/{name} sets HUB_REDIS_URL but has no user in deploy/redis/users.py")
            continue
        try:
            target = parse_sentinel_url(HELPER.sub("password", url or ""))  # as hubkit reads it
        except ValueError as error:
            problems.append(f"Deployment/{name}: {error}")
            continue
        if target.username != name or target.master != SENTINEL_MASTER or set(target.sentinels) != sentinels:
            problems.append(f"Deployment/{name}: HUB_REDIS_URL does not reach master {SENTINEL_MASTER!r} through the "
                            f"sentinels of hub-redis as its own user {name!r}")
        if _secret_of(env, url) != f"hub-redis-{name}":
            problems.append(f"Deployment/{name}: the password in HUB_REDIS_URL is not hub-redis-{name}'s")
    mounted = {volume["secret"]["secretName"] for item in by_kind(objects, "StatefulSet").values()
               for volume in item["spec"]["template"]["spec"].get("volumes") or [] if "secret" in volume}
    for name in sorted(names | {users.MONITORING_USER, "admin"}):
        if f"hub-redis-{name}" not in mounted:
            problems.append(f"the Redis pods do not mount hub-redis-{name} (its ACL user would have no password)")
    for item in by_kind(objects, "StatefulSet").values():
        for container in item["spec"]["template"]["spec"]["containers"]:
            if "redis_exporter" not in container.get("image", ""):
                continue
            env = {variable["name"]: variable for variable in container.get("env") or []}
            secret = ((env.get("REDIS_PASSWORD") or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
            if (env.get("REDIS_USER") or {}).get("value") != users.MONITORING_USER or \
                    secret.get("name") != f"hub-redis-{users.MONITORING_USER}":
                problems.append(f"StatefulSet/{item['metadata']['name']}: redis_exporter does not read as "
                                f"{users.MONITORING_USER!r} with the password of hub-redis-{users.MONITORING_USER}")
    return problems


def check_databases(objects: list, packages: list) -> list:
    """Each service has a role (password from `hub-postgres-<name>`) owning a database of its name, and uses them."""
    problems = []
    clusters = list(by_kind(objects, "Cluster").values())
    roles = {role["name"]: role for cluster in clusters for role in cluster["spec"].get("managed", {}).get("roles", [])}
    databases = {d["spec"]["name"]: d["spec"]["owner"] for d in by_kind(objects, "Database").values()}
    deployments = hub_deployments(objects)
    for package in packages:
        role = roles.get(package)
        if role is None or (role.get("passwordSecret") or {}).get("name") != f"hub-postgres-{package}":
            problems.append(f"no PostgreSQL role {package!r} with its password in hub-postgres-{package}")
        if databases.get(package) != package:
            problems.append(f"no database {package!r} owned by the role {package!r}")
        if package in deployments:
            env = environment(hub_container(deployments[package]), objects)
            url = env.get(f"{package.upper()}_DATABASE_URL") or ""
            if urlparse(url).username != package or urlparse(url).path != f"/{package}":
                problems.append(f"Deployment/{package}: {package.upper()}_DATABASE_URL is not its own role "
                                f"and database")
            if _secret_of(env, url) != f"hub-postgres-{package}":
                problems.append(f"Deployment/{package}: the password in its database URL is not "
                                f"hub-postgres-{package}'s")
    return problems


# --- network -------------------------------------------------------------------------------------------------

def _policies_for(objects: list, labels: dict) -> list:
    return [p for p in by_kind(objects, "NetworkPolicy").values() if selects(p["spec"]["podSelector"], labels)]


def _admits(rule_peers: list, labels: dict) -> bool:
    """Whether a rule's peers admit a pod of this namespace with `labels` (no namespaceSelector)."""
    return not rule_peers or any("podSelector" in peer and "namespaceSelector" not in peer
                                 and selects(peer["podSelector"], labels) for peer in rule_peers)


def check_network(objects: list, packages: list, redis_users: set) -> list:
    """Default deny; only the gateway admits the ingress controller; the broker admits the hub's processes,
    PostgreSQL the services, Redis its users, and no one else of the namespace."""
    problems, policies = [], by_kind(objects, "NetworkPolicy")
    if not any(p["spec"]["podSelector"] == {} and sorted(p["spec"].get("policyTypes", [])) == ["Egress", "Ingress"]
               and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies.values()):
        problems.append("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rule)")
    for policy in policies.values():
        for rule in policy["spec"].get("ingress") or []:
            for peer in rule.get("from") or []:
                namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
                if namespace.get("kubernetes.io/metadata.name") == "ingress-nginx" and not selects(
                        policy["spec"]["podSelector"], {"app.kubernetes.io/name": GATEWAY}):
                    problems.append(f"NetworkPolicy/{policy['metadata']['name']} admits the ingress controller to pods "
                                    f"other than the gateway")
    clients = {"hub-rabbitmq": set(packages) | {GATEWAY}, "hub-redis": set(redis_users),
               "hub-postgres": set(packages)}
    candidates = set(packages) | {GATEWAY, "mailpit", "somebody-else"}
    for server, allowed in clients.items():
        labels = ({"cnpg.io/cluster": server} if server == "hub-postgres" else {"app.kubernetes.io/name": server})
        admitted = {name for name in candidates for p in _policies_for(objects, labels)
                    for rule in p["spec"].get("ingress") or []
                    if _admits(rule.get("from"), {"app.kubernetes.io/name": name})}
        if admitted != allowed:
            problems.append(f"{server} admits {sorted(admitted)}, expected exactly {sorted(allowed)}")
    return problems


# --- references --------------------------------------------------------------------------------------------

def references(objects: list) -> set:
    """{(kind, name)} of every Secret and ConfigMap an object refers to: env and envFrom, volumes, the operators'
    credential fields, KEDA's secretTargetRef, an Ingress's TLS."""
    found = set()

    def walk(node, key=None):
        if isinstance(node, list):
            for item in node:
                if key in ("secretTargetRef", "tls") and isinstance(item, dict):
                    found.add(("Secret", item.get("name") or item.get("secretName")))
                walk(item, key)
            return
        if not isinstance(node, dict):
            return
        if key in REFERENCE_KEYS and "name" in node:
            found.add((REFERENCE_KEYS[key], node["name"]))
        elif key == "secret" and "secretName" in node:
            found.add(("Secret", node["secretName"]))
        elif key == "configMap" and "name" in node:
            found.add(("ConfigMap", node["name"]))
        elif key == "s3Credentials":
            found.update(("Secret", ref["name"]) for ref in node.values() if isinstance(ref, dict) and "name" in ref)
        for child_key, child in node.items():
            walk(child, child_key)
    walk(objects)
    return found


def check_references(objects: list, documented: set) -> list:
    """Every Secret and ConfigMap referenced is in the render or documented (deploy/k8s/README.md's Secrets table,
    which also names those cert-manager and the operators make); every documented Secret is used."""
    declared = {(item["kind"], item["metadata"]["name"]) for item in objects}
    used = references(objects)
    problems = [f"{kind} {name!r} is referenced but neither in the manifests nor in deploy/k8s/README.md's Secrets"
                for kind, name in sorted(used) if (kind, name) not in declared and name not in documented]
    problems += [f"deploy/k8s/README.md documents the Secret {name!r}, which nothing references"
                 for name in sorted(documented) if ("Secret", name) not in used]
    return problems


# --- docker compose ------------------------------------------------------------------------------------------

def check_compose_agreement(objects: list, compose_services: dict, compose_environment, differences: dict) -> list:
    """docker-compose.yml and the manifests give each process (service, its migrations, gateway) the same variables,
    but for the differences listed with their reason."""
    problems = []
    for name, item in hub_deployments(objects).items():
        pairs = [(name, hub_container(item))]
        if hub_container(item, "migrate"):
            pairs.append((f"{name}-migrate", hub_container(item, "migrate")))
        for compose_name, container in pairs:
            if compose_name not in compose_services:
                problems.append(f"docker-compose.yml has no service {compose_name!r}")
                continue
            env = environment(container, objects)
            helpers = {v for v, source in env.items() if isinstance(source, dict) and "secretKeyRef" in source
                       and any(f"$({v})" in str(value) for value in env.values())}
            ours = set(env) - helpers
            theirs = set(compose_environment(compose_services[compose_name]))
            allowed = differences.get(compose_name, {})
            for variable in sorted((ours ^ theirs) - set(allowed)):
                side = "the manifests" if variable in ours else "docker-compose.yml"
                problems.append(f"{compose_name}: only {side} set {variable}")
    return problems
