"""Two small nameko services used by hubkit's integration tests (also run as a process, see __main__)."""
import os
import signal

import sqlalchemy as sa
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.orm import sessionmaker

from hubkit import batching
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database, UnitOfWork, make_engine
from hubkit.errors import Conflict, InvalidInput
from hubkit.outbox import OutboxRelayProvider
from hubkit.tables import add_infrastructure_tables

metadata = sa.MetaData()
add_infrastructure_tables(metadata)
notes = sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String(100)))
tallies = sa.Table("tallies", metadata, sa.Column("name", sa.String(50), primary_key=True),
                   sa.Column("count", sa.Integer, nullable=False))


def unit_of_work(url: str, producer: str = "hubkit_notes") -> UnitOfWork:
    return UnitOfWork(sessionmaker(make_engine(url), expire_on_commit=False), producer, metadata)


class NotesService:
    """Writes a note and emits `note_written` in the same transaction."""
    name = "hubkit_notes"

    correlation = Correlation()
    db = Database("hubkit_notes", metadata)
    outbox = OutboxRelayProvider()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def write_note(self, text):
        with self.db as uow:
            uow.session.execute(notes.insert().values(text=text))
            uow.emit("note_written", {"kind": "note", "id": text}, {"text": text})
        if os.environ.get("HUBKIT_DIE_AFTER_COMMIT"):
            os.kill(os.getpid(), signal.SIGKILL)  # the process dies between commit and publish
        return {"correlation_id": self.correlation.correlation_id}

    @rpc
    def write_notes(self, batch):
        """The batch form of write_note: one transaction, one outcome per item, each event with its item's ids."""
        items, outcomes = batching.unpack(batch), []
        with self.db as uow:
            for item in items:
                text = item.payload.get("text")
                if not text:
                    outcomes.append(InvalidInput(details={"text": ["Champ obligatoire."]}))
                    continue
                if text == "refused":
                    outcomes.append(Conflict("note refusée"))
                    continue
                with batching.bound(item):
                    uow.session.execute(notes.insert().values(text=text))
                    uow.emit("note_written", {"kind": "note", "id": text}, {"text": text})
                outcomes.append({"written": text})
        return batching.answer(outcomes)

    @rpc
    def write_note_then_fail(self, text):
        with self.db as uow:
            uow.session.execute(notes.insert().values(text=text))
            uow.emit("note_written", {"kind": "note", "id": text}, {"text": text})
            raise Conflict("refused after the event was recorded")

    @timer(interval=0.2)
    def relay(self):
        self.outbox.poll()


class CounterService:
    """Counts notes from `note_written` events: must count each event once, however often delivered."""
    name = "hubkit_counter"

    correlation = Correlation()
    db = Database("hubkit_counter", metadata)
    seen_correlations = []
    passing_failures = 0  # how many deliveries fail as if the database were briefly down

    @event_handler("hubkit_notes", "note_written")
    def count_note(self, data):
        envelope = receive(data, self.correlation, self.name)
        CounterService.seen_correlations.append((self.correlation.correlation_id, self.correlation.causation_id))
        with self.db as uow:
            if not uow.first_delivery(envelope, "hubkit_counter.count_note"):
                return
            if CounterService.passing_failures:
                CounterService.passing_failures -= 1
                raise ConnectionError("database briefly unreachable")
            updated = uow.session.execute(tallies.update().where(tallies.c.name == "notes")
                                          .values(count=tallies.c.count + 1)).rowcount
            if not updated:
                uow.session.execute(tallies.insert().values(name="notes", count=1))


if __name__ == "__main__":
    import eventlet
    eventlet.monkey_patch()
    from nameko.cli.run import run
    run([NotesService], {"AMQP_URI": os.environ["HUB_AMQP_URI"], "serializer": "json"})
