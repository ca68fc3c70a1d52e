"""Peeks into the running platform's databases, for what the API does not show (outboxes, erased rows, logs)."""
import sqlalchemy as sa

from hubkit.db import make_engine


def rows(platform, service: str, table: str) -> list:
    """Every row of `table` in `service`'s database, read now."""
    engine = make_engine(platform.databases[service].url)
    with engine.connect() as connection:
        found = connection.execute(sa.select(sa.Table(table, sa.MetaData(), autoload_with=connection))).all()
    engine.dispose()
    return found
