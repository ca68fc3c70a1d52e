"""A batch's outbox rows are written in one statement, and read back exactly as `emit` alone writes them."""
import json

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hubkit_sample_services import metadata, unit_of_work

pytestmark = pytest.mark.integration
OUTBOX = metadata.tables["outbox_events"]
PAYLOAD = {"text": "é \"guillemets\" \\ barre\nligne \u0001 ✓ 😀 ' ; {a,b} NULL", "ratio": 1.5, "none": None,
           "nested": [1, {"yes": True, "no": False}], "big": 2 ** 62, "empty": {}}


def stored(url):
    """The outbox rows as the relay reads them, and on PostgreSQL the text of their envelopes."""
    with unit_of_work(url) as uow:
        rows = uow.session.execute(sa.select(OUTBOX).order_by(OUTBOX.c.id)).all()
        texts = None
        if uow.session.get_bind().dialect.name == "postgresql":
            texts = uow.session.execute(sa.text("SELECT envelope::text FROM outbox_events ORDER BY id")).scalars().all()
    return rows, texts


def test_a_collected_batch_reads_back_as_emit_alone_writes_each_event(infra_db):
    with unit_of_work(infra_db) as uow:
        alone = uow.emit("note_written", {"kind": "note", "id": "0"}, PAYLOAD)
        with uow.collected_events():
            batch = [uow.emit("note_written", {"kind": "note", "id": str(number)}, {**PAYLOAD, "n": number},
                              actor={"account_id": None if number % 2 else f"a-{number}", "role": "citizen"})
                     for number in range(1, 6)]
    rows, texts = stored(infra_db)
    emitted = [alone, *batch]
    assert [row.envelope for row in rows] == emitted  # in the order of the emits, each with its own id
    assert [(row.event_id, row.type, row.attempts, row.published_at, row.last_error) for row in rows] == [
        (envelope["event_id"], "note_written", 0, None, None) for envelope in emitted]
    created = [row.created_at for row in rows]
    assert created == sorted(created) and len(set(created[1:])) == len(created) - 1  # each row its own moment
    if texts is not None:  # the very text one row's JSON column gets, whichever way it was written
        assert texts == [json.dumps(envelope) for envelope in emitted]


def test_on_postgresql_a_batch_is_one_statement_whatever_its_size(infra_db, database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite keeps SQLAlchemy's executemany")
    uow = unit_of_work(infra_db)
    statements = []
    engine = uow._session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    sizes = (1, 3, 500)
    for size in sizes:
        with uow:
            with uow.collected_events():
                for number in range(size):
                    uow.emit("note_written", {"kind": "note", "id": str(number)}, {"n": number})
    inserts = [statement for statement in statements if "outbox_events" in statement]
    assert len(inserts) == len(sizes) and len(set(inserts)) == 1
    rows, _ = stored(infra_db)
    assert [row.envelope["payload"]["n"] for row in rows] == [n for size in sizes for n in range(size)]


def test_nothing_collected_writes_nothing_and_a_failed_batch_writes_nothing(infra_db):
    with unit_of_work(infra_db) as uow:
        with uow.collected_events():
            pass
    with pytest.raises(RuntimeError):
        with unit_of_work(infra_db) as uow:
            with uow.collected_events():
                uow.emit("note_written", {"kind": "note", "id": "x"}, {"text": "x"})
                raise RuntimeError("nothing collected is written")
    assert stored(infra_db)[0] == []
