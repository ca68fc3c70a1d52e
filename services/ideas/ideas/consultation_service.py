"""nameko entrypoints of consultations, mixed into IdeasService (one service, one database): load the
schema, run the use case, dump the result."""
from nameko.timer import timer

from hubkit.service_base import rpc
from hubkit.validation import load

from . import consultation_domain as cd
from . import consultation_schemas as schemas
from .business_metrics import count_consultation_action
from .handlers import Consultations
from .schemas import ActorSchema


def _actor(value) -> dict:
    return load(ActorSchema(), value)


class ConsultationEntrypoints:
    """Needs `db`, `throttle` and `accounts` (see IdeasService)."""

    def _consultations(self, uow) -> Consultations:
        return Consultations(uow, self.throttle, accounts=self.accounts)

    def _run(self, method: str, actor, command_schema, data, output_schema, action: str = None):
        """A command of `actor`: load, run in one unit of work, dump, then count it (after commit)."""
        actor, command = _actor(actor), load(command_schema, data)
        with self.db as uow:
            result = output_schema.dump(getattr(self._consultations(uow), method)(actor, command))
        if action:
            count_consultation_action(action)
        return result

    @rpc
    def consultation_reference(self):
        """Modes of participation, question kinds, states, sorts, for forms and filters."""
        return {"modes": [{"code": c, "label": label} for c, label in cd.MODES.items()],
                "question_kinds": [{"code": c, "label": label} for c, label in cd.QUESTION_KINDS.items()],
                "states": [{"code": c, "label": label} for c, label in cd.STATES.items()],
                "positions": [{"code": c, "label": label} for c, label in cd.POSITIONS.items()],
                "sorts": list(cd.SORTS)}

    @rpc
    def list_consultations(self, data):
        query = load(schemas.ConsultationQuerySchema(), data)
        with self.db as uow:
            return schemas.ConsultationPageSchema().dump(self._consultations(uow).list_consultations(query))

    @rpc
    def get_consultation(self, data, actor=None):
        query, viewer = load(schemas.ConsultationReadSchema(), data), _actor(actor) if actor is not None else None
        query["consultation_id"] = str(query["consultation_id"])
        with self.db as uow:
            return schemas.ConsultationSchema().dump(self._consultations(uow).get_consultation(query, viewer))

    @rpc
    def get_proposal(self, data, actor=None):
        proposal_id = str(load(schemas.ProposalIdSchema(), data)["proposal_id"])
        viewer = _actor(actor) if actor is not None else None
        with self.db as uow:
            return schemas.ProposalSchema().dump(self._consultations(uow).get_proposal(proposal_id, viewer))

    @rpc
    def save_consultation(self, actor, data):
        return self._run("save_consultation", actor, schemas.SaveConsultationSchema(), data,
                         schemas.ConsultationSchema(), "consultation_saved")

    @rpc
    def save_section(self, actor, data):
        return self._run("save_section", actor, schemas.SaveSectionSchema(), data, schemas.ConsultationSchema(),
                         "section_saved")

    @rpc
    def delete_section(self, actor, data):
        return self._run("delete_section", actor, schemas.SectionRefSchema(), data, schemas.ConsultationSchema())

    @rpc
    def close_consultation(self, actor, data):
        return self._run("close_consultation", actor, schemas.ConsultationIdSchema(), data,
                         schemas.ConsultationSchema(), "consultation_closed")

    @rpc
    def publish_synthesis(self, actor, data):
        return self._run("publish_synthesis", actor, schemas.SynthesisSchema(), data, schemas.ConsultationSchema(),
                         "synthesis_published")

    @rpc
    def submit_proposal(self, actor, data):
        amending = bool((data or {}).get("amends"))
        return self._run("submit_proposal", actor, schemas.SubmitProposalSchema(), data, schemas.ProposalSchema(),
                         "amendment_proposed" if amending else "proposal_submitted")

    @rpc
    def decide_amendment(self, actor, data):
        return self._run("decide_amendment", actor, schemas.DecideAmendmentSchema(), data, schemas.ProposalSchema(),
                         "amendment_decided")

    @rpc
    def support_contribution(self, actor, data):
        return self._run("support", actor, schemas.SupportSchema(), data, schemas.SupportStateSchema(), "support")

    @rpc
    def post_proposal_comment(self, actor, data):
        return self._run("post_comment", actor, schemas.PostProposalCommentSchema(), data,
                         schemas.ProposalCommentSchema(), "comment")

    @rpc
    def post_argument(self, actor, data):
        return self._run("post_argument", actor, schemas.PostArgumentSchema(), data, schemas.ArgumentSchema(),
                         "argument")

    @rpc
    def answer_questionnaire(self, actor, data):
        return self._run("answer_questionnaire", actor, schemas.AnswerQuestionnaireSchema(), data,
                         schemas.AnswerStateSchema(), "questionnaire_answered")

    @timer(interval=15)
    def announce_consultations(self):
        """Emits `consultation_opened` / `consultation_closed` for the dates passed since the last sweep."""
        with self.db as uow:
            return self._consultations(uow).announce_due()
