"""`python -m gateway` / `hub-gateway`: serve the hub with eventlet's WSGI server."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import logging  # noqa: E402

from eventlet import wsgi  # noqa: E402

from hubkit import logs  # noqa: E402
from hubkit.config import env_int, env_str  # noqa: E402


def main():
    from .app import create_app
    logs.configure("gateway", env_str("HUB_LOG_LEVEL", "INFO"))
    host, port = env_str("HUB_HOST", "127.0.0.1"), env_int("HUB_PORT", 8000)
    app = create_app()
    listener = eventlet.listen((host, port), backlog=1024)
    logging.getLogger("gateway").info("hub gateway listening", extra={"url": f"http://{host}:{port}"})
    wsgi.server(listener, app, log_output=False, max_size=env_int("HUB_MAX_CONNECTIONS", 1000),
                keepalive=True, socket_timeout=30)


if __name__ == "__main__":
    main()
