"""What every group of routing use cases shares: their context (unit of work, settings, the directions, the
clock), one way of turning a broken rule into an error (hubkit.rules), and writing a step of an idea's history
(trace entry) next to the event that records it."""
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from hubkit import correlation
from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow
from hubkit.errors import HubError, NotFound, PermissionDenied

from ..domain.access import NotAllowed, OutsideDirection, RuleBroken
from ..domain.catalogue import check_direction
from ..domain.history import named, people_in
from ..models import InboxItem, Scheme, TraceEntry
from ..settings import Settings
from .views import trace_view

FieldChecks = partial(hub_rules.FieldChecks, RuleBroken)  # several field rules reported at once (a form)


@contextmanager
def rules():
    """Inside, a broken rule leaves as the error callers see (hubkit.rules.as_error): a field-level validation
    error (400), a refusal (403) or a conflict it names (409). A refusal outside the idea's owning direction
    names that direction in its details (the gateway's 403 page says whom to ask)."""
    try:
        yield
    except OutsideDirection as refused:
        raise PermissionDenied(refused.message, details={"direction": refused.direction}, code=refused.code) \
            from None
    except RuleBroken as broken:
        raise hub_rules.as_error(broken, NotAllowed) from None


@dataclass(frozen=True)
class Context:
    """What a group of use cases works with. `uow`: the unit of work (one transaction; None for the use cases
    that read no table); `directions`: peers.Directions (accounts' table), for the use cases that name or check
    a direction."""
    uow: object
    settings: Settings
    directions: object = None
    clock: object = utcnow
    people: object = None  # peers.People: the agents the history names (None: named « Agent·e »)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@contextmanager
def acting_on(correlation_id: str, request_id: str):
    """Events emitted inside carry the idea's correlation id and, as cause, the agent's request."""
    tokens = correlation.bind(correlation_id, request_id)
    try:
        yield
    finally:
        correlation.unbind(tokens)


def request_id() -> str:
    """The id of the request being served (the gateway's X-Request-ID), or a fresh one."""
    return correlation.current()[0] or correlation.new_id()


def occurred(envelope: dict) -> datetime:
    """An event's `occurred_at` as an aware datetime (events carry it as ISO text, or already parsed)."""
    moment = envelope["occurred_at"]
    return aware(datetime.fromisoformat(moment) if isinstance(moment, str) else moment)


class UseCases:
    """The base of each group: the context's parts under short names, scheme lookups, traced events."""

    def __init__(self, context: Context):
        self.context = context
        self.uow, self.settings, self.directions, self.clock = (
            context.uow, context.settings, context.directions, context.clock)
        self.people = context.people

    @property
    def session(self):
        return self.uow.session

    def _known_direction(self, code: str) -> str:
        """A direction's code the City has (accounts' table); else the validation error a form shows."""
        with rules():
            return check_direction(code, self.directions.codes())

    def _item(self, idea_id: str, for_update=False) -> InboxItem:
        item = self.session.get(InboxItem, str(idea_id), with_for_update=for_update)
        if item is None:
            raise NotFound("Cette idée n'est pas (encore) dans la boîte de réception.", code="NOT_IN_INBOX")
        return item

    def _days(self, days: int) -> timedelta:
        """A deadline of `days` (a day is `Settings.day_seconds` long: shorter only for demos and tests)."""
        return timedelta(seconds=days * self.settings.day_seconds)

    def _scheme(self, code: str, for_update=False) -> Scheme:
        scheme = self.session.get(Scheme, code, with_for_update=for_update)
        if scheme is None:
            raise NotFound("Aucun dispositif n'a ce code.", code="SCHEME_NOT_FOUND")
        return scheme

    def _scheme_names(self) -> dict:
        return {code: name for code, name in self.session.query(Scheme.code, Scheme.name)}

    def named_traces(self, entries, agent_view: bool = True) -> list:
        """Trace entries as people read them: each agent by pseudonym (« Agent·e » once deleted), each direction
        with its name (domain.history.named); `agent_view` False: the public timeline, no notes, no one named."""
        views = [trace_view(entry) for entry in entries]
        ids = set().union(*(people_in(view["agent_note"]) for view in views)) if agent_view else set()
        pseudonyms = self.people.pseudonyms(ids) if ids and self.people is not None else {}
        try:
            directions = self.directions.table() if self.directions is not None else {}
        except HubError:  # accounts not answering: the codes alone
            directions = {}
        return [{**view, "summary": named(view["summary"], pseudonyms, directions),
                 "agent_note": named(view["agent_note"], pseudonyms, directions) if agent_view else None}
                for view in views]

    def emit_traced(self, event_type: str, idea_id: str, payload: dict, actor: dict, summary: str,
                    agent_note: str = None, public: bool = True) -> dict:
        """Emit a routing event and write it on the idea's timeline, in the same transaction."""
        envelope = self.uow.emit(event_type, {"kind": "idea", "id": idea_id}, payload, actor=actor)
        self.trace(envelope, idea_id, summary, agent_note, public)
        return envelope

    def trace(self, envelope: dict, idea_id: str, summary: str, agent_note: str = None, public: bool = True):
        self.session.add(TraceEntry(
            idea_id=idea_id, event_id=str(envelope["event_id"]), type=envelope["type"], service=envelope["producer"],
            actor_role=envelope["actor"]["role"], correlation_id=envelope["correlation_id"],
            causation_id=envelope["causation_id"], occurred_at=occurred(envelope), summary=summary,
            agent_note=agent_note, public=public))
        self.session.flush()
