"""nameko entrypoints of the budget service: load the schema, run the use case, dump the result."""
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit import batching
from hubkit.errors import HubError, InvalidInput
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.rpc import SignedRpcProxy
from hubkit.service_base import Infrastructure, rpc
from hubkit.throttle import RedisThrottle
from hubkit.validation import load

from . import SERVICE_NAME, peers, schemas
from .business_metrics import count_ballot, count_ballot_outcomes, count_project, count_tally
from .handlers import Budget
from .models import Base
from .voting import MAX_BATCH
from .peers import PEER_TIMEOUT, BoundedRpc, PeerUnavailable

# Built once: a schema instance holds no per-call state, and building one deep-copies its fields (on the ballot
# path that was two schemas per ballot).
ACTOR = schemas.ActorSchema()
BALLOT = schemas.BallotSchema()


def actor_of(value) -> dict:
    return load(ACTOR, value)


def _ballot_entry(item):
    """(item, actor, command) of one batched ballot, or the InvalidInput that is its outcome."""
    actor, ballot = schemas.quick_actor(item.payload.get("actor")), schemas.quick_ballot(item.payload.get("ballot"))
    if actor is not None and ballot is not None:
        return item, actor, ballot
    try:
        return item, actor_of(item.payload.get("actor")), load(BALLOT, item.payload.get("ballot"))
    except InvalidInput as error:
        return error


def cycle_id_of(data) -> str:
    return str(load(schemas.CycleIdSchema(), data)["cycle_id"])


class BudgetService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    accounts = SignedRpcProxy("accounts", expiration=PEER_TIMEOUT)
    ideas = SignedRpcProxy("ideas", expiration=PEER_TIMEOUT)
    throttle = RedisThrottle()

    def _budget(self, uow) -> Budget:
        return Budget(uow, accounts=BoundedRpc(self.accounts, peers.PEER_TIMEOUT),
                      ideas=BoundedRpc(self.ideas, peers.PEER_TIMEOUT), throttle=self.throttle)

    @rpc
    def reference_data(self):
        """Stages, themes, scales, sectors, project statuses and eligibility rules, for forms."""
        return Budget(None).reference_data()

    # --- cycles ---------------------------------------------------------------------------------------

    @rpc
    def list_cycles(self):
        with self.db as uow:
            return schemas.CycleSchema(many=True).dump(self._budget(uow).list_cycles())

    @rpc
    def get_cycle(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return schemas.CycleSchema().dump(self._budget(uow).get_cycle(cycle_id))

    @rpc
    def create_cycle(self, actor, data):
        actor, command = actor_of(actor), load(schemas.CycleCreateSchema(), data)
        with self.db as uow:
            return schemas.CycleSchema().dump(self._budget(uow).create_cycle(actor, command))

    @rpc
    def advance_stage(self, actor, data):
        actor, command = actor_of(actor), load(schemas.AdvanceSchema(), data)
        with self.db as uow:
            cycle = schemas.CycleSchema().dump(self._budget(uow).advance_stage(actor, command))
        if cycle["stage"] == "results":
            count_tally()
        return cycle

    # --- projects -------------------------------------------------------------------------------------

    @rpc
    def submit_project(self, actor, data):
        actor, command = actor_of(actor), load(schemas.ProjectSubmitSchema(), data)
        with self.db as uow:
            project = schemas.ProjectSchema().dump(self._budget(uow).submit_project(actor, command))
        count_project()
        return project

    @rpc
    def list_projects(self, data, actor=None):
        query, viewer = load(schemas.ProjectListQuerySchema(), data), actor_of(actor) if actor else None
        with self.db as uow:
            return schemas.ProjectPageSchema().dump(self._budget(uow).list_projects(query, viewer))

    @rpc
    def project_counts(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return schemas.ProjectCountsSchema().dump(self._budget(uow).project_counts(cycle_id))

    @rpc
    def get_project(self, data, actor=None):
        project_id = load(schemas.ProjectIdSchema(), data)["project_id"]
        viewer = actor_of(actor) if actor else None
        with self.db as uow:
            return schemas.ProjectSchema().dump(self._budget(uow).get_project(project_id, viewer))

    @rpc
    def decide_study(self, actor, data):
        actor, command = actor_of(actor), load(schemas.StudySchema(), data)
        with self.db as uow:
            return schemas.ProjectSchema().dump(self._budget(uow).decide_study(actor, command))

    @rpc
    def select_project(self, actor, data):
        actor, command = actor_of(actor), load(schemas.SelectSchema(), data)
        with self.db as uow:
            return schemas.ProjectSchema().dump(self._budget(uow).select_project(actor, command))

    @rpc
    def my_projects(self, actor):
        actor = actor_of(actor)
        with self.db as uow:
            return schemas.MyProjectsSchema().dump(self._budget(uow).my_projects(actor))

    @rpc
    def confirm_draft_project(self, actor, data):
        actor, command = actor_of(actor), load(schemas.DraftConfirmSchema(), data)
        with self.db as uow:
            project = schemas.ProjectSchema().dump(self._budget(uow).confirm_draft_project(actor, command))
        count_project()
        return project

    # --- co-construction ------------------------------------------------------------------------------

    @rpc
    def merge_projects(self, actor, data):
        actor, command = actor_of(actor), load(schemas.MergeSchema(), data)
        with self.db as uow:
            return schemas.ProjectSchema().dump(self._budget(uow).merge_projects(actor, command))

    @rpc
    def answer_merge_invitation(self, actor, data):
        actor, command = actor_of(actor), load(schemas.MergeAnswerSchema(), data)
        with self.db as uow:
            return schemas.ProjectSchema().dump(self._budget(uow).answer_merge_invitation(actor, command))

    # --- implementation tracking and follows ----------------------------------------------------------

    @rpc
    def change_project_status(self, actor, data):
        actor, command = actor_of(actor), load(schemas.StatusChangeSchema(), data)
        with self.db as uow:
            return schemas.ProjectSchema().dump(self._budget(uow).change_project_status(actor, command))

    @rpc
    def follow_project(self, actor, data):
        actor, command = actor_of(actor), load(schemas.FollowSchema(), data)
        with self.db as uow:
            return schemas.FollowStateSchema().dump(self._budget(uow).follow_project(actor, command))

    @rpc
    def unfollow_project(self, actor, data):
        actor, command = actor_of(actor), load(schemas.FollowSchema(), data)
        with self.db as uow:
            return schemas.FollowStateSchema().dump(self._budget(uow).unfollow_project(actor, command))

    # --- the vote -------------------------------------------------------------------------------------

    @rpc
    def cast_ballot(self, actor, data):
        actor, command = actor_of(actor), load(BALLOT, data)
        with count_ballot(), self.db as uow:
            return schemas.dump_ballot_receipt(self._budget(uow).cast_ballot(actor, command))

    @rpc
    def cast_ballots(self, batch):
        """Ballots coalesced by the gateway (hubkit.batching): each item {"context", "payload": {"actor", "ballot"}},
        applied in one transaction after one accounts call for every voter of the batch; one outcome per item."""
        items = batching.unpack(batch)
        if len(items) > MAX_BATCH:
            raise InvalidInput(details={"batch": [f"Au plus {MAX_BATCH} bulletins par lot."]})
        entries = [_ballot_entry(item) for item in items]
        account_ids = sorted({str(entry[1]["account_id"]) for entry in entries if not isinstance(entry, HubError)})
        attributes = {}
        if account_ids:
            found = BoundedRpc(self.accounts, peers.PEER_TIMEOUT).eligibility_attributes_many(
                {"account_ids": account_ids})
            attributes = {str(row["account_id"]): row for row in found}
        with self.db as uow:
            outcomes = self._budget(uow).cast_ballots(entries, attributes)
        count_ballot_outcomes(outcomes)
        return batching.answer([outcome if isinstance(outcome, HubError) else schemas.dump_ballot_receipt(outcome)
                                for outcome in outcomes])

    @rpc
    def record_paper_ballot(self, actor, data):
        actor, command = actor_of(actor), load(schemas.PaperBallotSchema(), data)
        with count_ballot(), self.db as uow:
            return schemas.PaperBallotReceiptSchema().dump(self._budget(uow).record_paper_ballot(actor, command))

    @rpc
    def my_ballot(self, actor, data):
        actor, cycle_id = actor_of(actor), cycle_id_of(data)
        with self.db as uow:
            return schemas.MyBallotSchema().dump(self._budget(uow).my_ballot(actor, cycle_id))

    @rpc
    def check_receipt(self, data):
        command = load(schemas.ReceiptSchema(), data)
        with self.db as uow:
            return schemas.ReceiptCheckSchema().dump(self._budget(uow).check_receipt(command))

    @rpc
    def live_counts(self, actor, data):
        actor, cycle_id = actor_of(actor), cycle_id_of(data)
        with self.db as uow:
            return schemas.LiveCountsSchema().dump(self._budget(uow).live_counts(actor, cycle_id))

    @rpc
    def results(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return schemas.ResultsSchema().dump(self._budget(uow).results(cycle_id))

    # --- open data -----------------------------------------------------------------------------------

    @rpc
    def export_projects_csv(self, data=None):
        query = load(schemas.ExportQuerySchema(), data or {})
        with self.db as uow:
            return schemas.CsvExportSchema().dump(self._budget(uow).export_projects_csv(query))

    @rpc
    def export_results_csv(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return schemas.CsvExportSchema().dump(self._budget(uow).export_results_csv(cycle_id))

    # --- pabulib --------------------------------------------------------------------------------------

    @rpc
    def import_pabulib(self, actor, data):
        actor, command = actor_of(actor), load(schemas.PabulibImportSchema(), data)
        with self.db as uow:
            return schemas.CycleSchema().dump(self._budget(uow).import_pabulib(actor, command))

    @rpc
    def export_pabulib(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return schemas.PabulibExportSchema().dump(self._budget(uow).export_pabulib(cycle_id))

    # --- GDPR -----------------------------------------------------------------------------------------

    @rpc
    def export_personal_data(self, account_id):
        account_id = load(schemas.AccountIdSchema(), {"account_id": account_id})["account_id"]
        with self.db as uow:
            return self._budget(uow).export_personal_data(account_id)

    # Event handlers return whether they applied the event (False: a redelivery); nameko ignores the value,
    # tests read it. hubkit's event_handler puts an event back in the queue after a passing failure.

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._budget(uow).forget_account(envelope)

    @event_handler("routing", "idea_forwarded")
    def draft_forwarded_idea(self, data):
        """An idea forwarded to the budget scheme becomes a draft project of its author."""
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._budget(uow).draft_forwarded_idea(envelope, BoundedRpc(self.ideas, peers.PEER_TIMEOUT,
                                                                                PeerUnavailable))

    # E-mails from the service's own events (accounts sends them; see budget/notifications.py).

    @event_handler(SERVICE_NAME, "projects_merged")
    def notify_merge_invitation(self, data):
        return self._notify(data)

    @event_handler(SERVICE_NAME, "project_status_changed")
    def notify_status_change(self, data):
        return self._notify(data)

    @event_handler(SERVICE_NAME, "project_drafted")
    def notify_draft(self, data):
        return self._notify(data)

    def _notify(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._budget(uow).notification(envelope, BoundedRpc(self.accounts, peers.NOTIFY_TIMEOUT,
                                                                        PeerUnavailable).notify)
