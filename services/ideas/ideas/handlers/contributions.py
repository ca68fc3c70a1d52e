"""What citizens add to an open consultation: proposals and amendments (and the word of the amended proposal's
author or of the consultation's agents on them), « d'accord », comments, argued votes, questionnaire answers."""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .. import domain, events
from ..domain import consultations as cd
from ..models import (Argument, ConsultationSection, ConsultationSupport, Proposal, ProposalComment,
                      QuestionnaireResponse)
from .common import FieldChecks, UseCases, rules
from .consultation_views import ConsultationViews

PROPOSALS_PER_HOUR, COMMENTS_PER_HOUR, ARGUMENTS_PER_HOUR = 10, 30, 30
SUPPORTABLE = {domain.PROPOSAL: (Proposal, "Proposition introuvable."),
               domain.PROPOSAL_COMMENT: (ProposalComment, "Commentaire introuvable.")}


class Contributions(UseCases):
    use_cases = ("submit_proposal", "decide_amendment", "support", "post_comment", "post_argument",
                 "answer_questionnaire")

    def __init__(self, context):
        super().__init__(context)
        self.views = ConsultationViews(context)

    # --- citizens: proposals and amendments ----------------------------------------------------

    def submit_proposal(self, actor: dict, command: dict) -> dict:
        """A proposal in a section that receives them, or (`amends`) an amendment of a proposal of an
        amendable text."""
        amended = self.views.proposal(command["amends"], for_update=True) if command.get("amends") else None
        section = self.views.section(amended.section_id if amended else command["section_id"])
        consultation = self.views.consultation(section.consultation_id)
        if command.get("consultation_id") and str(command["consultation_id"]) != consultation.id:
            raise NotFound("Section introuvable.")
        self.views.require_open(consultation)
        with rules():
            cd.check_proposing_section(section.mode)
            if amended is not None:
                cd.check_amendable(section.mode, amended.amends_id)
        check = FieldChecks()
        title = check(cd.check_title, command["title"])
        body = check(cd.check_text, command["body"], "body", cd.PROPOSAL_MAX, True, cd.PROPOSAL_MIN)
        check.raise_if_broken()
        self._throttle_posting("proposal-post", actor, PROPOSALS_PER_HOUR, "propositions")
        author_id = str(actor["account_id"])
        proposal = Proposal(consultation_id=consultation.id, section_id=section.id, title=title, body=body,
                            amends_id=amended.id if amended else None,
                            amendment_status=cd.PENDING if amended else None, author_id=author_id,
                            author_pseudonym=domain.author_pseudonym(command["author_pseudonym"]),
                            supports_count=0, comments_count=0, amendments_count=0, arguments_count=0,
                            agree_count=0, disagree_count=0, hidden=False, created_at=self.clock())
        self.session.add(proposal)
        self.session.flush()
        payload = {"proposal_id": proposal.id, "consultation_id": consultation.id, "section_id": section.id}
        if amended is not None:
            self.views.bump(Proposal, amended.id, amendments_count=1)
            self.uow.emit(events.AMENDMENT_PROPOSED, events.content(domain.PROPOSAL, proposal.id),
                          {**payload, "amends": amended.id}, actor=events.actor(author_id, "citizen"))
        else:
            self.findable.proposal_changed(proposal)
            self.uow.emit(events.PROPOSAL_SUBMITTED, events.content(domain.PROPOSAL, proposal.id), payload,
                          actor=events.actor(author_id, "citizen"))
        return self.views.proposal_view(proposal, actor)

    def decide_amendment(self, actor: dict, command: dict) -> dict:
        """The amended proposal's author (while the consultation is open), or an agent of the consultation's direction
        (or an admin), accepts or rejects."""
        amendment = self.views.proposal(command["amendment_id"], for_update=True)
        if amendment.amends_id is None:
            raise NotFound("Amendement introuvable.")
        amended = self.views.proposal(amendment.amends_id)
        consultation = self.views.consultation(amendment.consultation_id)
        agent = cd.runs(actor, consultation.direction)
        if not agent:
            if amended.author_id != str(actor["account_id"]):
                if cd.is_agent(actor.get("roles")):
                    self.views.require_runs(actor, consultation.direction)  # an agent of another direction: why
                raise PermissionDenied("Seul·e l'auteur·rice de la proposition ou un agent de la direction de la "
                                       "consultation décide de ses amendements.")
            self.views.require_open(consultation)
        with rules():
            cd.check_amendment_pending(amendment.amendment_status)
            status, note = cd.check_decision(command["decision"], command.get("note"))
        role = domain.acting_role(actor.get("roles")) if agent else "citizen"
        amendment.amendment_status, amendment.decision_note = status, note
        amendment.decided_by_role, amendment.decided_at = "agent" if agent else "author", self.clock()
        self.session.flush()
        self.uow.emit(events.AMENDMENT_DECIDED, events.content(domain.PROPOSAL, amendment.id),
                      {"amendment_id": amendment.id, "proposal_id": amended.id, "consultation_id": consultation.id,
                       "decision": status, "decided_by": amendment.decided_by_role},
                      actor=events.actor(str(actor["account_id"]), role))
        return self.views.proposal_view(amended, actor)

    # --- citizens: supports, comments, argued votes, questionnaires ---------------------------

    def support(self, actor: dict, command: dict) -> dict:
        """« D'accord » with a proposal (or amendment) or a comment: once per account."""
        kind, target_id = command["kind"], str(command["target_id"])
        model, missing = SUPPORTABLE[kind]
        key = target_id if model is Proposal else (int(target_id) if target_id.isdigit() else None)
        target = self.session.get(model, key) if key is not None else None
        if target is None:
            raise NotFound(missing)
        self.views.require_open(self.views.consultation(target.consultation_id))
        if target.hidden:
            raise Conflict("Ce contenu est masqué par la modération.", code="CONTENT_HIDDEN")
        account_id = str(actor["account_id"])
        already = Conflict("Vous êtes déjà d'accord avec ce contenu : un seul « d'accord » par compte.",
                           code="ALREADY_SUPPORTED")
        try:
            with self.session.begin_nested():  # two clicks at once: the unique constraint decides
                self.session.add(ConsultationSupport(consultation_id=target.consultation_id, target_kind=kind,
                                                     target_id=target_id, account_id=account_id,
                                                     created_at=self.clock()))
        except IntegrityError:
            raise already from None
        count = self.views.bump(model, target.id, supports_count=1)["supports_count"]
        self.uow.emit(events.PROPOSAL_SUPPORTED, events.content(kind, target_id),
                      {"kind": kind, "target_id": target_id, "consultation_id": target.consultation_id,
                       "supports_count": count}, actor=events.actor(account_id, "citizen"))
        return {"kind": kind, "target_id": target_id, "supported": True, "supports_count": count}

    def post_comment(self, actor: dict, command: dict) -> dict:
        proposal = self.views.proposal(command["proposal_id"])
        self.views.require_open(self.views.consultation(proposal.consultation_id))
        with rules():
            body = domain.check_comment(command["body"])
        self._throttle_posting("comment-post", actor, COMMENTS_PER_HOUR, "commentaires")
        author_id = str(actor["account_id"])
        comment = ProposalComment(consultation_id=proposal.consultation_id, proposal_id=proposal.id, body=body,
                                  author_id=author_id, supports_count=0, hidden=False, created_at=self.clock(),
                                  author_pseudonym=domain.author_pseudonym(command["author_pseudonym"]))
        self.session.add(comment)
        self.session.flush()
        self.views.bump(Proposal, proposal.id, comments_count=1)
        self.uow.emit(events.COMMENT_POSTED, events.content(domain.PROPOSAL_COMMENT, comment.id),
                      {"comment_id": comment.id, "idea_id": None, "proposal_id": proposal.id,
                       "consultation_id": proposal.consultation_id}, actor=events.actor(author_id, "citizen"))
        return self.views.comment_view(comment)

    def post_argument(self, actor: dict, command: dict) -> dict:
        """An argued vote on a section's question (`section_id`) or on a proposal (`proposal_id`): one
        per account and question or proposal, and final (a vote is not taken back: the arguments others
        read and answered stay as they were)."""
        proposal = self.views.proposal(command["proposal_id"]) if command.get("proposal_id") else None
        section = self.views.section(proposal.section_id if proposal else command["section_id"])
        self.views.require_open(self.views.consultation(section.consultation_id))
        if proposal is None and section.mode != cd.ARGUED_VOTE:
            raise Conflict("Cette section ne pose pas de question au vote.", code="WRONG_SECTION_MODE")
        if proposal is not None and proposal.hidden:
            raise Conflict("Ce contenu est masqué par la modération.", code="CONTENT_HIDDEN")
        with rules():
            body = cd.check_argument(command["position"], command["body"])
        target = f"proposal:{proposal.id}" if proposal else f"section:{section.id}"
        author_id = str(actor["account_id"])
        already = Conflict("Vous avez déjà voté ici : un vote argumenté par compte, définitif.",
                           code="ALREADY_VOTED")
        if self.session.execute(sa.select(Argument.id).where(Argument.target == target,
                                                             Argument.author_id == author_id)).first():
            raise already
        self._throttle_posting("argument-post", actor, ARGUMENTS_PER_HOUR, "arguments")
        argument = Argument(consultation_id=section.consultation_id, section_id=section.id,
                            proposal_id=proposal.id if proposal else None, target=target,
                            position=command["position"], body=body, author_id=author_id, hidden=False,
                            author_pseudonym=domain.author_pseudonym(command["author_pseudonym"]),
                            created_at=self.clock())
        try:
            with self.session.begin_nested():
                self.session.add(argument)
        except IntegrityError:
            raise already from None
        position_count = "agree_count" if argument.position == cd.AGREE else "disagree_count"
        if proposal is not None:
            self.views.bump(Proposal, proposal.id, arguments_count=1, **{position_count: 1})
        else:
            self.views.bump(ConsultationSection, section.id, **{position_count: 1})
        self.uow.emit(events.ARGUMENT_POSTED, events.content(domain.ARGUMENT, argument.id),
                      {"argument_id": argument.id, "consultation_id": section.consultation_id,
                       "section_id": section.id, "proposal_id": argument.proposal_id, "position": argument.position},
                      actor=events.actor(author_id, "citizen"))
        return self.views.argument_view(argument)

    def answer_questionnaire(self, actor: dict, command: dict) -> dict:
        """The answers of one account to a questionnaire, once."""
        section = self.views.section(command["section_id"])
        self.views.require_open(self.views.consultation(section.consultation_id))
        if section.mode != cd.QUESTIONNAIRE:
            raise Conflict("Cette section n'est pas un questionnaire.", code="WRONG_SECTION_MODE")
        account_id = str(actor["account_id"])
        already = Conflict("Vous avez déjà répondu à ce questionnaire.", code="ALREADY_ANSWERED")
        if self._response_of(section.id, account_id) is not None:
            raise already
        try:
            answers = cd.check_answers(section.questions, command.get("answers") or {})
        except cd.AnswersBroken as broken:
            raise InvalidInput(details={key: [message] for key, message in broken.details.items()}) from None
        try:
            with self.session.begin_nested():
                self.session.add(QuestionnaireResponse(consultation_id=section.consultation_id, section_id=section.id,
                                                       account_id=account_id, answers=answers,
                                                       created_at=self.clock()))
        except IntegrityError:
            raise already from None
        count = self.views.bump(ConsultationSection, section.id, responses_count=1)["responses_count"]
        self.uow.emit(events.QUESTIONNAIRE_ANSWERED, events.consultation(section.consultation_id),
                      {"consultation_id": section.consultation_id, "section_id": section.id,
                       "responses_count": count}, actor=events.actor(account_id, "citizen"))
        return {"section_id": section.id, "answered": True, "responses_count": count,
                "results": cd.questionnaire_results(section.questions, self.views.answer_sets(section.id))}

    def _response_of(self, section_id: int, account_id: str):
        return self.session.execute(sa.select(QuestionnaireResponse.id).where(
            QuestionnaireResponse.section_id == section_id,
            QuestionnaireResponse.account_id == account_id)).first()
