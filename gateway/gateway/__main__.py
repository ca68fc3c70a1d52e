"""`python -m gateway` / `hub-gateway`: serve the hub with eventlet's WSGI server."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import ctypes  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from hubkit import gc_tuning, logs  # noqa: E402
from hubkit.config import env_float, env_int, env_str, hub_env, var_dir  # noqa: E402

PR_SET_PDEATHSIG = 1


def start_processes(count: int) -> list:
    """Fork `count - 1` more gateway processes; returns the children's pids (in a child: []).

    One eventlet process uses one core and handles a batch's answers one after the other; on a machine
    with idle cores, several processes share the port (SO_REUSEPORT: the kernel spreads the connections).
    Each builds its own app after the fork (RPC pool, batchers, Redis connections of its own). A child ends
    when the first process ends, however it ends; on SIGTERM the first process passes it on and each stops
    gracefully (`stop_on_signals`)."""
    children, parent = [], os.getpid()
    for _ in range(count - 1):
        pid = os.fork()
        if pid == 0:
            _end_with_parent(parent)
            return []
        children.append(pid)
    return children


def share_metrics(processes: int, port: int) -> Path | None:
    """Several processes: each writes its metrics to files in one directory, and /metrics of any of them answers
    the sum over all (hubkit.metrics.exposition), so one scrape sees the whole gateway. Returns that directory (None
    for one process, which keeps its metrics in memory as before).

    prometheus_client chooses where values live when it is imported: this must run before anything imports it.
    The directory is the port's, under HUB_VAR_DIR, emptied at each start: a restarted container (an emptyDir
    survives it) must not add the previous run's counts."""
    if processes == 1:
        return None
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client est déjà importé : les processus de la passerelle ne partageraient "
                           "pas leurs métriques.")
    directory = var_dir() / f"gateway-metrics-{port}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def export_start_time():
    """`process_start_time_seconds`, which prometheus_client does not export for several processes, as one series
    for the whole gateway (the latest start of its processes, moments apart): HubProcessRestarting still sees the
    gateway restart. Each process sets its own after the fork."""
    from prometheus_client import Gauge
    Gauge("process_start_time_seconds", "Start time of the gateway's processes since unix epoch in seconds.",
          registry=None, multiprocess_mode="max").set(time.time())


def forget_process(pid: int):
    """A gateway process ended: its gauges leave the sum (its counters stay: a counter never goes back)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(pid)


def reap_children(children: list, ended: dict):
    """On SIGCHLD: the children that ended are waited for (their exit status kept in `ended`) and forgotten."""
    def reap(signum, frame):
        for child in children:
            if child in ended:
                continue
            try:
                pid, status = os.waitpid(child, os.WNOHANG)
            except ChildProcessError:
                continue
            if pid:
                ended[child] = status
                forget_process(child)
    signal.signal(signal.SIGCHLD, reap)


def hold_signals() -> list:
    """Until stop_on_signals, SIGTERM and SIGINT are kept, not fatal: a process still building its app (a child, forked
    after this, may lag the first one that already answers /readyz) stops cleanly as soon as it can, instead of dying
    of the signal and making the whole gateway exit 1. Returns the list the signals received go to."""
    received = []

    def keep(signum, frame):
        received.append(signum)
    signal.signal(signal.SIGTERM, keep)
    signal.signal(signal.SIGINT, keep)
    return received


def stop_on_signals(stop, children: list, received: list = ()):
    """SIGTERM or SIGINT: pass it on to the children, and stop this process gracefully (server.GracefulStop).
    `received`: signals held since hold_signals, acted on now."""
    wake = stop.waker()

    def stop_gracefully(signum, frame):
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass
        wake()
    signal.signal(signal.SIGTERM, stop_gracefully)
    signal.signal(signal.SIGINT, stop_gracefully)
    if received:
        stop_gracefully(received[0], None)


def wait_for_children(children: list, ended: dict = None) -> int:
    """The first process leaves last (its end would stop the children still finishing their requests); returns
    0 if every child stopped cleanly, else 1, so the exit status speaks for the whole gateway. `ended`: the exit
    statuses of the children reap_children already waited for."""
    failed, ended = 0, ended if ended is not None else {}
    for child in children:
        try:
            _, status = os.waitpid(child, 0)
        except ChildProcessError:  # reaped on SIGCHLD meanwhile, or never ours
            if child not in ended:
                continue
            status = ended[child]
        forget_process(child)
        if os.waitstatus_to_exitcode(status) != 0:
            failed = 1
            logging.getLogger("gateway").warning("a gateway process did not stop cleanly", extra={
                "pid": child, "exit_code": os.waitstatus_to_exitcode(status)})
    return failed


def _end_with_parent(parent: int):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's SIGTERM handler still stops its children
        pass
    # the parent ended before prctl took effect (compared with its pid, not with 1: in a container the
    # parent itself may be process 1)
    if os.getppid() != parent:
        os._exit(0)


def process_count() -> int:
    count = env_int("HUB_GATEWAY_PROCESSES", 1)
    if count < 1:
        raise ValueError(f"HUB_GATEWAY_PROCESSES doit être un nombre entier d'au moins 1 (reçu : {count}).")
    return count


def shutdown_seconds() -> tuple:
    """(grace, timeout) of a graceful stop: how long /readyz says 503 before the listener closes (5 s in production,
    for the load balancer to notice; 0 elsewhere, where none is in front), then how long in-flight requests may
    take to finish."""
    grace = env_float("HUB_SHUTDOWN_GRACE_SECONDS", 5.0 if hub_env() == "production" else 0.0)
    timeout = env_float("HUB_SHUTDOWN_TIMEOUT_SECONDS", 20.0)
    for name, value in (("HUB_SHUTDOWN_GRACE_SECONDS", grace), ("HUB_SHUTDOWN_TIMEOUT_SECONDS", timeout)):
        if not 0 <= value <= 3600:
            raise ValueError(f"{name} doit être un nombre de secondes entre 0 et 3600 (reçu : {value}).")
    return grace, timeout


def main():
    host, port = env_str("HUB_HOST", "127.0.0.1"), env_int("HUB_PORT", 8000)
    processes, (grace, timeout) = process_count(), shutdown_seconds()
    metrics_dir = share_metrics(processes, port)  # before the app's modules import prometheus_client
    from .app import create_app
    from .health import stop_being_ready
    from .server import GracefulStop, serve
    logs.configure("gateway", env_str("HUB_LOG_LEVEL", "INFO"))
    max_connections = env_int("HUB_MAX_CONNECTIONS", 1000)
    held = hold_signals()  # before the fork: the children inherit it
    children, ended = start_processes(processes), {}
    if metrics_dir is not None:
        export_start_time()
    if children:
        reap_children(children, ended)
    app = create_app()
    gc_tuning.settle()
    listener = eventlet.listen((host, port), backlog=1024, reuse_port=processes > 1 or None)
    stop = GracefulStop(listener, grace, timeout, on_stopping=lambda: stop_being_ready(app),
                        max_connections=max_connections)
    stop_on_signals(stop, children, held)
    logging.getLogger("gateway").info("hub gateway listening", extra={"url": f"http://{host}:{port}",
                                                                      "processes": processes, "pid": os.getpid()})
    serve(listener, app, max_connections, stop)
    status = wait_for_children(children, ended)
    if metrics_dir is not None and children:  # the first process, last to leave: nobody writes there any more
        shutil.rmtree(metrics_dir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
