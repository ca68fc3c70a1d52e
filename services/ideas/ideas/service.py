"""nameko entrypoints of the ideas service: load the schema, run the use case, dump the result."""

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
from .business_metrics import count_comment, count_idea_submitted, count_support
from .consultation_service import ConsultationEntrypoints
from .handlers import Ideas
from .models import Base



def actor_of(value) -> dict:
    return load(schemas.ActorSchema(), value)


def idea_id_of(data) -> str:
    return str(load(schemas.IdeaIdSchema(), data)["idea_id"])


class IdeasService(ConsultationEntrypoints, Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    throttle = RedisThrottle()
    accounts = SignedRpcProxy("accounts")

    def _ideas(self, uow) -> Ideas:
        return Ideas(uow, self.throttle, accounts=self.accounts)

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
            idea = schemas.IdeaSchema().dump(self._ideas(uow).submit_idea(actor, command))
        count_idea_submitted()
        return idea

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
