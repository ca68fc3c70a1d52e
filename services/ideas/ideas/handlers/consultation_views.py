"""Reading consultations, and the lookups and checks every consultation use case shares (who runs it: the agents
of its direction and administrators, docs/security/directions.md). Reading: the list (upcoming, open, closed), a
consultation with its plan of sections, proposals (sorted), argued votes and questionnaires, and a proposal with
its amendments, arguments and comments. What moderation hid reads « Masqué par la modération », except for
moderators."""
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hubkit.errors import NotFound, PermissionDenied, ServiceUnavailable

from .. import domain
from ..domain import consultations as cd
from ..models import (Argument, Consultation, ConsultationSection, ConsultationSupport, Proposal, ProposalComment,
                      QuestionnaireResponse, Report)
from ..peers import DIRECTIONS_UNAVAILABLE
from .common import UseCases, aware, rules

ARGUMENTS_SHOWN = 200  # per question or proposal, newest first


class ConsultationViews(UseCases):
    use_cases = ("list_consultations", "get_consultation", "get_proposal")

    # --- lookups ------------------------------------------------------------------------------

    def consultation(self, consultation_id, for_update=False) -> Consultation:
        consultation = self.session.get(Consultation, str(consultation_id), with_for_update=for_update)
        if consultation is None:
            raise NotFound("Consultation introuvable.")
        return consultation

    def section(self, section_id, consultation_id=None) -> ConsultationSection:
        section = self.session.get(ConsultationSection, int(section_id))
        if section is None or (consultation_id is not None and section.consultation_id != str(consultation_id)):
            raise NotFound("Section introuvable.")
        return section

    def proposal(self, proposal_id, for_update=False) -> Proposal:
        proposal = self.session.get(Proposal, str(proposal_id), with_for_update=for_update)
        if proposal is None:
            raise NotFound("Proposition introuvable.")
        return proposal

    def state(self, consultation: Consultation) -> str:
        return cd.state(aware(consultation.opens_at), aware(consultation.closes_at), self.clock())

    def require_open(self, consultation: Consultation):
        with rules():
            cd.check_accepts_input(self.state(consultation))

    @staticmethod
    def require_agent(actor: dict, doing: str):
        if not cd.is_agent(actor.get("roles")):
            raise PermissionDenied(f"Seuls les agents et administrateurs {doing}.")

    def require_runs(self, actor: dict, owner_direction: str | None):
        """403 OUTSIDE_DIRECTION unless an admin or an agent of the consultation's direction; before any write. The
        directions' labels (accounts') are asked only to word a refusal."""
        if cd.runs(actor, owner_direction):
            return
        refused = cd.outside_direction(actor, owner_direction, self.directions())
        raise PermissionDenied(refused.message, details={"direction": refused.direction}, code=refused.code)

    def directions(self) -> dict:
        """The City's directions, {code: name}, as the accounts service has them (cached: peers.Accounts)."""
        if self.accounts is None:
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE)
        return self.accounts.directions()

    def bump(self, model, item_id, **steps) -> dict:
        """Counters move in SQL (count = count + 1): concurrent contributions never overwrite each other."""
        columns = {getattr(model, name): getattr(model, name) + step for name, step in steps.items()}
        self.session.execute(sa.update(model).where(model.id == item_id).values(columns))
        row = self.session.execute(sa.select(*columns).where(model.id == item_id)).one()
        return dict(zip(steps, row))

    def sections(self, consultation_id: str) -> list:
        return list(self.session.execute(sa.select(ConsultationSection).where(
            ConsultationSection.consultation_id == consultation_id)
            .order_by(ConsultationSection.position, ConsultationSection.id)).scalars())

    # --- the list ------------------------------------------------------------------------------

    def list_consultations(self, query: dict) -> dict:
        now = self.clock()
        conditions = {cd.UPCOMING: Consultation.opens_at > now,
                      cd.OPEN: sa.and_(Consultation.opens_at <= now, Consultation.closes_at > now),
                      cd.CLOSED: Consultation.closes_at <= now}
        where = [conditions[query["state"]]] if query.get("state") else []
        order = {cd.UPCOMING: Consultation.opens_at.asc(), cd.OPEN: Consultation.closes_at.asc()}.get(
            query.get("state"), Consultation.closes_at.desc())
        total = self.session.execute(sa.select(sa.func.count()).select_from(Consultation).where(*where)).scalar_one()
        rows = list(self.session.execute(sa.select(Consultation).where(*where).order_by(order, Consultation.id)
                                         .limit(query["limit"]).offset(query["offset"])).scalars())
        counts = dict(self.session.execute(
            sa.select(Proposal.consultation_id, sa.func.count()).where(
                Proposal.consultation_id.in_([c.id for c in rows]), Proposal.amends_id.is_(None))
            .group_by(Proposal.consultation_id)).all()) if rows else {}
        return {"items": [{**self._consultation_summary(c), "proposals_count": counts.get(c.id, 0)} for c in rows],
                "total": total, "limit": query["limit"], "offset": query["offset"]}

    def _consultation_summary(self, consultation: Consultation) -> dict:
        current = self.state(consultation)
        return {"id": consultation.id, "title": consultation.title, "excerpt": domain.excerpt(consultation.context),
                "opens_at": aware(consultation.opens_at), "closes_at": aware(consultation.closes_at),
                "state": current, "state_label": cd.STATES[current],
                "has_synthesis": consultation.synthesis_published_at is not None}

    # --- a consultation -------------------------------------------------------------------------

    def get_consultation(self, query: dict, viewer: dict | None = None) -> dict:
        """`editing`: read for the agents' editor, which only those who run the consultation open (the 403 and
        reason its saving would get: OUTSIDE_DIRECTION for another direction's agent)."""
        consultation = self.consultation(query["consultation_id"])
        if query.get("editing"):
            self.require_runs(viewer or {}, consultation.direction)
        return self.consultation_view(consultation, viewer,
                                      query.get("sort") or "random", query.get("seed") or "",
                                      {key: query[key] for key in ("section_id", "page", "page_size") if key in query})

    def consultation_view(self, consultation: Consultation, viewer: dict | None = None, sort: str = "random",
                          seed: str = "", paging: dict | None = None) -> dict:
        """`paging`: {"page", "page_size", "section_id"}: the page of proposals each proposing section shows
        (only `section_id`'s if given, the others show their first one); by default the first page."""
        current = self.state(consultation)
        reveal = viewer is not None and domain.is_moderator(viewer.get("roles"))
        account_id = str(viewer["account_id"]) if viewer else None
        paging = paging or {}
        totals = self._proposal_totals(consultation.id)
        mine = self._viewer_marks(consultation.id, account_id) if account_id else None
        sections = []
        for section in self.sections(consultation.id):
            view = {"id": section.id, "position": section.position, "title": section.title, "mode": section.mode,
                    "mode_label": cd.MODES[section.mode], "body": section.body, "questions": section.questions,
                    "proposals": [], "proposals_count": 0, "proposals_page": None, "vote": None,
                    "questionnaire": None}
            if section.mode in cd.PROPOSING_MODES:
                asked = paging.get("page", 1) if paging.get("section_id") in (None, section.id) else 1
                view.update(self._proposals_page(section.id, totals.get(section.id, 0), sort, seed, asked,
                                                 paging.get("page_size") or cd.PROPOSALS_PAGE_SIZE, reveal))
            elif section.mode == cd.ARGUED_VOTE:
                view["vote"] = {"agree_count": section.agree_count, "disagree_count": section.disagree_count,
                                "arguments": self._arguments(Argument.target == f"section:{section.id}", reveal)}
            else:
                answered = mine is not None and section.id in mine["answered"]
                visible = current == cd.CLOSED or answered or (viewer is not None and cd.is_agent(viewer.get("roles")))
                view["questionnaire"] = {
                    "responses_count": section.responses_count, "answered": answered, "results_visible": visible,
                    "results": cd.questionnaire_results(section.questions, self.answer_sets(section.id))
                    if visible else []}
            sections.append(view)
        synthesis = None
        if consultation.synthesis_published_at is not None:
            synthesis = {"synthesis": consultation.synthesis, "decision": consultation.decision,
                         "decision_body": consultation.decision_body, "decision_date": consultation.decision_date,
                         "deliberation_url": consultation.deliberation_url,
                         "published_at": aware(consultation.synthesis_published_at)}
        agent = viewer is not None and cd.is_agent(viewer.get("roles"))
        return {**self._consultation_summary(consultation), "context": consultation.context,
                "direction": consultation.direction,
                "pending_amendments": self._pending_amendments(consultation.id, reveal) if agent else [],
                "resources": consultation.resources, "agenda": consultation.agenda,
                "accepts_input": current == cd.OPEN, "sort": sort, "sections": sections, "synthesis": synthesis,
                "updated_at": aware(consultation.updated_at),
                "viewer": None if viewer is None else {
                    "can_edit": cd.runs(viewer, consultation.direction), "can_moderate": reveal,
                    "supported": sorted(mine["supported"]), "voted": sorted(mine["voted"]),
                    "answered": sorted(mine["answered"]),
                    "reported": sorted(f"{kind}:{item}" for kind, item in mine["reported"]), "own": mine["own"]}}

    def _proposal_totals(self, consultation_id: str) -> dict:
        """{section id: number of proposals (amendments aside)}."""
        return dict(self.session.execute(
            sa.select(Proposal.section_id, sa.func.count()).where(
                Proposal.consultation_id == consultation_id, Proposal.amends_id.is_(None))
            .group_by(Proposal.section_id)).all())

    def _proposals_page(self, section_id: int, total: int, sort: str, seed: str, asked: int, page_size: int,
                        reveal: bool) -> dict:
        """One page of a section's proposals, read with LIMIT/OFFSET; past the last page, the last one."""
        pages = max(1, -(-total // page_size))
        page = min(asked, pages)
        rows = self.session.execute(
            sa.select(Proposal).where(Proposal.section_id == section_id, Proposal.amends_id.is_(None))
            .order_by(*_proposal_order(sort, seed)).limit(page_size).offset((page - 1) * page_size)
        ).scalars() if total else ()
        return {"proposals": [self._proposal_summary(proposal, reveal) for proposal in rows],
                "proposals_count": total, "proposals_page": {"page": page, "pages": pages, "page_size": page_size}}

    def _pending_amendments(self, consultation_id: str, reveal: bool) -> list:
        """For agents: the amendments awaiting a decision, oldest first, with the proposal they amend."""
        amended = aliased(Proposal)
        rows = self.session.execute(
            sa.select(Proposal, amended.title).join(amended, amended.id == Proposal.amends_id)
            .where(Proposal.consultation_id == consultation_id, Proposal.amendment_status == cd.PENDING)
            .order_by(Proposal.created_at, Proposal.id)).all()
        return [{**self._proposal_summary(amendment, reveal), "amends_title": title} for amendment, title in rows]

    def _viewer_marks(self, consultation_id: str, account_id: str) -> dict:
        """What this account did in this consultation, to show « d'accord » given, votes cast, etc."""
        supported = self.session.execute(sa.select(ConsultationSupport.target_kind, ConsultationSupport.target_id)
                                         .where(ConsultationSupport.consultation_id == consultation_id,
                                                ConsultationSupport.account_id == account_id)).all()
        voted = self.session.execute(sa.select(Argument.target).where(
            Argument.consultation_id == consultation_id, Argument.author_id == account_id)).scalars()
        answered = self.session.execute(sa.select(QuestionnaireResponse.section_id).where(
            QuestionnaireResponse.consultation_id == consultation_id,
            QuestionnaireResponse.account_id == account_id)).scalars()
        return {"supported": {f"{kind}:{item}" for kind, item in supported}, "voted": set(voted),
                "answered": set(answered), "reported": self.reported_by(consultation_id, account_id),
                "own": self._written_by(consultation_id, account_id)}

    def _written_by(self, consultation_id: str, account_id: str) -> list:
        """What this account wrote here, "kind:id" (proposals and amendments, comments, arguments): the pages offer
        no « Signaler » on them (the service refuses it)."""
        own = []
        for kind, model in ((domain.PROPOSAL, Proposal), (domain.PROPOSAL_COMMENT, ProposalComment),
                            (domain.ARGUMENT, Argument)):
            own += [f"{kind}:{item}" for item in self.session.execute(sa.select(model.id).where(
                model.consultation_id == consultation_id, model.author_id == account_id)).scalars()]
        return sorted(own)

    def _proposal_summary(self, proposal: Proposal, reveal: bool = False) -> dict:
        masked = proposal.hidden and not reveal
        return {"id": proposal.id, "consultation_id": proposal.consultation_id, "section_id": proposal.section_id,
                "title": domain.HIDDEN_TEXT if masked else proposal.title,
                "excerpt": domain.HIDDEN_TEXT if masked else domain.excerpt(proposal.body),
                "hidden": bool(proposal.hidden), "author_pseudonym": proposal.author_pseudonym,
                "amends": proposal.amends_id, "amendment_status": proposal.amendment_status,
                "amendment_status_label": cd.AMENDMENT_STATUSES.get(proposal.amendment_status),
                "supports_count": proposal.supports_count, "comments_count": proposal.comments_count,
                "amendments_count": proposal.amendments_count, "arguments_count": proposal.arguments_count,
                "agree_count": proposal.agree_count, "disagree_count": proposal.disagree_count,
                "counters": cd.counters_label(proposal.supports_count, proposal.amendments_count,
                                              proposal.arguments_count),
                "created_at": aware(proposal.created_at)}

    def _arguments(self, condition, reveal: bool) -> list:
        rows = self.session.execute(sa.select(Argument).where(condition).order_by(Argument.id.desc())
                                    .limit(ARGUMENTS_SHOWN)).scalars()
        return [self.argument_view(argument, reveal) for argument in rows]

    @staticmethod
    def argument_view(argument: Argument, reveal: bool = False) -> dict:
        return {"id": argument.id, "section_id": argument.section_id, "proposal_id": argument.proposal_id,
                "position": argument.position, "position_label": cd.POSITIONS[argument.position],
                "body": domain.HIDDEN_TEXT if argument.hidden and not reveal else argument.body,
                "hidden": bool(argument.hidden), "author_pseudonym": argument.author_pseudonym,
                "created_at": aware(argument.created_at)}

    @staticmethod
    def comment_view(comment: ProposalComment, reveal: bool = False) -> dict:
        return {"id": comment.id, "proposal_id": comment.proposal_id, "author_pseudonym": comment.author_pseudonym,
                "body": domain.HIDDEN_TEXT if comment.hidden and not reveal else comment.body,
                "hidden": bool(comment.hidden), "supports_count": comment.supports_count,
                "created_at": aware(comment.created_at)}

    # --- a proposal -------------------------------------------------------------------------------

    def get_proposal(self, proposal_id, viewer: dict | None = None) -> dict:
        return self.proposal_view(self.proposal(proposal_id), viewer)

    def proposal_view(self, proposal: Proposal, viewer: dict | None = None) -> dict:
        consultation = self.session.get(Consultation, proposal.consultation_id)
        section = self.session.get(ConsultationSection, proposal.section_id)
        reveal = viewer is not None and domain.is_moderator(viewer.get("roles"))
        account_id = str(viewer["account_id"]) if viewer else None
        masked = proposal.hidden and not reveal
        amendments = list(self.session.execute(sa.select(Proposal).where(Proposal.amends_id == proposal.id)
                                               .order_by(Proposal.created_at, Proposal.id)).scalars())
        comments = self.session.execute(sa.select(ProposalComment).where(ProposalComment.proposal_id == proposal.id)
                                        .order_by(ProposalComment.id)).scalars()
        amended = self.session.get(Proposal, proposal.amends_id) if proposal.amends_id else None
        current = self.state(consultation)
        mine = self._viewer_marks(consultation.id, account_id) if account_id else None
        can_decide = viewer is not None and (cd.runs(viewer, consultation.direction) or (
            proposal.author_id == account_id and current == cd.OPEN))
        return {
            **self._proposal_summary(proposal, reveal), "body": domain.HIDDEN_TEXT if masked else proposal.body,
            "decision_note": proposal.decision_note, "decided_at": aware(proposal.decided_at),
            "consultation": {"id": consultation.id, "title": consultation.title, "state": current,
                             "state_label": cd.STATES[current]},
            "section": {"id": section.id, "title": section.title, "mode": section.mode,
                        "mode_label": cd.MODES[section.mode]},
            "amendable": section.mode == cd.AMENDABLE_TEXT and proposal.amends_id is None,
            "accepts_input": current == cd.OPEN,
            "amended": self._proposal_summary(amended, reveal) if amended else None,
            "amendments": [{**self._proposal_summary(a, reveal),
                            "body": domain.HIDDEN_TEXT if a.hidden and not reveal else a.body,
                            "decision_note": a.decision_note} for a in amendments],
            "arguments": self._arguments(Argument.target == f"proposal:{proposal.id}", reveal),
            "comments": [self.comment_view(comment, reveal) for comment in comments],
            "viewer": None if viewer is None else {
                "is_author": proposal.author_id == account_id, "can_decide": can_decide,
                "can_moderate": reveal,
                "supports": f"proposal:{proposal.id}" in mine["supported"],
                "voted": f"proposal:{proposal.id}" in mine["voted"],
                "supported": sorted(mine["supported"]),
                "reported": sorted(f"{kind}:{item}" for kind, item in mine["reported"]), "own": mine["own"]},
        }

    def answer_sets(self, section_id: int) -> list:
        return list(self.session.execute(sa.select(QuestionnaireResponse.answers).where(
            QuestionnaireResponse.section_id == section_id).order_by(QuestionnaireResponse.id)).scalars())

    def reported_by(self, consultation_id: str, account_id: str) -> set:
        return set(self.session.execute(sa.select(Report.content_kind, Report.content_id).where(
            Report.consultation_id == consultation_id, Report.account_id == account_id)).all())




def _proposal_order(sort: str, seed: str) -> tuple:
    """ORDER BY of a sort; the id breaks ties, so that pages neither repeat nor skip a proposal."""
    if sort == "most_supported":
        return Proposal.supports_count.desc(), Proposal.created_at.desc(), Proposal.id
    if sort == "newest":
        return Proposal.created_at.desc(), Proposal.id
    multiplier, offset = cd.shuffle_factors(seed)
    rank = (sa.cast(Proposal.shuffle_key, sa.BigInteger) * sa.literal(multiplier, sa.BigInteger)
            + sa.literal(offset, sa.BigInteger)) % sa.literal(cd.SHUFFLE_MODULUS, sa.BigInteger)
    return rank, Proposal.id
