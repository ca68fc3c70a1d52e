"""What every use case of the ideas service shares: the clock, the unit of work, rules turned into
errors, posting limits.

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles"}. The
ideas service cannot read the accounts database; it trusts these roles, sent over the internal
broker by the gateway, which got them from accounts (the authority on roles).
"""
import logging
from datetime import date, datetime
from functools import partial

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow  # noqa: F401  (aware: re-exported for the use-case modules)
from hubkit.consumer import call_within
from hubkit.errors import RateLimited

from .. import domain

log = logging.getLogger(__name__)

POSTING_WINDOW = 60 * 60  # posting limits are per account and per hour
ACCOUNTS_TIMEOUT = 5  # seconds, for calls to the accounts service


def rules():
    """A broken business rule becomes a field-level validation error (or a conflict it names)."""
    return hub_rules.rules_as_errors(domain.RuleBroken)


FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)


class UseCases:
    """The base of the use-case groups: each runs in one unit of work (one transaction)."""

    def __init__(self, uow, throttle, clock=utcnow, accounts=None):
        """`accounts`: something with `public_profiles(data)` and `notify(data)`, the accounts service's RPC
        (or a fake)."""
        self.uow, self.throttle, self.clock, self.accounts = uow, throttle, clock, accounts

    @property
    def session(self):
        return self.uow.session

    def _throttle_posting(self, bucket: str, actor: dict, limit: int, what: str):
        try:
            self.throttle.consume(bucket, str(actor["account_id"]), limit, POSTING_WINDOW)
        except RateLimited as limited:
            minutes = max(1, -(-limited.retry_after // 60))
            raise RateLimited(f"Vous avez atteint la limite de {limit} {what} par heure. "
                              f"Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
                              details=limited.details) from None



    def _notify_after_commit(self, account_ids, subject: str, body: str):
        """E-mails these accounts (None ones skipped) through accounts.notify once the unit of work has
        committed; a failure is logged, what was done stays done (accounts queues the e-mails)."""
        recipients = sorted({account_id for account_id in account_ids if account_id})
        if not recipients or self.accounts is None:
            return
        notice = {"account_ids": recipients, "subject": subject[:150], "body": body}

        def send():
            try:
                call_within(ACCOUNTS_TIMEOUT, self.accounts.notify, notice)
            except Exception:  # noqa: BLE001 — anything, a timeout included
                # never the subject: it quotes titles citizens wrote, which may hold a name or an address
                log.warning("notification failed", extra={"recipients": len(recipients)})
        self.uow.on_commit(send)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value
