"""Work that one replica at a time must do: a PostgreSQL advisory lock held for one transaction.

`run_once(session, name)` takes `pg_try_advisory_xact_lock(hashtext(name))` in the session's transaction: True if
this transaction now holds it (until it commits or rolls back), False at once if another transaction does; it never
waits. A transaction-scoped lock, not a session one: it cannot outlive its work when a process dies (the server ends
the transaction with the connection), and it stays correct through PgBouncer in transaction mode, where a
session-level lock would stay on a server connection handed to someone else. Advisory locks are per database, so
each service's database has its own names. SQLite serves one process per database: always True there.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Session


def run_once(session: Session, name: str) -> bool:
    """True if this transaction holds the lock named `name` (taken now or earlier in it), False if another does."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(sa.func.hashtext(name)))).scalar_one())
