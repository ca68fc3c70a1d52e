from pathlib import Path

import pytest

from hubkit.testing import service_database_fixtures
from routing import SERVICE_NAME
from routing.models import Base
from routing.peers import Directions, DirectionsCache
from tests.fakes import FakeAccounts, FakeIdeas

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "routing"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("schemes", "inbox_items", "decisions", "dossiers", "webhook_deliveries", "trace_entries", "links",
                   "outbox_events", "outgoing_mails", "reconciliation_cursors",
                   "received_answer_signatures")

_templates, _fresh_database, routing_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)


@pytest.fixture
def ideas():
    return FakeIdeas()


@pytest.fixture
def accounts():
    return FakeAccounts()


@pytest.fixture
def directions(accounts):
    """The directions as the use cases read them, through a cache of their own (a test's outage stays its own)."""
    return Directions(accounts, DirectionsCache())


class FakeDns:
    """Stands in for the resolver of webhook hosts: names from a dict (as a DNS server that an attacker may
    control would answer), an IP address resolves to itself, any other name is unknown (socket.gaierror)."""

    def __init__(self):
        self.names = {"compost.paris.local": ["93.184.215.14"], "dossiers.example.org": ["93.184.215.14"]}
        self.asked = []

    def __call__(self, host: str, port: int) -> list:
        import ipaddress
        import socket
        self.asked.append(host)
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.names[host])


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns()
    monkeypatch.setattr("routing.adapters.webhooks.resolve_addresses", fake)
    return fake
