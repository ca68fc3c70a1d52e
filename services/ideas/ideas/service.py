"""nameko entrypoints of the ideas service: load the schema, run the use case, dump the result."""

from nameko.timer import timer

from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.rpc import SignedRpcProxy
from hubkit.service_base import Infrastructure, rpc
from hubkit.throttle import RedisThrottle
from hubkit.validation import load

from . import SERVICE_NAME, domain, schemas
from .business_metrics import count_comment, count_consultation_action, count_support
from .domain import consultations as cd
from .handlers import Consultations, Context, Ideas
from .handlers.open_data import OpenData
from .models import Base
from .schemas import consultations as cschemas
from .schemas import open_data as open_data_schemas
from .settings import settings

# Read once, when the service is loaded: a bad value stops the process with a message naming the variable.
SETTINGS = settings()


def actor_of(value) -> dict:
    return load(schemas.ActorSchema(), value)


def idea_id_of(data) -> str:
    return str(load(schemas.IdeaIdSchema(), data)["idea_id"])


class IdeasService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    throttle = RedisThrottle()
    accounts = SignedRpcProxy("accounts")

    def _ideas(self, uow) -> Ideas:
        return Ideas(uow, self.throttle, accounts=self.accounts, settings=SETTINGS)

    def _consultations(self, uow) -> Consultations:
        return Consultations(uow, self.throttle, accounts=self.accounts, settings=SETTINGS)

    @rpc
    def reference_data(self):
        """Themes, statuses, schemes and allowed transitions, for forms and filters."""
        return {"themes": [{"code": code, "label": label} for code, label in domain.THEMES.items()],
                "report_reasons": [{"code": code, "label": label} for code, label in domain.REPORT_REASONS.items()],
                "statuses": [{"code": code, "label": label} for code, label in domain.STATUSES.items()],
                "schemes": [{"code": code, "label": label} for code, label in domain.SCHEMES.items()],
                "transitions": {status: list(targets) for status, targets in domain.TRANSITIONS.items()}}

    @rpc
    def submit_idea(self, actor, data):
        actor, command = actor_of(actor), load(schemas.SubmitIdeaSchema(), data)
        with self.db as uow:
            return self._ideas(uow).submit_idea_once(actor, command, schemas.IdeaSchema().dump)

    @rpc
    def list_ideas(self, data):
        query = load(schemas.IdeaQuerySchema(), data)
        with self.db as uow:
            return schemas.IdeaPageSchema().dump(self._ideas(uow).list_ideas(query))

    @rpc
    def get_idea(self, data, actor=None):
        """`actor`: the signed-in reader, if any (the page then says whether they support or follow it)."""
        idea_id, viewer = idea_id_of(data), actor_of(actor) if actor is not None else None
        with self.db as uow:
            return schemas.IdeaSchema().dump(self._ideas(uow).get_idea(idea_id, viewer))

    @rpc
    def support_idea(self, actor, data):
        actor, idea_id = actor_of(actor), idea_id_of(data)
        with self.db as uow:
            state = schemas.SupportStateSchema().dump(self._ideas(uow).support_idea(actor, idea_id))
        count_support()
        return state

    @rpc
    def withdraw_support(self, actor, data):
        actor, idea_id = actor_of(actor), idea_id_of(data)
        with self.db as uow:
            return schemas.SupportStateSchema().dump(self._ideas(uow).withdraw_support(actor, idea_id))

    @rpc
    def post_comment(self, actor, data):
        actor, command = actor_of(actor), load(schemas.PostCommentSchema(), data)
        with self.db as uow:
            comment = schemas.CommentSchema().dump(self._ideas(uow).post_comment(actor, command))
        count_comment()
        return comment

    @rpc
    def follow_idea(self, actor, data):
        actor, idea_id = actor_of(actor), idea_id_of(data)
        with self.db as uow:
            return schemas.FollowStateSchema().dump(self._ideas(uow).follow_idea(actor, idea_id))

    @rpc
    def unfollow_idea(self, actor, data):
        actor, idea_id = actor_of(actor), idea_id_of(data)
        with self.db as uow:
            return schemas.FollowStateSchema().dump(self._ideas(uow).unfollow_idea(actor, idea_id))

    @rpc
    def change_status(self, actor, data):
        actor, command = actor_of(actor), load(schemas.ChangeStatusSchema(), data)
        with self.db as uow:
            return schemas.IdeaSchema().dump(self._ideas(uow).change_status(actor, command))

    @rpc
    def report_content(self, actor, data):
        actor, command = actor_of(actor), load(schemas.ReportSchema(), data)
        with self.db as uow:
            return schemas.ReportStateSchema().dump(self._ideas(uow).report_content(actor, command))

    @rpc
    def moderate(self, actor, data):
        actor, command = actor_of(actor), load(schemas.ModerateSchema(), data)
        with self.db as uow:
            return schemas.ModerationStateSchema().dump(self._ideas(uow).moderate(actor, command))

    @rpc
    def moderation_queue(self, actor):
        actor = actor_of(actor)
        with self.db as uow:
            return schemas.ModerationQueueSchema().dump(self._ideas(uow).moderation_queue(actor))

    @rpc
    def similar_ideas(self, data):
        query = load(schemas.SimilarQuerySchema(), data)
        with self.db as uow:
            return schemas.SimilarIdeasSchema().dump(self._ideas(uow).similar_ideas(query))

    @rpc
    def merge_ideas(self, actor, data):
        actor, command = actor_of(actor), load(schemas.MergeIdeasSchema(), data)
        with self.db as uow:
            return schemas.IdeaSchema().dump(self._ideas(uow).merge_ideas(actor, command))

    @rpc
    def submissions(self, data):
        """Internal (routing's reconciliation; the gateway never calls it): ideas in submission order, with
        their author's account id and the correlation id of their `idea_submitted`."""
        query = load(schemas.SubmissionsQuerySchema(), data)
        with self.db as uow:
            return schemas.SubmissionsPageSchema().dump(self._ideas(uow).submissions(query))

    @rpc
    def open_data_page(self, data):
        """The gateway's (public, anonymised): a page of the open dataset `ideas` or `consultations`."""
        query = load(open_data_schemas.OpenDataPageQuerySchema(), data)
        with self.db as uow:
            page = OpenData(Context(uow, self.throttle, settings=SETTINGS)).open_data_page(query)
        return open_data_schemas.dump_page(query["dataset"], page)

    @rpc
    def export_personal_data(self, account_id):
        account_id = load(schemas.AccountIdSchema(), {"account_id": account_id})["account_id"]
        with self.db as uow:
            return self._ideas(uow).export_personal_data(account_id)

    # Event handlers return whether they applied the event (False: a redelivery, or nothing to do);
    # nameko ignores the value, tests read it.

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._ideas(uow).forget_account(envelope)

    @event_handler("accounts", "account_profile_updated")
    def refresh_author_pseudonym(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._ideas(uow).refresh_author_pseudonym(envelope)

    @event_handler("routing", "idea_forwarded")
    def routing_idea_forwarded(self, data):
        return self._apply_routing_decision(data)

    @event_handler("routing", "idea_answered")
    def routing_idea_answered(self, data):
        return self._apply_routing_decision(data)

    @event_handler("routing", "idea_not_retained")
    def routing_idea_not_retained(self, data):
        return self._apply_routing_decision(data)

    def _apply_routing_decision(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._ideas(uow).apply_routing_decision(envelope)

    # --- consultations (one service, one database with the idea box) ---------------------------------------

    def _run(self, method: str, actor, command_schema, data, output_schema, action: str = None):
        """A command of `actor`: load, run in one unit of work, dump, then count it (after commit)."""
        actor, command = actor_of(actor), load(command_schema, data)
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
        query = load(cschemas.ConsultationQuerySchema(), data)
        with self.db as uow:
            return cschemas.ConsultationPageSchema().dump(self._consultations(uow).list_consultations(query))

    @rpc
    def get_consultation(self, data, actor=None):
        query, viewer = load(cschemas.ConsultationReadSchema(), data), actor_of(actor) if actor is not None else None
        query["consultation_id"] = str(query["consultation_id"])
        with self.db as uow:
            return cschemas.ConsultationSchema().dump(self._consultations(uow).get_consultation(query, viewer))

    @rpc
    def get_proposal(self, data, actor=None):
        proposal_id = str(load(cschemas.ProposalIdSchema(), data)["proposal_id"])
        viewer = actor_of(actor) if actor is not None else None
        with self.db as uow:
            return cschemas.ProposalSchema().dump(self._consultations(uow).get_proposal(proposal_id, viewer))

    @rpc
    def save_consultation(self, actor, data):
        return self._run("save_consultation", actor, cschemas.SaveConsultationSchema(), data,
                         cschemas.ConsultationSchema(), "consultation_saved")

    @rpc
    def save_section(self, actor, data):
        return self._run("save_section", actor, cschemas.SaveSectionSchema(), data, cschemas.ConsultationSchema(),
                         "section_saved")

    @rpc
    def delete_section(self, actor, data):
        return self._run("delete_section", actor, cschemas.SectionRefSchema(), data, cschemas.ConsultationSchema())

    @rpc
    def close_consultation(self, actor, data):
        return self._run("close_consultation", actor, cschemas.ConsultationIdSchema(), data,
                         cschemas.ConsultationSchema(), "consultation_closed")

    @rpc
    def publish_synthesis(self, actor, data):
        return self._run("publish_synthesis", actor, cschemas.SynthesisSchema(), data, cschemas.ConsultationSchema(),
                         "synthesis_published")

    @rpc
    def submit_proposal(self, actor, data):
        amending = bool((data or {}).get("amends"))
        return self._run("submit_proposal", actor, cschemas.SubmitProposalSchema(), data, cschemas.ProposalSchema(),
                         "amendment_proposed" if amending else "proposal_submitted")

    @rpc
    def decide_amendment(self, actor, data):
        return self._run("decide_amendment", actor, cschemas.DecideAmendmentSchema(), data, cschemas.ProposalSchema(),
                         "amendment_decided")

    @rpc
    def support_contribution(self, actor, data):
        return self._run("support", actor, cschemas.SupportSchema(), data, cschemas.SupportStateSchema(), "support")

    @rpc
    def post_proposal_comment(self, actor, data):
        return self._run("post_comment", actor, cschemas.PostProposalCommentSchema(), data,
                         cschemas.ProposalCommentSchema(), "comment")

    @rpc
    def post_argument(self, actor, data):
        return self._run("post_argument", actor, cschemas.PostArgumentSchema(), data, cschemas.ArgumentSchema(),
                         "argument")

    @rpc
    def answer_questionnaire(self, actor, data):
        return self._run("answer_questionnaire", actor, cschemas.AnswerQuestionnaireSchema(), data,
                         cschemas.AnswerStateSchema(), "questionnaire_answered")

    @timer(interval=15)
    def announce_consultations(self):
        """Emits `consultation_opened` / `consultation_closed` for the dates passed since the last sweep."""
        with self.db as uow:
            return self._consultations(uow).announce_due()
