"""nameko entrypoints of the routing service: load the schema, run the use case, dump the result."""
import logging

from nameko.timer import timer

from hubkit.config import env_float
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
from .base import settings_from_env
from .catalogue import Catalogue
from .delivery import Deliveries, post
from .handlers import Inbox
from .models import Base
from .peers import PEER_TIMEOUT, BoundedRpc, CallContext, PeerUnavailable
from .reconciliation import Reconciliation, Schedule
from .tracing import History

log = logging.getLogger(__name__)
SETTINGS = settings_from_env()
SWEEP_SECONDS = env_float("ROUTING_SWEEP_SECONDS", 5)
DELIVERY_SECONDS = env_float("ROUTING_DELIVERY_SECONDS", 5)
RECONCILE_SECONDS = env_float("ROUTING_RECONCILE_SECONDS", 300)
RECONCILE_TICK = min(RECONCILE_SECONDS, 10)  # the first run comes at the first tick; a failed one, a tick later
RECONCILE_SCHEDULE = Schedule(RECONCILE_SECONDS, retry=RECONCILE_TICK, grace=SETTINGS.reconcile_grace_seconds)


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

    @rpc
    def reference_data(self):
        """Statuses, actions, reasons, checks, directions: for the back office's forms and filters."""
        return Catalogue(None, SETTINGS).reference_data()

    # --- the catalogue --------------------------------------------------------------------------------

    @rpc
    def list_schemes(self, data=None, actor=None):
        """`actor`: the signed-in reader, if any (staff also read where each scheme receives its dossiers)."""
        include_inactive = bool((data or {}).get("include_inactive"))
        viewer = actor_of(actor) if actor is not None else None
        with self.db as uow:
            return schemas.SchemeSchema(many=True).dump(
                Catalogue(uow, SETTINGS).list_schemes(include_inactive, viewer))

    @rpc
    def get_scheme(self, data, actor=None):
        code = load(schemas.SchemeCodeSchema(), data)["code"]
        viewer = actor_of(actor) if actor is not None else None
        with self.db as uow:
            return schemas.SchemeSchema().dump(Catalogue(uow, SETTINGS).get_scheme(code, viewer))

    @rpc
    def create_scheme(self, actor, data):
        actor, command = actor_of(actor), load(schemas.CreateSchemeSchema(), data)
        with self.db as uow:
            return schemas.SchemeSchema().dump(Catalogue(uow, SETTINGS).create_scheme(actor, command))

    @rpc
    def update_scheme(self, actor, data):
        actor, command = actor_of(actor), load(schemas.UpdateSchemeSchema(), data)
        with self.db as uow:
            return schemas.SchemeSchema().dump(Catalogue(uow, SETTINGS).update_scheme(actor, command))

    @rpc
    def open311_services(self):
        with self.db as uow:
            return schemas.Open311ServiceSchema(many=True).dump(Catalogue(uow, SETTINGS).open311_services())

    @rpc
    def open311_definition(self, data):
        code = load(schemas.SchemeCodeSchema(), data)["code"]
        with self.db as uow:
            return schemas.Open311DefinitionSchema().dump(Catalogue(uow, SETTINGS).open311_definition(code))

    # --- the inbox ------------------------------------------------------------------------------------

    @rpc
    def inbox(self, actor, data):
        actor, query = actor_of(actor), load(schemas.InboxQuerySchema(), data)
        with self.db as uow:
            return schemas.InboxPageSchema().dump(Inbox(uow, SETTINGS).inbox(actor, query))

    @rpc
    def get_item(self, actor, data):
        actor, idea_id = actor_of(actor), idea_id_of(data)
        with self.db as uow:
            return schemas.InboxDetailSchema().dump(Inbox(uow, SETTINGS).get_item(actor, idea_id))

    @rpc
    def update_checklist(self, actor, data):
        actor, command = actor_of(actor), load(schemas.ChecklistUpdateSchema(), data)
        with self.db as uow:
            return schemas.InboxDetailSchema().dump(Inbox(uow, SETTINGS).update_checklist(actor, command))

    @rpc
    def assign(self, actor, data):
        actor, command = actor_of(actor), load(schemas.AssignSchema(), data)
        with self.db as uow:
            return schemas.InboxDetailSchema().dump(Inbox(uow, SETTINGS).assign(actor, command))

    @rpc
    def decide(self, actor, data):
        actor, command = actor_of(actor), load(schemas.DecideSchema(), data)
        with self.db as uow:
            decision = schemas.DecisionSchema().dump(Inbox(uow, SETTINGS).decide(actor, command))
        if SETTINGS.undo_seconds <= 0:
            self._apply_due()  # no undo window: the decision takes effect now
        return decision

    @rpc
    def undo_decision(self, actor, data):
        actor = actor_of(actor)
        decision_id = str(load(schemas.DecisionIdSchema(), data)["decision_id"])
        with self.db as uow:
            decision = schemas.DecisionSchema().dump(Inbox(uow, SETTINGS).undo(actor, decision_id))
        business_metrics.count_undone()
        return decision

    @rpc
    def receive_dossier_answer(self, data):
        """A scheme's signed answer, as the gateway received it (body and headers untouched)."""
        command = load(schemas.SchemeAnswerSchema(), data)
        with self.db as uow:
            dossier = schemas.DossierSchema().dump(Deliveries(uow, SETTINGS).receive_answer(command))
        business_metrics.count_scheme_answer()
        return dossier

    # --- the one history ------------------------------------------------------------------------------

    @rpc
    def idea_timeline(self, data):
        idea_id = idea_id_of(data)
        with self.db as uow:
            return schemas.TimelineSchema().dump(History(uow, SETTINGS).idea_timeline(idea_id))

    @rpc
    def trace(self, actor, data):
        actor, correlation_id = actor_of(actor), load(schemas.CorrelationSchema(), data)["correlation_id"]
        with self.db as uow:
            return schemas.TraceSchema().dump(History(uow, SETTINGS).lookup(actor, correlation_id))

    # --- GDPR -----------------------------------------------------------------------------------------

    @rpc
    def export_personal_data(self, account_id):
        account_id = str(load(schemas.AccountIdSchema(), {"account_id": account_id})["account_id"])
        with self.db as uow:
            return Inbox(uow, SETTINGS).export_personal_data(account_id)

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
            return Inbox(uow, SETTINGS).receive_idea(envelope, idea)

    def _record(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return History(uow, SETTINGS).record_event(envelope)

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return Inbox(uow, SETTINGS).forget_account(envelope)

    # The author (and an agent an idea is confided to) is e-mailed from routing's own events (once per event;
    # retried while accounts is down).

    @event_handler(SERVICE_NAME, events.IDEA_FORWARDED)
    def notify_forwarded(self, data):
        return self._notify_author(data)

    @event_handler(SERVICE_NAME, events.IDEA_ANSWERED)
    def notify_answered(self, data):
        return self._notify_author(data)

    @event_handler(SERVICE_NAME, events.IDEA_NOT_RETAINED)
    def notify_not_retained(self, data):
        return self._notify_author(data)

    @event_handler(SERVICE_NAME, events.DOSSIER_ANSWERED)
    def notify_dossier_answered(self, data):
        return self._notify_author(data)

    @event_handler(SERVICE_NAME, events.IDEA_ASSIGNED)
    def notify_assigned_agent(self, data):
        """The agent an idea was confided to (by someone else) is told by e-mail."""
        return self._notify_author(data)

    def _notify_author(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            message = Inbox(uow, SETTINGS).notification(envelope)
            if message is not None:
                self._send_notification(message)  # inside: if accounts does not answer, nothing is recorded
        return message is not None

    def _send_notification(self, message: dict):
        # a passing failure: the event goes back to the queue and the e-mail is asked for again
        return self._peer(self.accounts, PeerUnavailable).notify(message)

    # --- timers ---------------------------------------------------------------------------------------

    @timer(interval=SWEEP_SECONDS)
    def sweep(self):
        """Applies the decisions whose undo window passed, and refreshes the inbox and delivery gauges."""
        self._apply_due()
        with self.db as uow:
            business_metrics.set_waiting(*Inbox(uow, SETTINGS).waiting_counts())
            business_metrics.set_given_up(Deliveries(uow, SETTINGS).given_up_counts())

    def _apply_due(self):
        with self.db as uow:
            due = Inbox(uow, SETTINGS).due_decisions()
        for decision_id, action in due:
            merge_error = self._merge_if_duplicate(decision_id) if action == domain.DUPLICATE else None
            with self.db as uow:
                applied = Inbox(uow, SETTINGS).apply_decision(decision_id, merge_error)
            if applied:
                business_metrics.count_applied(**applied)

    def _merge_if_duplicate(self, decision_id: str) -> str | None:
        """Merges the idea in the ideas service before the decision is marked applied; what it refused, if any."""
        with self.db as uow:
            plan = Inbox(uow, SETTINGS).merge_plan(decision_id)
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

    @timer(interval=DELIVERY_SECONDS)
    def deliver_webhooks(self):
        """Calls the webhooks of the dossiers not delivered yet; a failure waits longer each time."""
        with self.db as uow:
            claims = Deliveries(uow, SETTINGS).claim_due()
        for claim in claims:
            status, error = None, None
            try:
                status = post(claim["url"], claim["body"].encode(), Deliveries.signed_headers(claim),
                              SETTINGS.webhook_timeout_seconds)
            except (OSError, ValueError) as failure:  # refused, timed out, bad address
                error = f"{type(failure).__name__}: {failure}"
            with self.db as uow:
                delivered = Deliveries(uow, SETTINGS).record_attempt(claim["id"], status, error)
            business_metrics.count_webhook(delivered)
            if not delivered:
                log.warning("webhook delivery failed, will retry",
                            extra={"dossier": claim["reference"], "status": status, "error": error})

    @timer(interval=RECONCILE_TICK)
    def reconcile(self):
        """Soon after start, then every ROUTING_RECONCILE_SECONDS: the open ideas of the idea box whose
        `idea_submitted` never reached routing join the inbox (see reconciliation.py)."""
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
