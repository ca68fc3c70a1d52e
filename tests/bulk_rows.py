"""Many rows written in a test's database as fast as it takes them, in the caller's transaction: PostgreSQL's COPY
(one stream, no statement per row or per batch), SQLite's executemany of one prepared INSERT.

For the tests that need a realistic volume (the open datasets' 100,000 rows, issue 15): what they check is how
the service reads the rows, not how they got there, and building them row by row through the ORM cost most of
their time (31 s of 63 for 100,000 ideas on PostgreSQL)."""
import sqlalchemy as sa


def insert_rows(connection: sa.Connection, table: sa.Table, rows):
    """Writes `rows` (dicts, all with the same keys, taken from the first) into `table` through `connection`,
    inside its current transaction. `rows` may be any iterable: a generator keeps memory flat on PostgreSQL."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    names = list(first)
    quote = connection.dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), [first, *rows])
        return
    statement = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    # the DBAPI connection SQLAlchemy holds for `connection`: the COPY joins its transaction
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write_row([first[name] for name in names])
        for row in rows:
            copy.write_row([row[name] for name in names])
