"""The processes of the test platform (hubkit.testing.Platform) when it runs several replicas of a service or
of the gateway, as a deployment does: each replica is a process of its own with its own ports.

The first process of a service keeps the service's plain name ("petitions"), the name every test has always used
with `stop_process`, `restart_process` and `log`; the others are "<name>#2", "<name>#3"... Gateway processes
are independent `python -m gateway` processes on ports of their own (two pods behind a load balancer rather than
the forks of `HUB_GATEWAY_PROCESSES`, which share one listening socket): a test reaches each through
`Platform.urls`.
"""
import sys

GATEWAY = "gateway"


def replica_names(base: str, count: int) -> list:
    """["petitions", "petitions#2", ...]: the names of `count` processes of `base`."""
    return [base] + [f"{base}#{number}" for number in range(2, count + 1)]


def base_of(name: str) -> str:
    """The service (or "gateway") a process name stands for: "petitions#2" -> "petitions"."""
    return name.partition("#")[0]


def replica_counts(services, replicas, gateway_processes: int) -> dict:
    """{process base name: how many processes}, the gateway included, from the Platform's arguments.

    `replicas` is one count for every service or {service: count} (a service left out runs once)."""
    if isinstance(replicas, dict):
        if set(replicas) - set(services):
            raise ValueError(f"replicas of services the platform does not run: {sorted(set(replicas) - set(services))}")
        counts = {name: replicas.get(name, 1) for name in services}
    else:
        counts = {name: replicas for name in services}
    counts[GATEWAY] = gateway_processes
    for name, count in counts.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"{name}: a platform runs at least one process of each part, not {count!r}")
    return counts


def command_of(name: str) -> list:
    """How the process `name` is started (a replica runs the same command as the first process)."""
    base = base_of(name)
    return [sys.executable, "-m", base] + ([] if base == GATEWAY else ["run"])


def process_env(env: dict, name: str, http_ports: dict, gateway_ports: dict) -> dict:
    """The platform's environment with the ports of the process `name`: a service replica serves `/metrics` and
    `/healthz` on its own `<SERVICE>_HTTP_PORT`, a gateway process listens on its own `HUB_PORT`."""
    if base_of(name) == GATEWAY:
        return {**env, "HUB_PORT": str(gateway_ports[name])}
    return {**env, f"{base_of(name).upper()}_HTTP_PORT": str(http_ports[name])}
