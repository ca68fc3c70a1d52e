"""The infrastructure tables hubkit adds to the budget database (outbox, processed events, mails)."""
from hubkit.tables import infrastructure_tables

from .models import Base


def processed_events():
    return infrastructure_tables(Base.metadata)["processed"]
