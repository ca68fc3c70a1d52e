"""`python -m gateway` / `hub-gateway`: serve the hub with eventlet's WSGI server."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import ctypes  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402

from hubkit import gc_tuning, logs  # noqa: E402
from hubkit.config import env_int, env_str  # noqa: E402

PR_SET_PDEATHSIG = 1


def start_processes(count: int) -> list:
    """Fork `count - 1` more gateway processes; returns the children's pids (in a child: []).

    One eventlet process uses one core and handles a batch's answers one after the other; on a machine
    with idle cores, several processes share the port (SO_REUSEPORT: the kernel spreads the connections).
    Each builds its own app after the fork (RPC pool, batchers, Redis connections of its own). A child ends
    when the first process ends, however it ends."""
    children, parent = [], os.getpid()
    for _ in range(count - 1):
        pid = os.fork()
        if pid == 0:
            _end_with_parent(parent)
            return []
        children.append(pid)
    if children:
        def stop_children(signum, _frame):
            for child in children:
                try:
                    os.kill(child, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            raise SystemExit(128 + signum)
        signal.signal(signal.SIGTERM, stop_children)
        signal.signal(signal.SIGINT, stop_children)
    return children


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


def main():
    from .app import create_app
    from .server import serve
    logs.configure("gateway", env_str("HUB_LOG_LEVEL", "INFO"))
    host, port = env_str("HUB_HOST", "127.0.0.1"), env_int("HUB_PORT", 8000)
    processes = process_count()
    start_processes(processes)
    app = create_app()
    gc_tuning.settle()
    listener = eventlet.listen((host, port), backlog=1024, reuse_port=processes > 1 or None)
    logging.getLogger("gateway").info("hub gateway listening", extra={"url": f"http://{host}:{port}",
                                                                      "processes": processes, "pid": os.getpid()})
    serve(listener, app, max_connections=env_int("HUB_MAX_CONNECTIONS", 1000))


if __name__ == "__main__":
    main()
