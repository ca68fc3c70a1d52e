"""The contract between the code and deploy/k8s/, on rendered objects (tests/contract/k8s_schemas.py renders them).

Each `check_*` returns a list of problems, empty when the contract holds; tests/contract/test_k8s_manifests.py
runs them on every overlay and on deliberately broken copies. A hub container is a container of the hub's image
(`paris-hub`): a service's `hub` and `migrate`, the gateway's `hub`.
"""
import re
from tests.contract.k8s_schemas import describe
from urllib.parse import urlparse

GATEWAY = "gateway"
HUB_IMAGE = "paris-hub"
HELPER = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")  # Kubernetes' dependent variables: $(NAME)
POD_KINDS = ("Deployment", "StatefulSet", "Job", "DaemonSet")
VAR_DIR = "/var/lib/hub"  # HUB_VAR_DIR in the Dockerfile


def by_kind(objects: list, kind: str) -> dict:
    return {item["metadata"]["name"]: item for item in objects if item.get("kind") == kind}


def pod_spec(item: dict) -> dict:
    return item["spec"]["template"]["spec"]


def containers(item: dict, init: bool = True) -> list:
    spec = pod_spec(item)
    return list(spec.get("containers") or []) + (list(spec.get("initContainers") or []) if init else [])


def is_hub_container(container: dict) -> bool:
    return container.get("image", "").split("@")[0].rsplit(":", 1)[0].endswith(HUB_IMAGE)


def hub_deployments(objects: list) -> dict:
    return {name: item for name, item in by_kind(objects, "Deployment").items()
            if any(is_hub_container(c) for c in containers(item))}


def hub_container(item: dict, name: str = "hub") -> dict:
    return next((c for c in containers(item) if c["name"] == name), {})


def selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (matchLabels, matchExpressions with In/NotIn/Exists) matches `labels`."""
    if not selector:
        return True
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if ((operator == "In" and labels.get(key) not in values) or (operator == "NotIn" and labels.get(key) in values)
                or (operator == "Exists" and key not in labels) or (operator == "DoesNotExist" and key in labels)):
            return False
    return True


def pod_labels(item: dict) -> dict:
    return item["spec"]["template"]["metadata"].get("labels") or {}


# --- environment -------------------------------------------------------------------------------------------

def environment(container: dict, objects: list) -> dict:
    """{variable: value, or the reference it comes from}, the ConfigMaps of envFrom resolved, in the order
    Kubernetes defines them (envFrom first, then env)."""
    maps = by_kind(objects, "ConfigMap")
    resolved = {}
    for source in container.get("envFrom") or []:
        name = (source.get("configMapRef") or {}).get("name")
        resolved.update((maps.get(name) or {}).get("data") or {})
    for variable in container.get("env") or []:
        resolved[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return resolved


def helper_problems(where: str, container: dict) -> list:
    """`$(NAME)` helpers: each comes from a Secret, is defined before the variable that spells it, and is spelled by
    one (Kubernetes leaves `$(NAME)` as it is when NAME is not defined earlier)."""
    defined, used, problems = [], set(), []
    for variable in container.get("env") or []:
        for helper in HELPER.findall(str(variable.get("value", ""))):
            used.add(helper)
            if helper not in defined:
                problems.append(f"{where}: {variable['name']} spells $({helper}), not defined before it")
        defined.append(variable["name"])
    return problems


def check_environment(objects: list, names: set, suffixes: set, packages: list, safe_defaults: dict) -> list:
    """Every variable set in a hub container is read by the code, or is a `$(...)` helper taken from a Secret and
    spelled into one that is; every variable the code reads is set somewhere or has a default known to be safe."""
    templated = {package.upper() + suffix for package in packages for suffix in suffixes}
    problems, set_anywhere = [], set()
    for name, item in hub_deployments(objects).items():
        for container in containers(item):
            if not is_hub_container(container):
                continue
            where = f"Deployment/{name} container {container['name']}"
            problems += helper_problems(where, container)
            env = environment(container, objects)
            spelled = {h for value in env.values() for h in HELPER.findall(str(value))}
            for variable, value in env.items():
                secret_file = variable.endswith("_FILE") and variable.removesuffix("_FILE") in names
                if variable in names or variable in templated or secret_file:
                    set_anywhere.add(variable.removesuffix("_FILE") if secret_file else variable)
                elif variable in spelled and isinstance(value, dict) and "secretKeyRef" in value:
                    continue
                else:
                    problems.append(f"{where} sets {variable}, which no code under lib, services or gateway reads")
    prefixes = tuple(name[:-1] for name in safe_defaults if name.endswith("*"))
    for variable in sorted(names | templated):
        own_setting = variable.split("_")[0].lower() in packages
        if not (variable in set_anywhere or variable in safe_defaults or variable.startswith(prefixes) or own_setting):
            problems.append(f"the code reads {variable}, which no hub container sets: set it in deploy/k8s or "
                            f"add it to SAFE_DEFAULTS (tests/contract/test_k8s_manifests.py) with why its default "
                            f"is safe in a cluster")
    return problems


def check_required(objects: list, required: dict) -> list:
    """{process: variables it must be given} (`A|B`: either) against each Deployment's main container."""
    problems = []
    deployments = hub_deployments(objects)
    for process, variables in required.items():
        if process not in deployments:
            problems.append(f"no Deployment runs {process}")
            continue
        env = environment(hub_container(deployments[process]), objects)
        for variable in variables:
            if not any(choice in env for choice in variable.split("|")):
                problems.append(f"Deployment/{process} does not set {variable.replace('|', ' or ')}")
    return problems


# --- what every service and the gateway has ------------------------------------------------------------------

def check_processes(objects: list, packages: list, dev: bool) -> list:
    """Each service package runs in a Deployment of its name after its migrations, on its HTTP port, with a
    PodDisruptionBudget, a NetworkPolicy and a PodMonitor; the gateway too, with its Service, Ingress and TLS."""
    problems, deployments = [], hub_deployments(objects)
    for process in packages + [GATEWAY]:
        item = deployments.get(process)
        if item is None:
            problems.append(f"services/{process} has no Deployment named {process!r}" if process != GATEWAY
                            else "no Deployment named 'gateway'")
            continue
        main = hub_container(item)
        command = ["python", "-m", process] + ([] if process == GATEWAY else ["run"])
        if main.get("args", main.get("command")) != command:
            problems.append(f"Deployment/{process}: container hub does not run {' '.join(command)}")
        env = environment(main, objects)
        port_variable = "HUB_PORT" if process == GATEWAY else f"{process.upper()}_HTTP_PORT"
        ports = {port.get("name"): port["containerPort"] for port in main.get("ports") or []}
        if str(ports.get("http")) != str(env.get(port_variable)):
            problems.append(f"Deployment/{process}: port `http` is {ports.get('http')}, {port_variable} is "
                            f"{env.get(port_variable)}")
        if process != GATEWAY:
            problems += _migration_problems(process, item, env, objects)
        labels = pod_labels(item)
        for kind, field in (("PodDisruptionBudget", "selector"), ("NetworkPolicy", "podSelector"),
                            ("PodMonitor", "selector")):
            chosen = [o for o in by_kind(objects, kind).values() if o["spec"].get(field) != {}
                      and selects(o["spec"].get(field), labels)]
            if not chosen:
                problems.append(f"Deployment/{process}: no {kind} selects its pods")
            if kind == "PodMonitor" and any(o["spec"].get("jobLabel") != "app.kubernetes.io/name" for o in chosen):
                problems.append(f"Deployment/{process}: its PodMonitor does not take `job` from app.kubernetes.io/name "
                                f"(the rules of deploy/prometheus/rules/ group by job)")
    problems += _gateway_edge_problems(objects, packages, dev)
    return problems


def _migration_problems(process: str, item: dict, env: dict, objects: list) -> list:
    migrate = hub_container(item, "migrate")
    if migrate not in (pod_spec(item).get("initContainers") or []) or not migrate:
        return [f"Deployment/{process} has no init container `migrate`: it may start before its migrations ran"]
    problems = []
    if migrate.get("args", migrate.get("command")) != ["python", "-m", process, "migrate"]:
        problems.append(f"Deployment/{process}: init container migrate does not run python -m {process} migrate")
    variable = f"{process.upper()}_DATABASE_URL"
    ran, served = environment(migrate, objects).get(variable), env.get(variable)
    if not ran or not served or urlparse(ran).path != urlparse(served).path:
        problems.append(f"Deployment/{process}: migrate and the service use different databases ({variable})")
    return problems


def _gateway_edge_problems(objects: list, packages: list, dev: bool) -> list:
    problems = []
    gateway = hub_deployments(objects).get(GATEWAY)
    if gateway is not None:
        listed = (environment(hub_container(gateway), objects).get("HUB_SERVICES") or "").split(",")
        if sorted(s for s in listed if s) != sorted(packages):
            problems.append(f"gateway HUB_SERVICES is {listed}, expected the service packages {packages}")
    services = [s for s in by_kind(objects, "Service").values()
                if gateway is not None and selects({"matchLabels": s["spec"].get("selector")}, pod_labels(gateway))]
    if not services:
        problems.append("no Service selects the gateway's pods")
    backends = {path["backend"]["service"]["name"] for ingress in by_kind(objects, "Ingress").values()
                for rule in ingress["spec"].get("rules") or [] for path in rule["http"]["paths"]}
    if not any(service["metadata"]["name"] in backends for service in services):
        problems.append("no Ingress sends traffic to the gateway's Service")
    if not dev and not any(ingress["spec"].get("tls") for ingress in by_kind(objects, "Ingress").values()):
        problems.append("the gateway's Ingress has no TLS")
    return problems


# --- security, probes, resources, replicas -------------------------------------------------------------------

def check_pod_security(objects: list) -> list:
    """Non-root (the hub as uid 10001), seccomp RuntimeDefault, no privilege escalation, no capability, a read-only
    root filesystem; the hub's containers write only to an emptyDir at HUB_VAR_DIR (and /tmp)."""
    problems = []
    for item in (o for o in objects if o.get("kind") in POD_KINDS):
        spec, where = pod_spec(item), describe(item)
        context = spec.get("securityContext") or {}
        if not context.get("runAsNonRoot") or (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: pod securityContext lacks runAsNonRoot or seccomp RuntimeDefault")
        volumes = {volume["name"]: volume for volume in spec.get("volumes") or []}
        for container in containers(item):
            own = container.get("securityContext") or {}
            if (own.get("allowPrivilegeEscalation") is not False or own.get("readOnlyRootFilesystem") is not True
                    or (own.get("capabilities") or {}).get("drop") != ["ALL"] or own.get("privileged")):
                problems.append(f"{where} container {container['name']}: not restricted (allowPrivilegeEscalation "
                                f"false, readOnlyRootFilesystem true, capabilities drop [ALL])")
            if is_hub_container(container):
                if own.get("runAsUser", context.get("runAsUser")) != 10001:
                    problems.append(f"{where} container {container['name']}: not run as the image's uid 10001")
                mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
                if "emptyDir" not in volumes.get(mounts.get(VAR_DIR), {}):
                    problems.append(f"{where} container {container['name']}: no emptyDir at {VAR_DIR} (HUB_VAR_DIR)")
    return problems


def check_probes_and_resources(objects: list) -> list:
    """Requests and limits (CPU, memory) on every container; startup and liveness probes on /healthz and a
    readiness probe on /readyz, all on the port `http`, for every hub process."""
    problems = []
    for item in (o for o in objects if o.get("kind") in POD_KINDS):
        for container in containers(item):
            resources = container.get("resources") or {}
            for bound in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources.get(bound) or {}):
                    problems.append(f"{describe(item)} container {container['name']}: no CPU and memory {bound}")
        if item.get("kind") != "Deployment" or not is_hub_container(hub_container(item)):
            continue
        main = hub_container(item)
        for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            http = (main.get(probe) or {}).get("httpGet") or {}
            if http.get("path") != path or http.get("port") != "http":
                problems.append(f"{describe(item)}: {probe} is not GET {path} on the port `http`")
    return problems


def autoscaled(objects: list) -> dict:
    """{Deployment name: its autoscaler's minimum replicas} (HorizontalPodAutoscaler or KEDA ScaledObject)."""
    floors = {}
    for item in by_kind(objects, "HorizontalPodAutoscaler").values():
        floors[item["spec"]["scaleTargetRef"]["name"]] = item["spec"].get("minReplicas", 1)
    for item in by_kind(objects, "ScaledObject").values():
        floors[item["spec"]["scaleTargetRef"]["name"]] = item["spec"].get("minReplicaCount", 0)
    return floors


def check_replicas(objects: list, minimum: int) -> list:
    """Every Deployment and StatefulSet has at least `minimum` replicas, or an autoscaler with that floor and no
    `replicas` of its own (`kubectl apply` would reset the autoscaler's count)."""
    problems, floors = [], autoscaled(objects)
    for item in (o for o in objects if o.get("kind") in ("Deployment", "StatefulSet")):
        name, replicas = item["metadata"]["name"], item["spec"].get("replicas")
        if name in floors:
            if floors[name] < minimum:
                problems.append(f"{describe(item)}: its autoscaler may go down to {floors[name]} replicas")
            if replicas is not None:
                problems.append(f"{describe(item)}: sets replicas although an autoscaler owns the count")
        elif (1 if replicas is None else replicas) < minimum:
            problems.append(f"{describe(item)}: {replicas or 1} replica(s), fewer than {minimum}")
    return problems
