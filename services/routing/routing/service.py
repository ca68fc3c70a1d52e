"""nameko entrypoints of the routing service: load the schema, build the use-case group, run it, dump the result."""
import logging

from nameko.timer import timer

from hubkit.clock import utcnow
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.errors import HubError, ServiceUnavailable
from hubkit.mail import MailRelayProvider
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.rpc import SignedRpcProxy
from hubkit.service_base import Infrastructure, rpc
from hubkit.validation import load

from . import SERVICE_NAME, business_metrics, domain, events, schemas
from .adapters.webhooks import post
from .handlers import (Catalogue, Context, DecisionEffects, Decisions, Deliveries, DeliveryWatch, History, Inbox, PersonalData,
                       Receiving, Reconciliation, Schedule)
from .handlers.actions import DirectRequests
from .handlers.open_data import OpenData
from .models import Base
from .peers import PEER_TIMEOUT, BoundedRpc, CallContext, Directions, PeerUnavailable, People
from .schemas.open_data import OpenDataPageQuerySchema, OpenDataPageSchema
from .settings import load_settings

log = logging.getLogger(__name__)
SETTINGS = load_settings()  # read once, when the service starts; a bad value stops it, naming the variable
# the first reconciliation comes at the first tick; a failed one, a tick later
RECONCILE_TICK = min(SETTINGS.reconcile_seconds, 10)
RECONCILE_SCHEDULE = Schedule(SETTINGS.reconcile_seconds, retry=RECONCILE_TICK,
                              grace=SETTINGS.reconcile_grace_seconds)


def actor_of(value) -> dict:
    return load(schemas.ActorSchema(), value)


def idea_id_of(data) -> str:
    return str(load(schemas.IdeaIdSchema(), data)["idea_id"])


class RoutingService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    call_context = CallContext()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    mails = MailRelayProvider()
    ideas = SignedRpcProxy("ideas", expiration=PEER_TIMEOUT)
    accounts = SignedRpcProxy("accounts", expiration=PEER_TIMEOUT)

    def _peer(self, proxy, error=ServiceUnavailable):
        return BoundedRpc(proxy, PEER_TIMEOUT, error)

    def _use(self, group, uow=None):
        """The use-case group an entrypoint needs, on this worker's unit of work and peers (the settings are
        the process's; the directions are read from accounts only when a use case names or checks one)."""
        return group(Context(uow, SETTINGS, Directions(self._peer(self.accounts)), utcnow,
                             People(self._peer(self.accounts))))

    @rpc
    def reference_data(self):
        """Statuses, actions, reasons, checks, directions: for the back office's forms and filters."""
        return self._use(Catalogue).reference_data()

    # --- the catalogue --------------------------------------------------------------------------------

    @rpc
    def list_schemes(self, data=None, actor=None):
        """`actor`: the signed-in reader, if any (staff also read where each scheme receives its dossiers)."""
        include_inactive = bool((data or {}).get("include_inactive"))
        viewer = actor_of(actor) if actor is not None else None
        with self.db as uow:
            return schemas.SchemeSchema(many=True).dump(
                self._use(Catalogue, uow).list_schemes(include_inactive, viewer))

    @rpc
    def get_scheme(self, data, actor=None):
        code = load(schemas.SchemeCodeSchema(), data)["code"]
        viewer = actor_of(actor) if actor is not None else None
        with self.db as uow:
            return schemas.SchemeSchema().dump(self._use(Catalogue, uow).get_scheme(code, viewer))

    @rpc
    def create_scheme(self, actor, data):
        actor, command = actor_of(actor), load(schemas.CreateSchemeSchema(), data)
        with self.db as uow:
            return schemas.SchemeSchema().dump(self._use(Catalogue, uow).create_scheme(actor, command))

    @rpc
    def update_scheme(self, actor, data):
        actor, command = actor_of(actor), load(schemas.UpdateSchemeSchema(), data)
        with self.db as uow:
            return schemas.SchemeSchema().dump(self._use(Catalogue, uow).update_scheme(actor, command))

    @rpc
    def open311_services(self):
        with self.db as uow:
            return schemas.Open311ServiceSchema(many=True).dump(self._use(Catalogue, uow).open311_services())

    @rpc
    def open311_definition(self, data):
        code = load(schemas.SchemeCodeSchema(), data)["code"]
        with self.db as uow:
            return schemas.Open311DefinitionSchema().dump(self._use(Catalogue, uow).open311_definition(code))

    @rpc
    def open_data_page(self, data):
        """Public, anonymised: a page of `routing_response_times` (handlers/open_data.py); the gateway's alone."""
        query = load(OpenDataPageQuerySchema(), data)
        with self.db as uow:
            return OpenDataPageSchema().dump(self._use(OpenData, uow).dataset_page(query))

    # --- the action door « Agir »: a citizen's direct requests (handlers/actions.py) ----------------------

    @rpc
    def action_schemes(self):
        with self.db as uow:
            return schemas.ActionSchemeSchema(many=True).dump(self._use(DirectRequests, uow).action_schemes())

    @rpc
    def action_scheme(self, data):
        code = load(schemas.SchemeCodeSchema(), data)["code"]
        with self.db as uow:
            return schemas.ActionSchemeSchema().dump(self._use(DirectRequests, uow).action_scheme(code))

    @rpc
    def open_dossier(self, actor, data):
        """Who may ask is read from accounts first (not answering: a 503, nothing written)."""
        actor, command = actor_of(actor), load(schemas.OpenDossierSchema(), data)
        attributes = self._peer(self.accounts).eligibility_attributes({"account_id": str(actor["account_id"])})
        with self.db as uow:
            return schemas.PersonDossierSchema().dump(
                self._use(DirectRequests, uow).open_dossier(actor, command, attributes))

    @rpc
    def my_dossiers(self, actor, data=None):
        """The dossiers opened for the actor (their direct requests, their ideas'), newest first."""
        actor = actor_of(actor)
        with self.db as uow:
            return schemas.PersonDossierSummarySchema(many=True).dump(
                self._use(DirectRequests, uow).my_dossiers(actor))

    @rpc
    def my_dossier(self, actor, data):
        actor, reference = actor_of(actor), load(schemas.DossierReferenceSchema(), data)["reference"]
        with self.db as uow:
            return schemas.PersonDossierSchema().dump(self._use(DirectRequests, uow).dossier(actor, reference))

    # --- the inbox ------------------------------------------------------------------------------------

    @rpc
    def inbox(self, actor, data):
        actor, query = actor_of(actor), load(schemas.InboxQuerySchema(), data)
        with self.db as uow:
            return schemas.InboxPageSchema().dump(self._use(Inbox, uow).inbox(actor, query))

    @rpc
    def get_item(self, actor, data):
        actor, idea_id = actor_of(actor), idea_id_of(data)
        with self.db as uow:
            return schemas.InboxDetailSchema().dump(self._use(Inbox, uow).get_item(actor, idea_id))

    @rpc
    def update_checklist(self, actor, data):
        actor, command = actor_of(actor), load(schemas.ChecklistUpdateSchema(), data)
        with self.db as uow:
            return schemas.InboxDetailSchema().dump(self._use(Decisions, uow).update_checklist(actor, command))

    @rpc
    def assign(self, actor, data):
        actor, command = actor_of(actor), load(schemas.AssignSchema(), data)
        with self.db as uow:
            return schemas.InboxDetailSchema().dump(self._use(Decisions, uow).assign(actor, command))

    @rpc
    def decide(self, actor, data):
        actor, command = actor_of(actor), load(schemas.DecideSchema(), data)
        with self.db as uow:
            decision = schemas.DecisionSchema().dump(self._use(Decisions, uow).decide(actor, command))
        if SETTINGS.undo_seconds <= 0:
            self._apply_due()  # no undo window: the decision takes effect now
        return decision

    @rpc
    def undo_decision(self, actor, data):
        actor = actor_of(actor)
        decision_id = str(load(schemas.DecisionIdSchema(), data)["decision_id"])
        with self.db as uow:
            decision = schemas.DecisionSchema().dump(self._use(Decisions, uow).undo(actor, decision_id))
        business_metrics.count_undone()
        return decision

    @rpc
    def failing_deliveries(self, actor, data=None):
        """Dossiers of the caller's schemes whose webhook calls fail (an admin: every scheme's)."""
        with self.db as uow:
            return schemas.FailingDeliverySchema(many=True).dump(self._use(DeliveryWatch, uow).failing(actor_of(actor)))

    @rpc
    def receive_dossier_answer(self, data):
        """A scheme's signed answer, as the gateway received it (body and headers untouched)."""
        command = load(schemas.SchemeAnswerSchema(), data)
        with self.db as uow:
            return schemas.DossierSchema().dump(self._use(Deliveries, uow).receive_answer(command))

    # --- the one history ------------------------------------------------------------------------------

    @rpc
    def idea_timeline(self, data):
        idea_id = idea_id_of(data)
        with self.db as uow:
            return schemas.TimelineSchema().dump(self._use(History, uow).idea_timeline(idea_id))

    @rpc
    def trace(self, actor, data):
        actor, correlation_id = actor_of(actor), load(schemas.CorrelationSchema(), data)["correlation_id"]
        with self.db as uow:
            return schemas.TraceSchema().dump(self._use(History, uow).lookup(actor, correlation_id))

    # --- GDPR -----------------------------------------------------------------------------------------

    @rpc
    def export_personal_data(self, account_id):
        account_id = str(load(schemas.AccountIdSchema(), {"account_id": account_id})["account_id"])
        with self.db as uow:
            return {**self._use(PersonalData, uow).export_personal_data(account_id),
                    "direct_requests": self._use(DirectRequests, uow).export(account_id)}

    # Event handlers return whether they applied the event (False: a redelivery, or nothing to do). hubkit's
    # event_handler puts an event back in the queue after a passing failure (database, or a peer not answering:
    # PeerUnavailable); a HubError is final.

    @event_handler("ideas", "idea_submitted")
    def receive_idea(self, data):
        """A new idea lands in the inbox (its text is asked of the ideas service before the transaction)."""
        envelope = receive(data, self.correlation, self.name)
        idea_id = str(load(schemas.IdeaSubmittedSchema(), envelope["payload"])["idea_id"])
        idea = self._peer(self.ideas, PeerUnavailable).get_idea({"idea_id": idea_id})
        with self.db as uow:
            return self._use(Receiving, uow).receive_idea(envelope, idea)

    def _record(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._use(History, uow).record_event(envelope)

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            forgotten = self._use(PersonalData, uow).forget_account(envelope)
            if forgotten:
                self._use(DirectRequests, uow).forget(str(envelope["payload"].get("account_id")))
            return forgotten

    def status_extras(self) -> dict:
        """Routing's own figures in its `status` answer, for the administrators' page "État du hub" (hubkit.status)."""
        with self.db as uow:
            deliveries = self._use(Deliveries, uow)
            return {"overdue_ideas": self._use(Inbox, uow).waiting_counts()[1],
                    "webhooks_failing": deliveries.failing_count(),
                    "webhooks_given_up": sum(deliveries.given_up_counts().values())}

    # --- timers ---------------------------------------------------------------------------------------

    @timer(interval=SETTINGS.sweep_seconds)
    def sweep(self):
        """Applies the decisions whose undo window passed, and refreshes the inbox and delivery gauges."""
        self._apply_due()
        with self.db as uow:
            business_metrics.set_waiting(*self._use(Inbox, uow).waiting_counts())
            business_metrics.set_given_up(self._use(Deliveries, uow).given_up_counts())
            business_metrics.set_failing(self._use(DeliveryWatch, uow).failing_counts())

    def _apply_due(self):
        with self.db as uow:
            due = self._use(DecisionEffects, uow).due_decisions()
        for decision_id, action in due:
            merge_error = self._merge_if_duplicate(decision_id) if action == domain.DUPLICATE else None
            with self.db as uow:
                applied = self._use(DecisionEffects, uow).apply_decision(decision_id, merge_error)
            if applied:
                business_metrics.count_applied(**applied)

    def _merge_if_duplicate(self, decision_id: str) -> str | None:
        """Merges the idea in the ideas service before the decision is marked applied; what it refused, if any."""
        with self.db as uow:
            plan = self._use(DecisionEffects, uow).merge_plan(decision_id)
        if plan is None:
            return None
        ideas = self._peer(self.ideas)
        # the ideas service's idea_merged continues the idea's chain, caused by the agent's request
        with self.call_context.acting(plan["correlation_id"], plan["request_id"]):
            try:
                ideas.merge_ideas(plan["actor"], plan["command"])
            except HubError as error:
                idea = ideas.get_idea({"idea_id": plan["command"]["idea_id"]})
                if idea.get("status") == "merged":
                    return None  # merged by an earlier try whose answer was lost
                return error.message
        return None

    @timer(interval=SETTINGS.delivery_seconds)
    def deliver_webhooks(self):
        """Calls the webhooks of the dossiers not delivered yet; a failure waits longer each time."""
        with self.db as uow:
            claims = self._use(Deliveries, uow).claim_due()
        for claim in claims:
            status, error = None, None
            try:
                status = post(claim["url"], claim["body"].encode(), Deliveries.signed_headers(claim),
                              SETTINGS.webhook_timeout_seconds, SETTINGS.webhook_allowed_networks)
            except (OSError, ValueError) as failure:  # refused, timed out, bad address
                error = f"{type(failure).__name__}: {failure}"
            with self.db as uow:
                delivered = self._use(Deliveries, uow).record_attempt(claim["id"], status, error)
            business_metrics.count_webhook(delivered)
            if not delivered:
                log.warning("webhook delivery failed, will retry",
                            extra={"dossier": claim["reference"], "status": status, "error": error})

    @timer(interval=RECONCILE_TICK)
    def reconcile(self):
        """Soon after start, then every ROUTING_RECONCILE_SECONDS: the open ideas of the idea box whose
        `idea_submitted` never reached routing join the inbox (see handlers/reconciliation.py)."""
        if not RECONCILE_SCHEDULE.due():
            return
        try:
            result = Reconciliation(self._peer(self.ideas, PeerUnavailable), lambda: self.db, SETTINGS).run()
        except Exception as error:  # ideas not answering, the database away: the timer lives on, tries again
            log.warning("reconciliation with the idea box failed, will retry",
                        extra={"error": repr(error), "retry_seconds": RECONCILE_TICK})
            RECONCILE_SCHEDULE.done(succeeded=False)
        else:
            RECONCILE_SCHEDULE.done(succeeded=True, deferred=result["deferred"])


def _tracing(source: str, event_type: str):
    @event_handler(source, event_type)
    def record(self, data):
        return self._record(data)
    record.__doc__ = f"`{source}.{event_type}` becomes a step of the idea's timeline (once)."
    return record


# One entrypoint (one queue) per event of another service that tells the story of an idea.
for _source, _types in domain.TRACED_EVENTS.items():
    for _type in _types:
        setattr(RoutingService, f"trace_{_type}", _tracing(_source, _type))
