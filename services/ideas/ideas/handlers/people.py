"""What ideas does with other services' news about accounts (erasure, new pseudonyms) and the
personal-data export, idea box and consultations alike."""
import logging

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields

from hubkit.idempotency import IdempotencyKeys
from hubkit.validation import load

from .. import domain
from ..models import (Argument, Comment, Consultation, ConsultationSupport, Follow, Idea, ModerationAction,
                      Proposal, ProposalComment, QuestionnaireResponse, Report, StatusChange, Support)
from .common import UseCases, aware, iso

log = logging.getLogger(__name__)

# Names under which event handlers record the events they applied (processed_events).
FORGET_ACCOUNT = "ideas.forget_account"
REFRESH_PSEUDONYM = "ideas.refresh_author_pseudonym"
KNOWN_EVENT_VERSION = 1

# what carries its author's pseudonym: pseudonymised on erasure, renamed on a new pseudonym
AUTHORED = (Idea, Comment, Proposal, ProposalComment, Argument)


class _AccountEventSchema(Schema):
    """The payload of an accounts event, as far as ideas reads it (new optional fields are ignored)."""
    class Meta:
        unknown = EXCLUDE

    account_id = fields.UUID(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", load_default=list)


class AccountEvents(UseCases):
    use_cases = ("forget_account", "refresh_author_pseudonym", "export_personal_data")

    # --- events from accounts --------------------------------------------------------------------

    def _account_event(self, envelope: dict) -> dict | None:
        """The payload of a known version of an accounts event, else None (logged, then ignored)."""
        if envelope["version"] != KNOWN_EVENT_VERSION:
            log.warning("unknown event version ignored", extra={"event_type": envelope["type"],
                                                                "version": envelope["version"]})
            return None
        return load(_AccountEventSchema(), envelope["payload"])

    def forget_account(self, envelope: dict) -> bool:
        """`account_deleted`: contributions stay, shown as the anonymous citizen, with no link to the account.
        Supports and follows stay counted, unlinked. False if this event was already applied."""
        payload = self._account_event(envelope)
        if payload is None or not self.uow.first_delivery(envelope, FORGET_ACCOUNT):
            return False
        account_id = str(payload["account_id"])
        for model in AUTHORED:
            column = model.author_id
            self.session.execute(sa.update(model).where(column == account_id).values(
                {column: None, model.author_pseudonym: domain.ANONYMOUS_PSEUDONYM}))
        for model, column in ((Support, Support.account_id), (Follow, Follow.account_id),
                              (StatusChange, StatusChange.changed_by), (Report, Report.account_id),
                              (ModerationAction, ModerationAction.actor_id),
                              (ConsultationSupport, ConsultationSupport.account_id),
                              (QuestionnaireResponse, QuestionnaireResponse.account_id),
                              (Consultation, Consultation.created_by)):
            self.session.execute(sa.update(model).where(column == account_id).values({column: None}))
        IdempotencyKeys(self.uow, Idea.metadata).forget_account(account_id)  # answers kept for retries
        return True

    def refresh_author_pseudonym(self, envelope: dict) -> bool:
        """`account_profile_updated` naming `pseudonym`: the snapshots take the account's current pseudonym.

        The current one, asked of accounts, not one carried by the event (events carry no pseudonym):
        however late or out of order the events arrive, the snapshots end on the latest name.
        False if there was nothing to do or the event was already applied.
        """
        payload = self._account_event(envelope)
        if payload is None or "pseudonym" not in payload["fields_"]:
            return False
        account_id = str(payload["account_id"])
        # Asked before this unit of work writes anything: no transaction waits on another service; past the
        # peer's timeout the event is retried later (hubkit.consumer.event_handler).
        profiles = self.accounts.public_profiles([account_id])
        if not self.uow.first_delivery(envelope, REFRESH_PSEUDONYM):
            return False
        pseudonym = next((p["pseudonym"] for p in profiles if p["account_id"] == account_id), None)
        if pseudonym is None:
            return True  # the account is gone: `account_deleted` anonymises its contributions
        for model in AUTHORED:
            self.session.execute(sa.update(model).where(model.author_id == account_id).values(
                author_pseudonym=domain.author_pseudonym(pseudonym)))
        return True

    # --- GDPR -----------------------------------------------------------------------------------

    def export_personal_data(self, account_id) -> dict:
        account_id = str(account_id)
        ideas = self.session.execute(sa.select(Idea).where(Idea.author_id == account_id)
                                     .order_by(Idea.created_at)).scalars()
        comments = self.session.execute(sa.select(Comment).where(Comment.author_id == account_id)
                                        .order_by(Comment.id)).scalars()
        supports = self.session.execute(sa.select(Support).where(Support.account_id == account_id)
                                        .order_by(Support.id)).scalars()
        follows = self.session.execute(sa.select(Follow).where(Follow.account_id == account_id)
                                       .order_by(Follow.id)).scalars()
        reports = self.session.execute(sa.select(Report).where(Report.account_id == account_id)
                                       .order_by(Report.id)).scalars().all()
        changes = self.session.execute(sa.select(StatusChange).where(
            StatusChange.changed_by == account_id, StatusChange.status != domain.SUBMITTED)
            .order_by(StatusChange.id)).scalars()
        return {
            "ideas": [{"id": i.id, "title": i.title, "description": i.description, "theme": i.theme,
                       "arrondissement": i.arrondissement, "address_line": i.address_line, "status": i.status,
                       "author_pseudonym": i.author_pseudonym, "created_at": iso(aware(i.created_at))}
                      for i in ideas],
            "comments": [{"id": c.id, "idea_id": c.idea_id, "body": c.body, "author_pseudonym": c.author_pseudonym,
                          "created_at": iso(aware(c.created_at))} for c in comments],
            "supports": [{"idea_id": s.idea_id, "created_at": iso(aware(s.created_at))} for s in supports],
            "follows": [{"idea_id": f.idea_id, "created_at": iso(aware(f.created_at))} for f in follows],
            "reports": [{"kind": r.content_kind, "content_id": r.content_id, "reason": r.reason,
                         "created_at": iso(aware(r.created_at))} for r in reports],
            "consultations": self._consultation_contributions(account_id),
            "status_changes": [{"idea_id": c.idea_id, "status": c.status, "message": c.message,
                                "changed_at": iso(aware(c.changed_at))} for c in changes],
        }


    def _consultation_contributions(self, account_id: str) -> dict:
        def rows(model, column, order):
            return self.session.execute(sa.select(model).where(column == account_id).order_by(order)).scalars()
        return {
            "proposals": [{"id": p.id, "consultation_id": p.consultation_id, "section_id": p.section_id,
                           "amends": p.amends_id, "title": p.title, "body": p.body,
                           "author_pseudonym": p.author_pseudonym, "created_at": iso(aware(p.created_at))}
                          for p in rows(Proposal, Proposal.author_id, Proposal.created_at)],
            "comments": [{"id": c.id, "proposal_id": c.proposal_id, "body": c.body,
                          "created_at": iso(aware(c.created_at))}
                         for c in rows(ProposalComment, ProposalComment.author_id, ProposalComment.id)],
            "arguments": [{"id": a.id, "consultation_id": a.consultation_id, "section_id": a.section_id,
                           "proposal_id": a.proposal_id, "position": a.position, "body": a.body,
                           "created_at": iso(aware(a.created_at))}
                          for a in rows(Argument, Argument.author_id, Argument.id)],
            "supports": [{"kind": s.target_kind, "id": s.target_id, "created_at": iso(aware(s.created_at))}
                         for s in rows(ConsultationSupport, ConsultationSupport.account_id, ConsultationSupport.id)],
            "questionnaire_answers": [{"consultation_id": r.consultation_id, "section_id": r.section_id,
                                       "answers": r.answers, "created_at": iso(aware(r.created_at))}
                                      for r in rows(QuestionnaireResponse, QuestionnaireResponse.account_id,
                                                    QuestionnaireResponse.id)],
        }
