"""What every group of routing use cases shares: the unit of work, the settings, the clock, rules → errors,
and writing a step of an idea's history (trace entry) next to the event that records it."""
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from hubkit import correlation
from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow
from hubkit.config import env_float, env_int, env_str, hub_env
from hubkit.errors import NotFound

from . import domain, webhook_rules
from .models import Scheme, TraceEntry


@dataclass(frozen=True)
class Settings:
    """ROUTING_* environment variables (defaults for production)."""
    undo_seconds: int = 60
    webhook_backoff_seconds: float = 30.0
    webhook_max_attempts: int = 15
    webhook_timeout_seconds: float = 5.0
    day_seconds: int = 86400  # the length of a deadline "day": shorter only for demos and tests
    allow_plain_http: bool = False
    # Networks (ip_network) a webhook may reach although not public, e.g. 127.0.0.0/8 for a local demo receiver.
    webhook_allowed_networks: tuple = ()
    # An open idea the inbox lacks is recovered by reconciliation only once older than this: a younger one's
    # idea_submitted is most likely on its way (recovering it would give it a fresh correlation id).
    reconcile_grace_seconds: float = 60.0


def settings_from_env() -> Settings:
    defaults = Settings()
    return Settings(
        undo_seconds=env_int("ROUTING_UNDO_SECONDS", defaults.undo_seconds),
        webhook_backoff_seconds=env_float("ROUTING_WEBHOOK_BACKOFF_SECONDS", defaults.webhook_backoff_seconds),
        webhook_max_attempts=env_int("ROUTING_WEBHOOK_MAX_ATTEMPTS", defaults.webhook_max_attempts),
        webhook_timeout_seconds=env_float("ROUTING_WEBHOOK_TIMEOUT_SECONDS", defaults.webhook_timeout_seconds),
        day_seconds=env_int("ROUTING_DEADLINE_DAY_SECONDS", defaults.day_seconds),
        reconcile_grace_seconds=env_float("ROUTING_RECONCILE_GRACE_SECONDS", defaults.reconcile_grace_seconds),
        # empty in every mode: a local run that calls a receiver on 127.0.0.1 says so (dev/run.py)
        webhook_allowed_networks=webhook_rules.parse_allowed_networks(
            env_str(webhook_rules.ALLOWED_NETWORKS_SETTING, "")),
        # local runs and tests deliver webhooks to http://127.0.0.1; production only to https://
        allow_plain_http=env_str("ROUTING_ALLOW_HTTP_WEBHOOKS", "1" if hub_env() in ("local", "test") else "0")
        in ("1", "true", "yes"))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# A broken rule becomes a field-level validation error (400), a refusal (403) or a conflict it names (409).
rules = partial(hub_rules.rules_as_errors, domain.RuleBroken, domain.NotAllowed)
FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)


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


class UseCases:
    def __init__(self, uow, settings: Settings = None, ideas=None, accounts=None, clock=utcnow):
        self.uow, self.settings, self.ideas, self.accounts, self.clock = (
            uow, settings or Settings(), ideas, accounts, clock)

    @property
    def session(self):
        return self.uow.session

    def _scheme(self, code: str, for_update=False) -> Scheme:
        scheme = self.session.get(Scheme, code, with_for_update=for_update)
        if scheme is None:
            raise NotFound("Aucun dispositif n'a ce code.", code="SCHEME_NOT_FOUND")
        return scheme

    def _scheme_names(self) -> dict:
        return {code: name for code, name in self.session.query(Scheme.code, Scheme.name)}

    def emit_traced(self, event_type: str, idea_id: str, payload: dict, actor: dict, summary: str,
                    agent_note: str = None, public: bool = True) -> dict:
        """Emit a routing event and write it on the idea's timeline, in the same transaction."""
        envelope = self.uow.emit(event_type, {"kind": "idea", "id": idea_id}, payload, actor=actor)
        self.trace(envelope, idea_id, summary, agent_note, public)
        return envelope

    def trace(self, envelope: dict, idea_id: str, summary: str, agent_note: str = None, public: bool = True):
        occurred = envelope["occurred_at"]
        if isinstance(occurred, str):
            occurred = datetime.fromisoformat(occurred)
        self.session.add(TraceEntry(
            idea_id=idea_id, event_id=str(envelope["event_id"]), type=envelope["type"], service=envelope["producer"],
            actor_role=envelope["actor"]["role"], correlation_id=envelope["correlation_id"],
            causation_id=envelope["causation_id"], occurred_at=aware(occurred), summary=summary,
            agent_note=agent_note, public=public))
        self.session.flush()
