"""Reports and moderation of everything citizens write: ideas and their comments, and in
consultations proposals (amendments included), their comments and arguments. Three reports not yet
reviewed, from distinct accounts older than IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS (settings), hide an item pending
review; a citizen makes at most IDEAS_REPORTS_PER_HOUR reports; moderators hide or restore with a reason; every action
is logged (docs/security/abuse.md)."""
import logging
from datetime import UTC, datetime

import eventlet
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.errors import Conflict, NotFound, PermissionDenied

from .. import domain, events
from ..models import (Argument, Comment, Consultation, Idea, ModerationAction, Proposal, ProposalComment,
                      Report)
from .common import UseCases, aware, rules

log = logging.getLogger(__name__)

# kind -> (model, whether its id is a number, what "not found" says)
CONTENT_MODELS = {
    domain.IDEA: (Idea, False, "Idée introuvable."),
    domain.COMMENT: (Comment, True, "Commentaire introuvable."),
    domain.PROPOSAL: (Proposal, False, "Proposition introuvable."),
    domain.PROPOSAL_COMMENT: (ProposalComment, True, "Commentaire introuvable."),
    domain.ARGUMENT: (Argument, True, "Argument introuvable."),
}


class Moderation(UseCases):
    use_cases = ("report_content", "moderate", "moderation_queue")

    def _content(self, kind: str, content_id: str, for_update=False):
        """The reported or moderated item, and where it lives: (item, idea id, consultation id)."""
        model, numeric, missing = CONTENT_MODELS[kind]
        key = (int(content_id) if str(content_id).isdigit() else None) if numeric else str(content_id)
        content = self.session.get(model, key, with_for_update=for_update) if key is not None else None
        if content is None:
            raise NotFound(missing)
        return (content, *_place(kind, content))

    @staticmethod
    def _text_of(kind: str, content) -> str:
        return domain.excerpt(content.description if kind == domain.IDEA else content.body)

    def report_content(self, actor: dict, command: dict) -> dict:
        """One report per account and item, never of one's own item (403 OWN_IDEA or OWN_CONTENT, nothing
        written); the third one not yet reviewed, of established accounts, hides it pending review. The limit is counted first (a refused report counts too: it is what a flood looks
        like); accounts is asked the reporter's age before the transaction starts."""
        kind, content_id = command["kind"], str(command["content_id"])
        self._throttle_posting("report", actor, self.settings.reports_per_hour, "signalements")
        registered_at = self._reporter_registered_at(str(actor["account_id"]))
        content, idea_id, consultation_id = self._content(kind, content_id, for_update=True)
        with rules():
            reason = domain.check_report_reason(command["reason"])
        account_id = str(actor["account_id"])
        if domain.is_author(content.author_id, account_id):  # the page does not offer it: a forged request
            code, message = domain.own_content_refusal(kind, getattr(content, "amends_id", None) is not None)
            raise PermissionDenied(message, code=code)
        already = Conflict("Vous avez déjà signalé ce contenu.", code="ALREADY_REPORTED")
        try:
            with self.session.begin_nested():
                self.session.add(Report(content_kind=kind, content_id=content_id, idea_id=idea_id,
                                        consultation_id=consultation_id, account_id=account_id, reason=reason,
                                        created_at=self.clock(), reporter_registered_at=registered_at))
        except IntegrityError:
            raise already from None
        pending = self._pending_reports(kind, content_id, domain.established_since(
            self.clock(), self.settings.report_min_account_age_days))
        if domain.hidden_by_reports(pending, content.hidden):
            self._set_hidden(content, kind, content_id, (idea_id, consultation_id), True,
                             domain.HIDDEN_BY_REPORTS.format(count=pending), None, "system", mark_reviewed=False)
        return {"kind": kind, "content_id": content_id, "reported": True, "hidden": bool(content.hidden)}

    def _pending_reports(self, kind: str, content_id: str, registered_by: datetime | None) -> int:
        """Reports not yet reviewed, of accounts registered by `registered_by` (None: of any account)."""
        conditions = [Report.content_kind == kind, Report.content_id == content_id, Report.reviewed.is_(False)]
        if registered_by is not None:
            conditions.append(Report.reporter_registered_at <= registered_by)
        return self.session.execute(sa.select(sa.func.count()).select_from(Report).where(*conditions)).scalar_one()

    def _reporter_registered_at(self, account_id: str) -> datetime | None:
        """When the reporter's account was created, asked of accounts (`public_profiles`); None when no minimum
        age is set (nothing to ask) or accounts cannot tell: the report is kept but hides nothing on its own."""
        if self.settings.report_min_account_age_days <= 0:
            return None
        if self.accounts is None:
            log.warning("no accounts service to ask a reporter's age: the report will not hide anything")
            return None
        try:
            profiles = self.accounts.public_profiles([account_id])
        except (Exception, eventlet.Timeout) as error:  # noqa: BLE001 — the report is kept whatever happened
            log.warning("accounts did not give a reporter's age: the report will not hide anything",
                        extra={"error": type(error).__name__})
            return None
        registered = next((p.get("registered_at") for p in profiles if p.get("account_id") == account_id), None)
        if not isinstance(registered, str):
            return None
        return aware(datetime.fromisoformat(registered)).astimezone(UTC)  # stored as UTC, compared as stored

    def moderate(self, actor: dict, command: dict) -> dict:
        """A moderator or admin hides (`hide`) or restores (`restore`) an item, with a reason."""
        roles = actor.get("roles") or []
        if not domain.is_moderator(roles):
            raise PermissionDenied("Seuls les modérateurs et administrateurs masquent ou rétablissent un contenu.")
        kind, content_id, action = command["kind"], str(command["content_id"]), command["action"]
        content, idea_id, consultation_id = self._content(kind, content_id, for_update=True)
        with rules():
            reason = domain.check_moderation(action, content.hidden, command.get("reason"))
        self._set_hidden(content, kind, content_id, (idea_id, consultation_id), action == "hide", reason,
                         str(actor["account_id"]), domain.acting_role(roles))
        return {"kind": kind, "content_id": content_id, "hidden": bool(content.hidden)}

    def _set_hidden(self, content, kind, content_id, place: tuple, hidden: bool, reason, actor_id, role,
                    mark_reviewed=True):
        idea_id, consultation_id = place
        content.hidden = hidden
        if kind == domain.IDEA:  # hidden: no longer found by its words nor suggested; restored: again
            self.findable.idea_changed(content)
        elif kind == domain.PROPOSAL:
            self.findable.proposal_changed(content)
        self.session.add(ModerationAction(content_kind=kind, content_id=content_id, idea_id=idea_id,
                                          consultation_id=consultation_id,
                                          action="hidden" if hidden else "restored", reason=reason,
                                          actor_id=actor_id, actor_role=role, created_at=self.clock()))
        if mark_reviewed:  # a moderator's decision answers the reports so far
            self.session.execute(sa.update(Report).where(Report.content_kind == kind, Report.content_id == content_id)
                                 .values(reviewed=True))
        self.session.flush()
        payload = {"kind": kind, "content_id": content_id, "idea_id": idea_id, "consultation_id": consultation_id}
        if hidden:
            payload["by"] = "reports" if actor_id is None else "moderator"
        self.uow.emit(events.CONTENT_HIDDEN if hidden else events.CONTENT_RESTORED,
                      events.content(kind, content_id), payload, actor=events.actor(actor_id, role))

    def moderation_queue(self, actor: dict) -> dict:
        """What waits for moderators (reported and not reviewed, or hidden) and the latest actions, in a
        constant number of queries however long the queue: one per kind of content, one per kind of place."""
        if not domain.is_moderator(actor.get("roles")):
            raise PermissionDenied("La file de modération est réservée aux modérateurs et administrateurs.")
        pending = {}
        for kind, content_id, reason, count in self.session.execute(
                sa.select(Report.content_kind, Report.content_id, Report.reason, sa.func.count())
                .where(Report.reviewed.is_(False))
                .group_by(Report.content_kind, Report.content_id, Report.reason)).all():
            pending.setdefault((kind, content_id), {})[reason] = count
        contents = self._queued_contents(set(pending))
        titles = self._context_titles(contents)
        items = []
        for (kind, content_id), content in contents.items():
            idea_id, consultation_id = _place(kind, content)
            reasons = pending.get((kind, content_id), {})
            items.append({"kind": kind, "content_id": content_id, "idea_id": idea_id,
                          "consultation_id": consultation_id,
                          "proposal_id": getattr(content, "proposal_id", None) or (
                              content.id if kind == domain.PROPOSAL else None),
                          "idea_title": titles[kind, content_id], "text": self._text_of(kind, content),
                          "author_pseudonym": content.author_pseudonym, "hidden": bool(content.hidden),
                          "pending_reports": sum(reasons.values()), "reasons": reasons})
        items.sort(key=lambda item: (-item["pending_reports"], not item["hidden"], item["kind"], item["content_id"]))
        log_rows = self.session.execute(sa.select(ModerationAction).order_by(ModerationAction.id.desc())
                                        .limit(50)).scalars()
        return {"items": items, "log": [
            {"kind": row.content_kind, "content_id": row.content_id, "idea_id": row.idea_id,
             "consultation_id": row.consultation_id, "action": row.action,
             "reason": row.reason, "role": row.actor_role, "created_at": aware(row.created_at)} for row in log_rows]}

    def _queued_contents(self, reported: set) -> dict:
        """The hidden and the reported items, {(kind, id): row}: one query per kind of content."""
        contents = {}
        for kind, (model, numeric, _) in CONTENT_MODELS.items():
            ids = [content_id for reported_kind, content_id in reported if reported_kind == kind]
            keys = [int(i) for i in ids if i.isdigit()] if numeric else ids
            condition = sa.or_(model.hidden, model.id.in_(keys)) if keys else model.hidden
            for content in self.session.execute(sa.select(model).where(condition)).scalars():
                contents[kind, str(content.id)] = content
        return contents

    def _context_titles(self, contents: dict) -> dict:
        """What each item belongs to, for the queue: its idea, its proposal, or its consultation; one query
        per kind of place that is not already loaded."""
        wanted = {Idea: set(), Proposal: set(), Consultation: set()}
        for (kind, _), content in contents.items():
            if kind == domain.COMMENT:
                wanted[Idea].add(content.idea_id)
            elif kind == domain.PROPOSAL_COMMENT:
                wanted[Proposal].add(content.proposal_id)
            elif kind == domain.ARGUMENT:
                wanted[Consultation].add(content.consultation_id)
        known = {model: dict(self.session.execute(sa.select(model.id, model.title).where(model.id.in_(ids))).all())
                 if ids else {} for model, ids in wanted.items()}
        titles = {}
        for (kind, content_id), content in contents.items():
            titles[kind, content_id] = (
                content.title if kind in (domain.IDEA, domain.PROPOSAL)
                else known[Idea].get(content.idea_id) if kind == domain.COMMENT
                else known[Proposal].get(content.proposal_id) if kind == domain.PROPOSAL_COMMENT
                else known[Consultation].get(content.consultation_id))
        return titles


def _place(kind: str, content) -> tuple:
    """Where an item lives: (idea id, consultation id)."""
    if kind == domain.IDEA:
        return content.id, None
    if kind == domain.COMMENT:
        return content.idea_id, None
    return None, content.consultation_id
