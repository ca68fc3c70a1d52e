"""Consultations: agents set them up, close them and publish the synthesis (the agents of the direction that owns
the consultation, and administrators: `_require_runs`, docs/security/directions.md); citizens propose, amend,
comment, support (« d'accord »), give argued votes and answer questionnaires while they are open.

A consultation's state comes from its dates, read at each command: nothing is added before it opens
or after it closes, whether or not the timer has announced it yet. `announce_due` (the service's
timer) emits `consultation_opened` / `consultation_closed` once each: a conditional UPDATE marks the
announcement, so two sweeps at the same moment cannot both emit it.
"""
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.config import public_url
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .. import consultation_domain as cd
from .. import domain, events
from ..models import (Argument, Consultation, ConsultationSection, ConsultationSupport, Proposal, ProposalComment,
                      QuestionnaireResponse, Report)
from .common import FieldChecks, UseCases, aware, iso, rules
from .consultation_views import ConsultationViews

PROPOSALS_PER_HOUR, COMMENTS_PER_HOUR, ARGUMENTS_PER_HOUR = 10, 30, 30
SUPPORTABLE = {domain.PROPOSAL: (Proposal, "Proposition introuvable."),
               domain.PROPOSAL_COMMENT: (ProposalComment, "Commentaire introuvable.")}


class Consultations(ConsultationViews, UseCases):
    # --- lookups ------------------------------------------------------------------------------

    def _consultation(self, consultation_id, for_update=False) -> Consultation:
        consultation = self.session.get(Consultation, str(consultation_id), with_for_update=for_update)
        if consultation is None:
            raise NotFound("Consultation introuvable.")
        return consultation

    def _section(self, section_id, consultation_id=None) -> ConsultationSection:
        section = self.session.get(ConsultationSection, int(section_id))
        if section is None or (consultation_id is not None and section.consultation_id != str(consultation_id)):
            raise NotFound("Section introuvable.")
        return section

    def _proposal(self, proposal_id, for_update=False) -> Proposal:
        proposal = self.session.get(Proposal, str(proposal_id), with_for_update=for_update)
        if proposal is None:
            raise NotFound("Proposition introuvable.")
        return proposal

    def _state(self, consultation: Consultation) -> str:
        return cd.state(aware(consultation.opens_at), aware(consultation.closes_at), self.clock())

    def _require_open(self, consultation: Consultation):
        with rules():
            cd.check_accepts_input(self._state(consultation))

    @staticmethod
    def _require_agent(actor: dict, doing: str):
        if not cd.is_agent(actor.get("roles")):
            raise PermissionDenied(f"Seuls les agents et administrateurs {doing}.")

    @staticmethod
    def _require_runs(actor: dict, owner_direction: str | None):
        """403 OUTSIDE_DIRECTION unless an admin or an agent of the consultation's direction; before any write."""
        try:
            cd.check_runs(actor, owner_direction)
        except cd.OutsideDirection as refused:
            raise PermissionDenied(refused.message, details={"direction": refused.direction},
                                   code=refused.code) from None

    def _bump(self, model, item_id, **steps) -> dict:
        """Counters move in SQL (count = count + 1): concurrent contributions never overwrite each other."""
        columns = {getattr(model, name): getattr(model, name) + step for name, step in steps.items()}
        self.session.execute(sa.update(model).where(model.id == item_id).values(columns))
        row = self.session.execute(sa.select(*columns).where(model.id == item_id)).one()
        return dict(zip(steps, row))

    # --- agents: setting up ------------------------------------------------------------------

    def save_consultation(self, actor: dict, command: dict) -> dict:
        """Creates a consultation (no `consultation_id`) or edits one that has not closed yet. A new consultation
        belongs to its agent's direction (an administrator may name one, and change it later)."""
        self._require_agent(actor, "créent ou modifient une consultation")
        consultation, owner = None, None
        if command.get("consultation_id"):
            consultation = self._consultation(command["consultation_id"], for_update=True)
            self._require_runs(actor, consultation.direction)
        else:
            with rules():
                owner = cd.owner_at_creation(actor, command.get("direction"))
            self._require_runs(actor, owner)
        check = FieldChecks()
        title = check(cd.check_title, command["title"])
        context = check(cd.check_text, command["context"], "context", cd.CONTEXT_MAX)
        resources = check(cd.check_resources, command.get("resources") or [])
        agenda = check(cd.check_agenda, command.get("agenda") or [])
        check(cd.check_dates, command["opens_at"], command["closes_at"])
        check.raise_if_broken()
        now = self.clock()
        if consultation is not None:
            if self._state(consultation) == cd.CLOSED:
                raise Conflict("Cette consultation est close : elle ne se modifie plus (publiez sa synthèse).",
                               code="CONSULTATION_CLOSED")
            if command.get("direction") and "admin" in (actor.get("roles") or ()):
                consultation.direction = command["direction"]
        else:
            consultation = Consultation(created_by=str(actor["account_id"]), direction=owner, created_at=now)
            self.session.add(consultation)
        consultation.title, consultation.context = title, context
        consultation.resources, consultation.agenda = resources, agenda
        consultation.opens_at, consultation.closes_at, consultation.updated_at = (
            command["opens_at"], command["closes_at"], now)
        self.session.flush()
        self._announce(consultation)
        return self.consultation_view(consultation, actor)

    def save_section(self, actor: dict, command: dict) -> dict:
        """Adds a section (no `section_id`) or edits one; once citizens took part in it, its mode and
        questions stay as they were."""
        self._require_agent(actor, "modifient les sections d'une consultation")
        consultation = self._consultation(command["consultation_id"], for_update=True)
        self._require_runs(actor, consultation.direction)
        if self._state(consultation) == cd.CLOSED:
            raise Conflict("Cette consultation est close : ses sections ne changent plus.", code="CONSULTATION_CLOSED")
        check = FieldChecks()
        title = check(cd.check_title, command["title"])
        mode = check(cd.check_mode, command["mode"])
        body = check(cd.check_section_text, mode, command.get("body")) if mode else None
        questions = check(cd.check_questions, mode, command.get("questions") or []) if mode else None
        check.raise_if_broken()
        existing = self._sections(consultation.id)
        if command.get("section_id"):
            section = self._section(command["section_id"], consultation.id)
            with rules():
                cd.check_section_change(self._has_contributions(section), section.mode, mode, section.questions,
                                        questions)
        else:
            if len(existing) >= cd.SECTIONS_MAX:
                raise InvalidInput(details={"_schema": [f"Au plus {cd.SECTIONS_MAX} sections."]})
            section = ConsultationSection(consultation_id=consultation.id, created_at=self.clock(),
                                          position=max((s.position for s in existing), default=0) + 1)
            self.session.add(section)
        section.title, section.mode, section.body, section.questions = title, mode, body, questions
        if command.get("position"):
            section.position = command["position"]
        consultation.updated_at = self.clock()
        self.session.flush()
        return self.consultation_view(consultation, actor)

    def delete_section(self, actor: dict, command: dict) -> dict:
        self._require_agent(actor, "modifient les sections d'une consultation")
        consultation = self._consultation(command["consultation_id"], for_update=True)
        self._require_runs(actor, consultation.direction)
        section = self._section(command["section_id"], consultation.id)
        if self._has_contributions(section):
            raise Conflict("Des citoyen·nes ont participé à cette section : elle reste.", code="SECTION_IN_USE")
        self.session.delete(section)
        consultation.updated_at = self.clock()
        self.session.flush()
        return self.consultation_view(consultation, actor)

    def _has_contributions(self, section: ConsultationSection) -> bool:
        return any(self.session.execute(sa.select(model.id).where(model.section_id == section.id).limit(1)).first()
                   for model in (Proposal, Argument, QuestionnaireResponse))

    def close_consultation(self, actor: dict, command: dict) -> dict:
        """Closes an open consultation now (its closing date becomes now)."""
        self._require_agent(actor, "clôturent une consultation")
        consultation = self._consultation(command["consultation_id"], for_update=True)
        self._require_runs(actor, consultation.direction)
        if self._state(consultation) != cd.OPEN:
            raise Conflict("Seule une consultation en cours peut être close.", code="CONSULTATION_NOT_OPEN")
        consultation.closes_at = consultation.updated_at = self.clock()
        self.session.flush()
        self._announce(consultation)
        return self.consultation_view(consultation, actor)

    def publish_synthesis(self, actor: dict, command: dict) -> dict:
        """The synthesis and the final decision of a closed consultation (published again: corrected)."""
        self._require_agent(actor, "publient la synthèse d'une consultation")
        consultation = self._consultation(command["consultation_id"], for_update=True)
        self._require_runs(actor, consultation.direction)
        try:
            published = cd.check_synthesis(self._state(consultation), command.get("synthesis"),
                                           command.get("decision"), command.get("decision_body"),
                                           command.get("decision_date"), command.get("deliberation_url"))
        except domain.RuleBroken as broken:
            if broken.field is None:
                raise Conflict(broken.message, code=broken.code) from None
            raise InvalidInput(details={broken.field: [broken.message]}) from None
        first = consultation.synthesis_published_at is None
        for name, value in published.items():
            setattr(consultation, name, value)
        now = self.clock()
        consultation.synthesis_published_at = consultation.synthesis_published_at or now
        consultation.updated_at = now
        self.session.flush()
        self.uow.emit(events.SYNTHESIS_PUBLISHED, events.consultation(consultation.id),
                      {"consultation_id": consultation.id, "decision_date": iso(published["decision_date"]),
                       "first_publication": first}, actor=self._actor(actor))
        return self.consultation_view(consultation, actor)

    @staticmethod
    def _proposal_url(proposal_id: str, amendment_id: str) -> str:
        return f"{public_url()}/consultations/propositions/{proposal_id}#amendement-{amendment_id}"

    @staticmethod
    def _actor(actor: dict) -> dict:
        return events.actor(str(actor["account_id"]), domain.acting_role(actor.get("roles")))

    # --- opening and closing, announced once --------------------------------------------------

    def announce_due(self) -> int:
        """The timer's sweep: announces the consultations that opened or closed since the last one."""
        now = self.clock()
        due = self.session.execute(sa.select(Consultation).where(sa.or_(
            sa.and_(Consultation.opens_at <= now, Consultation.opened_announced_at.is_(None)),
            sa.and_(Consultation.closes_at <= now, Consultation.closed_announced_at.is_(None))))).scalars().all()
        return sum(self._announce(consultation) for consultation in due)

    def _announce(self, consultation: Consultation) -> int:
        now, announced = self.clock(), 0
        for moment, mark, event_type in (
                (consultation.opens_at, Consultation.opened_announced_at, events.CONSULTATION_OPENED),
                (consultation.closes_at, Consultation.closed_announced_at, events.CONSULTATION_CLOSED)):
            if aware(moment) > now:
                continue
            marked = self.session.execute(sa.update(Consultation).where(
                Consultation.id == consultation.id, mark.is_(None)).values({mark: now})
                .execution_options(synchronize_session=False)).rowcount
            if marked:
                self.uow.emit(event_type, events.consultation(consultation.id),
                              {"consultation_id": consultation.id, "opens_at": iso(aware(consultation.opens_at)),
                               "closes_at": iso(aware(consultation.closes_at))}, actor=events.actor(None, "system"))
                announced += 1
        self.session.expire(consultation, ["opened_announced_at", "closed_announced_at"])
        return announced

    # --- citizens: proposals and amendments ----------------------------------------------------

    def submit_proposal(self, actor: dict, command: dict) -> dict:
        """A proposal in a section that receives them, or (`amends`) an amendment of a proposal of an
        amendable text."""
        amended = self._proposal(command["amends"], for_update=True) if command.get("amends") else None
        section = self._section(amended.section_id if amended else command["section_id"])
        consultation = self._consultation(section.consultation_id)
        if command.get("consultation_id") and str(command["consultation_id"]) != consultation.id:
            raise NotFound("Section introuvable.")
        self._require_open(consultation)
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
            self._bump(Proposal, amended.id, amendments_count=1)
            self.uow.emit(events.AMENDMENT_PROPOSED, events.content(domain.PROPOSAL, proposal.id),
                          {**payload, "amends": amended.id}, actor=events.actor(author_id, "citizen"))
            if amended.author_id != author_id:
                self._notify_after_commit([amended.author_id], f"Nouvel amendement : {amended.title}",
                                          cd.amendment_notice(amended.title, proposal.title,
                                                              self._proposal_url(amended.id, proposal.id)))
        else:
            self.uow.emit(events.PROPOSAL_SUBMITTED, events.content(domain.PROPOSAL, proposal.id), payload,
                          actor=events.actor(author_id, "citizen"))
        return self.proposal_view(proposal, actor)

    def decide_amendment(self, actor: dict, command: dict) -> dict:
        """The amended proposal's author (while the consultation is open), or an agent of the consultation's direction
        (or an admin), accepts or rejects."""
        amendment = self._proposal(command["amendment_id"], for_update=True)
        if amendment.amends_id is None:
            raise NotFound("Amendement introuvable.")
        amended = self._proposal(amendment.amends_id)
        consultation = self._consultation(amendment.consultation_id)
        agent = cd.runs(actor, consultation.direction)
        if not agent:
            if amended.author_id != str(actor["account_id"]):
                if cd.is_agent(actor.get("roles")):
                    self._require_runs(actor, consultation.direction)  # an agent of another direction: why
                raise PermissionDenied("Seul·e l'auteur·rice de la proposition ou un agent de la direction de la "
                                       "consultation décide de ses amendements.")
            self._require_open(consultation)
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
        if amendment.author_id != str(actor["account_id"]):
            self._notify_after_commit([amendment.author_id], f"Votre amendement : {amendment.title}",
                                      cd.decision_notice(amendment.title, status, note,
                                                         self._proposal_url(amended.id, amendment.id)))
        return self.proposal_view(amended, actor)

    # --- citizens: supports, comments, argued votes, questionnaires ---------------------------

    def support(self, actor: dict, command: dict) -> dict:
        """« D'accord » with a proposal (or amendment) or a comment: once per account."""
        kind, target_id = command["kind"], str(command["target_id"])
        model, missing = SUPPORTABLE[kind]
        key = target_id if model is Proposal else (int(target_id) if target_id.isdigit() else None)
        target = self.session.get(model, key) if key is not None else None
        if target is None:
            raise NotFound(missing)
        self._require_open(self._consultation(target.consultation_id))
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
        count = self._bump(model, target.id, supports_count=1)["supports_count"]
        self.uow.emit(events.PROPOSAL_SUPPORTED, events.content(kind, target_id),
                      {"kind": kind, "target_id": target_id, "consultation_id": target.consultation_id,
                       "supports_count": count}, actor=events.actor(account_id, "citizen"))
        return {"kind": kind, "target_id": target_id, "supported": True, "supports_count": count}

    def post_comment(self, actor: dict, command: dict) -> dict:
        proposal = self._proposal(command["proposal_id"])
        self._require_open(self._consultation(proposal.consultation_id))
        with rules():
            body = domain.check_comment(command["body"])
        self._throttle_posting("comment-post", actor, COMMENTS_PER_HOUR, "commentaires")
        author_id = str(actor["account_id"])
        comment = ProposalComment(consultation_id=proposal.consultation_id, proposal_id=proposal.id, body=body,
                                  author_id=author_id, supports_count=0, hidden=False, created_at=self.clock(),
                                  author_pseudonym=domain.author_pseudonym(command["author_pseudonym"]))
        self.session.add(comment)
        self.session.flush()
        self._bump(Proposal, proposal.id, comments_count=1)
        self.uow.emit(events.COMMENT_POSTED, events.content(domain.PROPOSAL_COMMENT, comment.id),
                      {"comment_id": comment.id, "idea_id": None, "proposal_id": proposal.id,
                       "consultation_id": proposal.consultation_id}, actor=events.actor(author_id, "citizen"))
        return self._comment_view(comment)

    def post_argument(self, actor: dict, command: dict) -> dict:
        """An argued vote on a section's question (`section_id`) or on a proposal (`proposal_id`): one
        per account and question or proposal, and final (a vote is not taken back: the arguments others
        read and answered stay as they were)."""
        proposal = self._proposal(command["proposal_id"]) if command.get("proposal_id") else None
        section = self._section(proposal.section_id if proposal else command["section_id"])
        self._require_open(self._consultation(section.consultation_id))
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
            self._bump(Proposal, proposal.id, arguments_count=1, **{position_count: 1})
        else:
            self._bump(ConsultationSection, section.id, **{position_count: 1})
        self.uow.emit(events.ARGUMENT_POSTED, events.content(domain.ARGUMENT, argument.id),
                      {"argument_id": argument.id, "consultation_id": section.consultation_id,
                       "section_id": section.id, "proposal_id": argument.proposal_id, "position": argument.position},
                      actor=events.actor(author_id, "citizen"))
        return self._argument_view(argument)

    def answer_questionnaire(self, actor: dict, command: dict) -> dict:
        """The answers of one account to a questionnaire, once."""
        section = self._section(command["section_id"])
        self._require_open(self._consultation(section.consultation_id))
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
        count = self._bump(ConsultationSection, section.id, responses_count=1)["responses_count"]
        self.uow.emit(events.QUESTIONNAIRE_ANSWERED, events.consultation(section.consultation_id),
                      {"consultation_id": section.consultation_id, "section_id": section.id,
                       "responses_count": count}, actor=events.actor(account_id, "citizen"))
        return {"section_id": section.id, "answered": True, "responses_count": count,
                "results": cd.questionnaire_results(section.questions, self._answer_sets(section.id))}

    def _response_of(self, section_id: int, account_id: str):
        return self.session.execute(sa.select(QuestionnaireResponse.id).where(
            QuestionnaireResponse.section_id == section_id,
            QuestionnaireResponse.account_id == account_id)).first()

    def _answer_sets(self, section_id: int) -> list:
        return list(self.session.execute(sa.select(QuestionnaireResponse.answers).where(
            QuestionnaireResponse.section_id == section_id).order_by(QuestionnaireResponse.id)).scalars())

    def _reported_by(self, consultation_id: str, account_id: str) -> set:
        return set(self.session.execute(sa.select(Report.content_kind, Report.content_id).where(
            Report.consultation_id == consultation_id, Report.account_id == account_id)).all())


    # --- demo data (command line, local mode only) -----------------------------------------------

    def seed_demo_consultation(self, demo: dict, pseudonym: str) -> bool:
        """A demo consultation, open since `opened_days_ago`, with its sections and the demo team's
        proposals (no account behind them); False if it already exists (the seed runs at every `make run`)."""
        if self.session.get(Consultation, demo["id"]) is not None:
            return False
        now = self.clock()
        consultation = Consultation(
            id=demo["id"], title=demo["title"], context=demo["context"], resources=demo["resources"],
            agenda=[{**meeting, "starts_at": (now + timedelta(days=meeting["in_days"])).isoformat()}
                    for meeting in demo["agenda"]],
            opens_at=now - timedelta(days=demo["opened_days_ago"]),
            closes_at=now + timedelta(days=demo["closes_in_days"]),
            created_by=None, created_at=now, updated_at=now)
        self.session.add(consultation)
        for position, section in enumerate(demo["sections"], start=1):
            row = ConsultationSection(consultation_id=consultation.id, position=position, title=section["title"],
                                      mode=section["mode"], body=section.get("body"), created_at=now,
                                      questions=cd.check_questions(section["mode"], section.get("questions", [])),
                                      agree_count=0, disagree_count=0, responses_count=0)
            self.session.add(row)
            self.session.flush()
            for hours, (title, body) in enumerate(section.get("proposals", ()), start=1):
                self.session.add(Proposal(consultation_id=consultation.id, section_id=row.id, title=title, body=body,
                                          author_id=None, author_pseudonym=pseudonym, supports_count=0,
                                          comments_count=0, amendments_count=0, arguments_count=0, agree_count=0,
                                          disagree_count=0, hidden=False,
                                          created_at=consultation.opens_at + timedelta(hours=hours)))
        self.session.flush()
        self._announce(consultation)
        return True
