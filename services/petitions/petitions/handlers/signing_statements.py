"""The statements signing runs: the few columns of a petition it reads, the signature rows it inserts (one
`INSERT … ON CONFLICT DO NOTHING RETURNING`, on PostgreSQL with the count in the same statement) and the counter
update. Built once, when the module is imported: a signing rush reuses them (and their compiled forms)."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hubkit.sqllists import array_of

from ..models import Petition, Signature, SignatureCounter


# What signing reads of a petition (a row, not an ORM object: no identity map, no change tracking).
PETITIONS = Petition.__table__
SIGNING_COLUMNS = (PETITIONS.c.id, PETITIONS.c.status, PETITIONS.c.closes_at, PETITIONS.c.eligibility,
                    PETITIONS.c.threshold, PETITIONS.c.source_idea_id.label("origin_idea_id"),
                    PETITIONS.c.arrondissement)  # the business metrics' label (business_metrics.py)

COUNTERS = SignatureCounter.__table__
ADD_TO_COUNTER = sa.update(COUNTERS).where(
    COUNTERS.c.petition_id == sa.bindparam("counted_petition"), COUNTERS.c.shard == sa.bindparam("counter_shard")
).values(signatures=COUNTERS.c.signatures + sa.bindparam("added", type_=sa.Integer))

# The columns of a new signature, in the order of `INSERT_AND_COUNT`'s arrays.
ROW_COLUMNS = ("petition_id", "account_id", "lives_in_paris", "works_in_paris", "studies_in_paris", "arrondissement",
                "notify", "client_ip")


def insert_unless_signed(dialect: str):
    """INSERT … ON CONFLICT (petition_id, account_id) DO NOTHING RETURNING petition_id, account_id (PostgreSQL,
    SQLite ≥ 3.35), executed with many rows: SQLAlchemy's "insertmanyvalues" sends them as multi-row VALUES of
    one cached statement, and gathers what each returned."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Signature.__table__  # Core, not the ORM's bulk insert
    return insert(table).on_conflict_do_nothing(
        index_elements=["petition_id", "account_id"]).returning(table.c.petition_id, table.c.account_id)


def _insert_and_count():
    """PostgreSQL: the same INSERT … ON CONFLICT DO NOTHING RETURNING, its rows given as one array per column
    (`SELECT … FROM unnest(…)`, in the batch's order), and, in the same statement, each petition's new
    signatures added to one of its counter rows (`counter_shards`, picked per petition): one round trip, and a
    statement text whose parameters are the same whatever the batch size (neither SQLAlchemy nor psycopg
    rebuilds thousands of placeholders per batch; PostgreSQL gets it prepared). Answers (petition_id,
    account_id, false) per signature inserted, then (petition_id, NULL, true) per counter row updated (none for
    a counter row that was never created)."""
    table = Signature.__table__
    arrays = sa.func.unnest(*(array_of(f"{name}s", table.c[name].type) for name in ROW_COLUMNS)).table_valued(
        *ROW_COLUMNS).render_derived("rows")
    rows = sa.select(*(arrays.c[name] for name in ROW_COLUMNS),
                     sa.bindparam("now", type_=table.c.created_at.type))
    inserted = postgresql.insert(table).from_select([*ROW_COLUMNS, "created_at"], rows).on_conflict_do_nothing(
        index_elements=["petition_id", "account_id"]).returning(table.c.petition_id, table.c.account_id).cte(
        "inserted")
    added = sa.select(inserted.c.petition_id, sa.func.count().label("signatures")).group_by(
        inserted.c.petition_id).cte("added")
    picked = sa.func.unnest(array_of("counted_petitions", COUNTERS.c.petition_id.type),
                            array_of("counter_shards", COUNTERS.c.shard.type)).table_valued(
        "petition_id", "shard").render_derived("picked")
    counted = sa.update(COUNTERS).values(signatures=COUNTERS.c.signatures + added.c.signatures).where(
        COUNTERS.c.petition_id == added.c.petition_id, picked.c.petition_id == added.c.petition_id,
        COUNTERS.c.shard == picked.c.shard).returning(COUNTERS.c.petition_id).cte("counted")
    return sa.union_all(
        sa.select(inserted.c.petition_id, inserted.c.account_id, sa.false().label("counter")),
        sa.select(counted.c.petition_id, sa.null().label("account_id"), sa.true().label("counter")))


INSERT_AND_COUNT = _insert_and_count()


def as_arrays(rows: list) -> dict:
    """The batch's rows as the parameters of `INSERT_AND_COUNT` (every row of a batch has the same created_at)."""
    parameters = {f"{name}s": [row[name] for row in rows] for name in ROW_COLUMNS}
    parameters["now"] = rows[0]["created_at"]
    return parameters
