"""psycopg 3 under eventlet: waiting for the server must yield to the other green threads.

psycopg waits for its socket through `psycopg.waiting.wait`, a module attribute the
connection looks up at every call. The pure-Python build picks `wait_select` under
eventlet (the monkey-patched `selectors` has no PollSelector), which is green: eventlet's
`select.select` parks the green thread in the hub. The C build (`psycopg[binary]`,
~15-25% less CPU per statement) picks `wait_c` instead, a C loop on poll() that
eventlet cannot see: one green thread waiting on a query would freeze the whole
service process (4 concurrent `pg_sleep(0.5)` took 2 s instead of 0.5 s). So hubkit
sets `wait_select` whatever the build, whenever it gives out a PostgreSQL engine.
"""
import sys


def use_green_wait() -> None:
    """Make every psycopg connection of this process wait through `select.select` (green under eventlet)."""
    from psycopg import waiting

    if waiting.wait is not waiting.wait_select:
        waiting.wait = waiting.wait_select


def use_green_wait_if_patched() -> None:
    """At import: only once eventlet patched `select` (importing psycopg earlier would bind the unpatched
    `selectors` its connect step uses), and only where psycopg is installed."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is None or not patcher.is_monkey_patched("select"):
        return
    try:
        use_green_wait()
    except ImportError:  # no psycopg (or no libpq for the pure-Python build): an SQLite-only install
        pass
