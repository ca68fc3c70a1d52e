"""Running a service process and migrating its database: the same for every service."""
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from . import gc_tuning, keys, logs
from .config import database_url, env_str, nameko_config
from .db import normalise_url

log = logging.getLogger(__name__)


def run_service(service_cls, http_port: int):
    """Run one nameko service until SIGTERM or Ctrl-C (the caller monkey-patched eventlet first)."""
    from nameko.cli.run import run

    logs.configure(service_cls.name, env_str("HUB_LOG_LEVEL", "INFO"))
    keys.check_configuration(service_cls.name)  # no key, no start: better than refusing every call later
    config = nameko_config(service_cls.name, http_port)
    log.info("starting service", extra={"http": config["WEB_SERVER_ADDRESS"]})
    gc_tuning.settle()  # the service's modules, schemas and tables are loaded; its container starts next
    run([service_cls], config)


def alembic_config(package_dir: Path, url: str) -> Config:
    config = Config(str(package_dir / "alembic.ini"))
    config.set_main_option("script_location", str(package_dir / "migrations"))
    config.attributes["url"] = normalise_url(url)
    return config


def migrate(service: str, package_dir: Path, url: str = None, revision: str = "head"):
    """Bring the service's database (SQLite or PostgreSQL) to `revision`."""
    url = url or database_url(service)
    command.upgrade(alembic_config(package_dir, url), revision)
    return url
