"""Moderation: what can be reported, when reports hide an item, what a moderator's decision needs."""
from datetime import datetime, timedelta

from .text import RuleBroken, clean_text

IDEA, COMMENT = "idea", "comment"
PROPOSAL, PROPOSAL_COMMENT, ARGUMENT = "proposal", "proposal_comment", "argument"  # in consultations
CONTENT_KINDS = (IDEA, COMMENT, PROPOSAL, PROPOSAL_COMMENT, ARGUMENT)
REPORT_REASONS = {"spam": "Spam ou publicité", "offensive": "Propos injurieux ou haineux",
                  "off_topic": "Hors sujet"}
REPORTS_TO_HIDE = 3  # reports not yet reviewed that hide an item pending a moderator's review
HIDDEN_TEXT = "Masqué par la modération"
MODERATOR_ROLES = ("moderator", "admin")
MODERATION_REASON_MAX = 500
HIDDEN_BY_REPORTS = "Masqué automatiquement après {count} signalements, en attente de modération."
# Why one does not report what one wrote (three reports hide an item: its author's own must not count among them;
# they may delete nothing either, a moderator hides): the page offers it to nobody on their own items, the service
# refuses a request sent anyway. An idea keeps its own code (OWN_IDEA, documented before the others).
OWN_CONTENT_REFUSALS = {
    IDEA: ("OWN_IDEA", "Vous êtes l'auteur·e de cette idée : vous ne pouvez pas la signaler."),
    COMMENT: ("OWN_CONTENT", "Vous avez écrit ce commentaire : vous ne pouvez pas le signaler."),
    PROPOSAL: ("OWN_CONTENT", "Vous avez déposé cette proposition : vous ne pouvez pas la signaler."),
    PROPOSAL_COMMENT: ("OWN_CONTENT", "Vous avez écrit ce commentaire : vous ne pouvez pas le signaler."),
    ARGUMENT: ("OWN_CONTENT", "Vous avez écrit cet argument : vous ne pouvez pas le signaler."),
}
OWN_AMENDMENT_REFUSAL = ("OWN_CONTENT", "Vous avez déposé cet amendement : vous ne pouvez pas le signaler.")


def own_content_refusal(kind: str, is_amendment: bool = False) -> tuple:
    """(code, message) refusing its author's report of an item of this kind (an amendment is a proposal)."""
    return OWN_AMENDMENT_REFUSAL if kind == PROPOSAL and is_amendment else OWN_CONTENT_REFUSALS[kind]


def is_moderator(roles) -> bool:
    return bool(set(roles or ()) & set(MODERATOR_ROLES))


def check_report_reason(reason: str) -> str:
    if reason not in REPORT_REASONS:
        raise RuleBroken("Choisissez un motif de la liste.", "reason")
    return reason


def hidden_by_reports(pending_reports: int, hidden: bool) -> bool:
    """Whether this report hides the item: the threshold is reached and it is still shown. `pending_reports`
    counts only the reports of established accounts (see established_since)."""
    return not hidden and pending_reports >= REPORTS_TO_HIDE


def established_since(now: datetime, min_account_age_days: int) -> datetime | None:
    """The latest registration date of an account whose reports count towards hiding an item: accounts made
    for the purpose cannot hide what others wrote. None: any account's report counts (no minimum age)."""
    return now - timedelta(days=min_account_age_days) if min_account_age_days > 0 else None


def check_moderation(action: str, hidden: bool, reason: str) -> str:
    """A moderator hides a shown item or restores a hidden one, with a reason (kept in the log)."""
    if action == "hide" and hidden:
        raise RuleBroken("Ce contenu est déjà masqué.", code="ALREADY_HIDDEN")
    if action == "restore" and not hidden:
        raise RuleBroken("Ce contenu n'est pas masqué.", code="NOT_HIDDEN")
    reason = clean_text(reason)
    if not reason:
        raise RuleBroken("Indiquez le motif de la décision.", "reason")
    if len(reason) > MODERATION_REASON_MAX:
        raise RuleBroken(f"Au plus {MODERATION_REASON_MAX} caractères.", "reason")
    return reason
