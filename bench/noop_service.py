"""A nameko service that does nothing: the ceiling of one RPC round trip through the broker.

Run: `python bench/noop_service.py` (HUB_AMQP_URI, HUB_MAX_WORKERS as for the hub's services).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

from nameko.rpc import rpc  # noqa: E402

SERVICE_NAME = "bench_noop"


class NoopService:
    name = SERVICE_NAME

    @rpc
    def ping(self):
        return None


if __name__ == "__main__":
    from nameko.cli.run import run

    from hubkit import gc_tuning
    from hubkit.config import nameko_config

    # same AMQP URI, serializer, worker pool and collector settings as the hub's services (no HTTP entrypoint,
    # so no port opened)
    gc_tuning.settle()
    run([NoopService], nameko_config(SERVICE_NAME, 0))
