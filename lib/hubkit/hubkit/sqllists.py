"""Lists of values as ONE statement parameter, so a statement's text does not depend on the list's length.

On PostgreSQL a list goes as ONE text parameter, an array literal, cast in the statement (`CAST(:ids AS
varchar[])`, then `= ANY(...)` or `unnest(...)`): the statement text is the same for 1 or 500 values, so
SQLAlchemy compiles it once and PostgreSQL gets it prepared, and the driver adapts one string instead of
each element (`IN (...)` would be a new text, hence a new parse, for every length).

The cast must apply to the untyped parameter: `CAST(:ids::VARCHAR AS VARCHAR[])` (what a bind parameter typed
String renders with psycopg) is a per-row conversion PostgreSQL cannot use an index for (50 ids: ~2.5 ms
instead of ~0.4 ms). `array_of` renders it right.

SQLite has no arrays: `one_of` gives `IN (...)` there (SQLAlchemy's expanding parameter, also cached).
"""
import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import NullType, TypeDecorator


def array_literal(values) -> str:
    """The PostgreSQL array literal of `values` (str, int, float, bool or None: NULL), for ONE
    `CAST(:param AS type[])` parameter.

    JSON quotes strings as an array literal does; any backslash in it (a string with a quote, a backslash or a
    control character, which JSON escapes its own way) takes the slow path, element by element."""
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    if "\\" not in text:
        return "{" + text[1:-1] + "}"
    return "{" + ",".join("NULL" if value is None else
                          '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for value in values) + "}"


class _ArrayLiteral(TypeDecorator):
    """A list, sent as its array literal; untyped, so that no `::VARCHAR` is rendered before the cast."""
    impl = NullType
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else array_literal(value)


def array_of(name: str, item_type, values=None, unique: bool = False):
    """`CAST(:name AS item_type[])` (PostgreSQL), its parameter a list sent as one array literal (`array_literal`).
    For `sa.any_(...)` or `sa.func.unnest(...)` in a Core statement. A string type loses its length: an explicit
    CAST to varchar(n) would silently cut a longer value (a lookup could match its prefix), where the column
    itself refuses it."""
    if isinstance(item_type, sa.String) and item_type.length is not None:
        item_type = sa.String()
    return sa.cast(sa.bindparam(name, values, type_=_ArrayLiteral(), unique=unique), postgresql.ARRAY(item_type))


def one_of(column, values: list, postgresql_dialect: bool):
    """`column = ANY(CAST(:… AS type[]))` on PostgreSQL, `column IN (...)` elsewhere: both a cached statement
    whatever the number of `values`."""
    if postgresql_dialect:
        return column == sa.any_(array_of(f"{column.key}_list", column.type, values, unique=True))
    return column.in_(values)
