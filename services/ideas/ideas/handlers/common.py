"""What every use case of the ideas service shares: the clock, the unit of work, rules turned into
errors, posting limits.

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles"}. The
ideas service cannot read the accounts database; it trusts these roles, sent over the internal
broker by the gateway, which got them from accounts (the authority on roles).
"""
import logging
from contextlib import contextmanager
from datetime import date, datetime, timezone

from hubkit.consumer import call_within
from hubkit.errors import Conflict, InvalidInput, RateLimited

from .. import domain

log = logging.getLogger(__name__)

POSTING_WINDOW = 60 * 60  # posting limits are per account and per hour
ACCOUNTS_TIMEOUT = 5  # seconds, for calls to the accounts service


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


@contextmanager
def rules():
    """A broken business rule becomes a field-level validation error (or a conflict it names)."""
    try:
        yield
    except domain.RuleBroken as broken:
        raise _as_error(broken) from None


def _as_error(broken: domain.RuleBroken):
    details = {broken.field: [broken.message]} if broken.field else {"_schema": [broken.message]}
    if broken.code == "RULE_BROKEN":
        return InvalidInput(details=details)
    return Conflict(broken.message, details=details, code=broken.code)


class FieldChecks:
    """Runs several field rules and reports every broken one at once (a form shows them all)."""

    def __init__(self):
        self.details = {}

    def __call__(self, rule, *args):
        try:
            return rule(*args)
        except domain.RuleBroken as broken:
            self.details.setdefault(broken.field or "_schema", []).append(broken.message)
            return None

    def raise_if_broken(self):
        if self.details:
            raise InvalidInput(details=self.details)



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
                log.warning("notification failed", extra={"recipients": len(recipients), "subject": subject[:60]})
        self.uow.on_commit(send)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value
