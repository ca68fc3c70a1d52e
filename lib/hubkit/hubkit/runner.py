"""Running a service process and migrating its database: the same for every service."""
import inspect
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from . import gc_tuning, keys, logs, queues
from .config import database_url, env_str, nameko_config
from .db import normalise_url, pool_settings, postgres_connect_args

log = logging.getLogger(__name__)


def run_service(service_cls, http_port: int, package_dir: Path = None):
    """Run one nameko service until SIGTERM or Ctrl-C (the caller monkey-patched eventlet first).

    `package_dir` holds the service's alembic.ini and migrations (by default, the package of `service_cls`)."""
    from nameko.cli.run import run

    logs.configure(service_cls.name, env_str("HUB_LOG_LEVEL", "INFO"))
    keys.check_configuration(service_cls.name)  # no key, no start: better than refusing every call later
    package_dir = package_dir or Path(inspect.getfile(service_cls)).parent
    problem = (database_settings_problem(service_cls.name)
               or database_revision_problem(service_cls.name, package_dir, database_url(service_cls.name)))
    if problem:
        raise SystemExit(problem)  # its message alone on stderr, exit status 1: no traceback to read through
    config = nameko_config(service_cls.name, http_port)
    if queues.settings_problem():
        raise SystemExit(queues.settings_problem())
    log.info("starting service", extra={"http": config["WEB_SERVER_ADDRESS"]})
    gc_tuning.settle()  # the service's modules, schemas and tables are loaded; its container starts next
    try:
        run([service_cls], config)
    except queues.QueueMismatch as mismatch:  # a queue of the other type: what to do, not a traceback
        raise SystemExit(str(mismatch)) from None


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


def database_settings_problem(service: str) -> str | None:
    """A bad pool or prepared-statement setting, said at start rather than at the first unit of work."""
    try:
        pool_settings(), postgres_connect_args()
    except ValueError as error:
        return f"{service} : {error}"
    return None


def database_revision_problem(service: str, package_dir: Path, url: str) -> str | None:
    """Why `service` must not start on the database at `url` (a French sentence), or None if it may.

    It may when the database is at the code's head, or ahead of it: during a rolling upgrade the new release's
    migration (an expand step: docs/operations.md, "Rolling upgrades") runs before the last old replicas stop,
    and they keep working on the added columns and tables. A revision this code does not know is taken for
    such a step and logged. It may not when the database misses a revision the code needs (behind), was never
    migrated, or cannot be reached."""
    url = normalise_url(url)
    script = ScriptDirectory.from_config(alembic_config(package_dir, url))
    expected = set(script.get_heads())
    shown_url = sa.engine.make_url(url).render_as_string(hide_password=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              connect_args=postgres_connect_args() if url.startswith("postgresql") else {})
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.DBAPIError as error:
        return (f"{service} : base de données injoignable ({shown_url}) : {str(error.orig).strip()[:300]}. "
                "Le service ne démarre pas.")
    finally:
        engine.dispose()
    known = {revision.revision for revision in script.walk_revisions()}
    applied = {revision.revision for revision in script.iterate_revisions(tuple(current & known), "base")}
    if current and (expected <= applied or current - known):
        if current != expected:
            log.warning("database ahead of this release's migrations (rolling upgrade?)",
                        extra={"database_revisions": ", ".join(sorted(current)),
                               "code_revisions": ", ".join(sorted(expected))})
        return None
    found = ", ".join(sorted(current)) or "aucune (base jamais migrée)"
    return (f"{service} : la base de données ({shown_url}) n'est pas à jour : révision {found}, le code attend "
            f"{', '.join(sorted(expected))}. Lancez d'abord « python -m {service} migrate ».")
