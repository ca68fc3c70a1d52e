"""nameko entrypoints of the budget service: load the schema, run the use case, dump the result."""
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.errors import HubError
from hubkit.metrics import EntrypointMetrics, metrics_response
from hubkit.outbox import OutboxRelayProvider
from hubkit.validation import load
from nameko.rpc import RpcProxy
from nameko.rpc import rpc as nameko_rpc
from nameko.timer import timer
from nameko.web.handlers import http

from . import SERVICE_NAME, peers, schemas
from .business_metrics import count_ballot, count_project, count_tally
from .handlers import Budget
from .models import Base
from .peers import PEER_TIMEOUT, BoundedRpc

rpc = nameko_rpc(expected_exceptions=HubError)


def actor_of(value) -> dict:
    return load(schemas.ActorSchema(), value)


def cycle_id_of(data) -> str:
    return str(load(schemas.CycleIdSchema(), data)["cycle_id"])


class BudgetService:
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    accounts = RpcProxy("accounts", expiration=PEER_TIMEOUT)

    def _budget(self, uow) -> Budget:
        return Budget(uow, accounts=BoundedRpc(self.accounts, peers.PEER_TIMEOUT))

    @rpc
    def health(self):
        return {"service": SERVICE_NAME, "status": "ok"}

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

    # --- the vote -------------------------------------------------------------------------------------

    @rpc
    def cast_ballot(self, actor, data):
        actor, command = actor_of(actor), load(schemas.BallotSchema(), data)
        with count_ballot(), self.db as uow:
            return schemas.BallotReceiptSchema().dump(self._budget(uow).cast_ballot(actor, command))

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

    @timer(interval=2)
    def relay_pending(self):
        """Publishes events left pending (broker down, or a crash between commit and publish)."""
        self.outbox.poll()

    @http("GET", "/metrics")
    def prometheus(self, request):
        return metrics_response()

    @http("GET", "/healthz")
    def healthz(self, request):
        return 200, "ok"
