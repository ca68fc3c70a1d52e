"""Consultations set up by agents: creating and editing them and their sections, closing them, publishing the
synthesis (the agents of the direction that owns the consultation, and administrators: `require_runs`,
docs/security/directions.md), and the demo consultation of the command line.

A consultation's state comes from its dates, read at each command: nothing is added before it opens
or after it closes, whether or not the timer has announced it yet. `announce_due` (the service's
timer) emits `consultation_opened` / `consultation_closed` once each: a conditional UPDATE marks the
announcement, so two sweeps at the same moment cannot both emit it.
"""
from datetime import timedelta

import sqlalchemy as sa

from hubkit.errors import Conflict, InvalidInput

from .. import domain, events
from ..domain import consultations as cd
from ..models import Argument, Consultation, ConsultationSection, Proposal, QuestionnaireResponse
from .common import FieldChecks, UseCases, aware, iso, rules
from .consultation_views import ConsultationViews


class ConsultationSetup(UseCases):
    use_cases = ("save_consultation", "save_section", "delete_section", "close_consultation", "publish_synthesis",
                 "announce_due", "seed_demo_consultation")

    def __init__(self, context):
        super().__init__(context)
        self.views = ConsultationViews(context)

    # --- agents: setting up ------------------------------------------------------------------

    def save_consultation(self, actor: dict, command: dict) -> dict:
        """Creates a consultation (no `consultation_id`) or edits one that has not closed yet. A new consultation
        belongs to its agent's direction (an administrator may name one, and change it later)."""
        self.views.require_agent(actor, "créent ou modifient une consultation")
        consultation, owner, named = None, None, command.get("direction")
        # the City's directions (accounts') are asked only when an administrator names one
        directions = self.views.directions() if named and cd.may_name_direction(actor) else {}
        if command.get("consultation_id"):
            consultation = self.views.consultation(command["consultation_id"], for_update=True)
            self.views.require_runs(actor, consultation.direction)
        else:
            with rules():
                owner = cd.owner_at_creation(actor, named, directions)
            self.views.require_runs(actor, owner)
        check = FieldChecks()
        title = check(cd.check_title, command["title"])
        context = check(cd.check_text, command["context"], "context", cd.CONTEXT_MAX)
        resources = check(cd.check_resources, command.get("resources") or [])
        agenda = check(cd.check_agenda, command.get("agenda") or [])
        check(cd.check_dates, command["opens_at"], command["closes_at"])
        check.raise_if_broken()
        now = self.clock()
        if consultation is not None:
            if self.views.state(consultation) == cd.CLOSED:
                raise Conflict("Cette consultation est close : elle ne se modifie plus (publiez sa synthèse).",
                               code="CONSULTATION_CLOSED")
            if directions:
                with rules():
                    consultation.direction = cd.check_direction(named, directions)
        else:
            consultation = Consultation(created_by=str(actor["account_id"]), direction=owner, created_at=now)
            self.session.add(consultation)
        consultation.title, consultation.context = title, context
        consultation.resources, consultation.agenda = resources, agenda
        consultation.opens_at, consultation.closes_at, consultation.updated_at = (
            command["opens_at"], command["closes_at"], now)
        self.session.flush()
        self.announce(consultation)
        return self.views.consultation_view(consultation, actor)

    def save_section(self, actor: dict, command: dict) -> dict:
        """Adds a section (no `section_id`) or edits one; once citizens took part in it, its mode and
        questions stay as they were."""
        self.views.require_agent(actor, "modifient les sections d'une consultation")
        consultation = self.views.consultation(command["consultation_id"], for_update=True)
        self.views.require_runs(actor, consultation.direction)
        if self.views.state(consultation) == cd.CLOSED:
            raise Conflict("Cette consultation est close : ses sections ne changent plus.", code="CONSULTATION_CLOSED")
        check = FieldChecks()
        title = check(cd.check_title, command["title"])
        mode = check(cd.check_mode, command["mode"])
        body = check(cd.check_section_text, mode, command.get("body")) if mode else None
        questions = check(cd.check_questions, mode, command.get("questions") or []) if mode else None
        check.raise_if_broken()
        existing = self.views.sections(consultation.id)
        if command.get("section_id"):
            section = self.views.section(command["section_id"], consultation.id)
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
        return self.views.consultation_view(consultation, actor)

    def delete_section(self, actor: dict, command: dict) -> dict:
        self.views.require_agent(actor, "modifient les sections d'une consultation")
        consultation = self.views.consultation(command["consultation_id"], for_update=True)
        self.views.require_runs(actor, consultation.direction)
        section = self.views.section(command["section_id"], consultation.id)
        if self._has_contributions(section):
            raise Conflict("Des citoyen·nes ont participé à cette section : elle reste.", code="SECTION_IN_USE")
        self.session.delete(section)
        consultation.updated_at = self.clock()
        self.session.flush()
        return self.views.consultation_view(consultation, actor)

    def _has_contributions(self, section: ConsultationSection) -> bool:
        return any(self.session.execute(sa.select(model.id).where(model.section_id == section.id).limit(1)).first()
                   for model in (Proposal, Argument, QuestionnaireResponse))

    def close_consultation(self, actor: dict, command: dict) -> dict:
        """Closes an open consultation now (its closing date becomes now)."""
        self.views.require_agent(actor, "clôturent une consultation")
        consultation = self.views.consultation(command["consultation_id"], for_update=True)
        self.views.require_runs(actor, consultation.direction)
        if self.views.state(consultation) != cd.OPEN:
            raise Conflict("Seule une consultation en cours peut être close.", code="CONSULTATION_NOT_OPEN")
        consultation.closes_at = consultation.updated_at = self.clock()
        self.session.flush()
        self.announce(consultation)
        return self.views.consultation_view(consultation, actor)

    def publish_synthesis(self, actor: dict, command: dict) -> dict:
        """The synthesis and the final decision of a closed consultation (published again: corrected)."""
        self.views.require_agent(actor, "publient la synthèse d'une consultation")
        consultation = self.views.consultation(command["consultation_id"], for_update=True)
        self.views.require_runs(actor, consultation.direction)
        with rules():  # not closed yet: a conflict (409); a field at fault: bad input (400)
            published = cd.check_synthesis(self.views.state(consultation), command.get("synthesis"),
                                           command.get("decision"), command.get("decision_body"),
                                           command.get("decision_date"), command.get("deliberation_url"))
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
        return self.views.consultation_view(consultation, actor)

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
        return sum(self.announce(consultation) for consultation in due)

    def announce(self, consultation: Consultation) -> int:
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
        proposals = []
        for position, section in enumerate(demo["sections"], start=1):
            row = ConsultationSection(consultation_id=consultation.id, position=position, title=section["title"],
                                      mode=section["mode"], body=section.get("body"), created_at=now,
                                      questions=cd.check_questions(section["mode"], section.get("questions", [])),
                                      agree_count=0, disagree_count=0, responses_count=0)
            self.session.add(row)
            self.session.flush()
            for hours, (title, body) in enumerate(section.get("proposals", ()), start=1):
                proposals.append(Proposal(consultation_id=consultation.id, section_id=row.id, title=title, body=body,
                                          author_id=None, author_pseudonym=pseudonym, supports_count=0,
                                          comments_count=0, amendments_count=0, arguments_count=0, agree_count=0,
                                          disagree_count=0, hidden=False,
                                          created_at=consultation.opens_at + timedelta(hours=hours)))
                self.session.add(proposals[-1])
        self.session.flush()
        self.findable.proposals_added(proposals)
        self.announce(consultation)
        return True
