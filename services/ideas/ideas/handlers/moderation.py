"""Reports and moderation of everything citizens write: ideas and their comments, and in
consultations proposals (amendments included), their comments and arguments. Three reports not yet
reviewed hide an item pending review; moderators hide or restore with a reason; every action is logged."""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.errors import Conflict, NotFound, PermissionDenied

from .. import domain, events
from ..models import (Argument, Comment, Consultation, Idea, ModerationAction, Proposal, ProposalComment,
                      Report)
from .common import UseCases, aware, rules

# kind -> (model, whether its id is a number, what "not found" says)
CONTENT_MODELS = {
    domain.IDEA: (Idea, False, "Idée introuvable."),
    domain.COMMENT: (Comment, True, "Commentaire introuvable."),
    domain.PROPOSAL: (Proposal, False, "Proposition introuvable."),
    domain.PROPOSAL_COMMENT: (ProposalComment, True, "Commentaire introuvable."),
    domain.ARGUMENT: (Argument, True, "Argument introuvable."),
}


class Moderation(UseCases):
    def _content(self, kind: str, content_id: str, for_update=False):
        """The reported or moderated item, and where it lives: (item, idea id, consultation id)."""
        model, numeric, missing = CONTENT_MODELS[kind]
        key = (int(content_id) if str(content_id).isdigit() else None) if numeric else str(content_id)
        content = self.session.get(model, key, with_for_update=for_update) if key is not None else None
        if content is None:
            raise NotFound(missing)
        if kind == domain.IDEA:
            return content, content.id, None
        if kind == domain.COMMENT:
            return content, content.idea_id, None
        return content, None, content.consultation_id

    def _context_title(self, kind: str, content, idea_id, consultation_id) -> str:
        """What the item belongs to, for the queue: its idea, its proposal, or its consultation."""
        if kind == domain.IDEA:
            return content.title
        if idea_id:
            return self.session.get(Idea, idea_id).title
        if kind == domain.PROPOSAL:
            return content.title
        if kind == domain.PROPOSAL_COMMENT:
            return self.session.get(Proposal, content.proposal_id).title
        return self.session.get(Consultation, consultation_id).title

    @staticmethod
    def _text_of(kind: str, content) -> str:
        return domain.excerpt(content.description if kind == domain.IDEA else content.body)

    def report_content(self, actor: dict, command: dict) -> dict:
        """One report per account and item; the third one not yet reviewed hides it pending review."""
        kind, content_id = command["kind"], str(command["content_id"])
        content, idea_id, consultation_id = self._content(kind, content_id, for_update=True)
        with rules():
            reason = domain.check_report_reason(command["reason"])
        account_id = str(actor["account_id"])
        already = Conflict("Vous avez déjà signalé ce contenu.", code="ALREADY_REPORTED")
        try:
            with self.session.begin_nested():
                self.session.add(Report(content_kind=kind, content_id=content_id, idea_id=idea_id,
                                        consultation_id=consultation_id, account_id=account_id, reason=reason,
                                        created_at=self.clock()))
        except IntegrityError:
            raise already from None
        pending = self._pending_reports(kind, content_id)
        if domain.hidden_by_reports(pending, content.hidden):
            self._set_hidden(content, kind, content_id, (idea_id, consultation_id), True,
                             domain.HIDDEN_BY_REPORTS.format(count=pending), None, "system", mark_reviewed=False)
        return {"kind": kind, "content_id": content_id, "reported": True, "hidden": bool(content.hidden)}

    def _pending_reports(self, kind: str, content_id: str) -> int:
        return self.session.execute(sa.select(sa.func.count()).select_from(Report).where(
            Report.content_kind == kind, Report.content_id == content_id, Report.reviewed.is_(False))).scalar_one()

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
        """What waits for moderators (reported and not reviewed, or hidden) and the latest actions."""
        if not domain.is_moderator(actor.get("roles")):
            raise PermissionDenied("La file de modération est réservée aux modérateurs et administrateurs.")
        pending = {}
        for kind, content_id, reason, count in self.session.execute(
                sa.select(Report.content_kind, Report.content_id, Report.reason, sa.func.count())
                .where(Report.reviewed.is_(False))
                .group_by(Report.content_kind, Report.content_id, Report.reason)).all():
            pending.setdefault((kind, content_id), {})[reason] = count
        keys = set(pending)
        for kind, (model, _, _) in CONTENT_MODELS.items():
            keys |= {(kind, str(item_id)) for item_id in
                     self.session.execute(sa.select(model.id).where(model.hidden)).scalars()}
        items = []
        for kind, content_id in keys:
            content, idea_id, consultation_id = self._content(kind, content_id)
            reasons = pending.get((kind, content_id), {})
            title = self._context_title(kind, content, idea_id, consultation_id)
            items.append({"kind": kind, "content_id": content_id, "idea_id": idea_id,
                          "consultation_id": consultation_id,
                          "proposal_id": getattr(content, "proposal_id", None) or (
                              content.id if kind == domain.PROPOSAL else None),
                          "idea_title": title, "text": self._text_of(kind, content),
                          "author_pseudonym": content.author_pseudonym, "hidden": bool(content.hidden),
                          "pending_reports": sum(reasons.values()), "reasons": reasons})
        items.sort(key=lambda item: (-item["pending_reports"], not item["hidden"], item["kind"], item["content_id"]))
        log_rows = self.session.execute(sa.select(ModerationAction).order_by(ModerationAction.id.desc())
                                        .limit(50)).scalars()
        return {"items": items, "log": [
            {"kind": row.content_kind, "content_id": row.content_id, "idea_id": row.idea_id,
             "consultation_id": row.consultation_id, "action": row.action,
             "reason": row.reason, "role": row.actor_role, "created_at": aware(row.created_at)} for row in log_rows]}
