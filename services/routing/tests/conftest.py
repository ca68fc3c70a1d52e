from datetime import datetime, timezone
from pathlib import Path

import pytest

from accounts.domain import DIRECTIONS as ACCOUNTS_DIRECTIONS
from hubkit.errors import ServiceUnavailable
from hubkit.rpc import PeerUnavailable
from hubkit.testing import service_database_fixtures
from routing import SERVICE_NAME
from routing.models import Base
from routing.peers import Directions, DirectionsCache

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "routing"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("schemes", "inbox_items", "decisions", "dossiers", "webhook_deliveries", "trace_entries", "links",
                   "outbox_events", "outgoing_mails", "reconciliation_cursors",
                   "received_answer_signatures")

_templates, _fresh_database, routing_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)


class FakeIdeas:
    """Stands in for the ideas service's RPC: ideas from a dict; `submissions` lists them in submission order
    behind a cursor, as ideas does. `down`: every call fails as a peer that does not answer."""

    def __init__(self):
        self.ideas, self.calls, self.down = {}, [], False

    def add(self, idea_id: str, title: str, description: str, status="submitted", theme="environnement",
            arrondissement=None, created_at=None, author_id=None, correlation_id=None):
        self.ideas[idea_id] = {"id": idea_id, "title": title, "description": description, "status": status,
                               "theme": theme, "arrondissement": arrondissement,
                               "created_at": (created_at or datetime.now(timezone.utc)).isoformat(),
                               "author_id": author_id, "correlation_id": correlation_id}
        return self.ideas[idea_id]

    def _answer(self, call: str, data: dict):
        self.calls.append((call, data))
        if self.down:
            raise PeerUnavailable(f"{call} timed out")

    def get_idea(self, data):
        self._answer("get_idea", data)
        return {key: value for key, value in self.ideas[data["idea_id"]].items()
                if key not in ("author_id", "correlation_id")}  # never told to callers of get_idea

    def submissions(self, data):
        self._answer("submissions", data)
        found = sorted((f"{idea['created_at']}|{idea['id']}", idea) for idea in self.ideas.values())
        after = [(cursor, idea) for cursor, idea in found if data["after"] is None or cursor > data["after"]]
        page = after[:data["limit"]]
        return {"items": [{"idea_id": idea["id"], "author_id": idea["author_id"],
                           "correlation_id": idea["correlation_id"], "submitted_at": idea["created_at"],
                           "status": idea["status"], "theme": idea["theme"],
                           "arrondissement": idea["arrondissement"], "cursor": cursor} for cursor, idea in page],
                "next_cursor": page[-1][0] if page else data["after"], "has_more": len(after) > len(page)}


@pytest.fixture
def ideas():
    return FakeIdeas()


class FakeAccounts:
    """Stands in for the accounts RPC routing calls for the City's directions (`reference_data`, answered from
    accounts' own table). `down`: it does not answer, as BoundedRpc reports it."""

    def __init__(self):
        self.calls, self.down = 0, False

    def reference_data(self):
        self.calls += 1
        if self.down:
            raise ServiceUnavailable(details={"reason": "reference_data timed out"})
        return {"roles": ["citizen", "agent", "moderator", "admin"], "grantable_roles": ["agent", "moderator", "admin"],
                "directions": [{"code": code, "name": name} for code, name in ACCOUNTS_DIRECTIONS.items()]}


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
