"""nameko entrypoints of the budget service: load the schema, run the use case, dump the result.

The settings are read once, here, when the service starts; schemas are built once (an instance holds no per-call
state, and building one deep-copies its fields); each entrypoint builds the use-case group it needs on a context
(handlers/common.py)."""
from hubkit import batching
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.errors import HubError, InvalidInput
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.rpc import SignedRpcProxy
from hubkit.service_base import Infrastructure, rpc
from hubkit.throttle import RedisThrottle
from hubkit.validation import load

from . import SERVICE_NAME, peers, schemas
from .business_metrics import count_project, count_refusals, count_tally, counting_refusal
from .handlers import (CoConstruction, Context, Cycles, Drafts, Gdpr, PabulibFiles, PaperBallots,
                       ParisData, Projects, ProjectViews, Results, Tracking, Voting)
from .handlers.voting import MAX_BATCH
from .models import Base
from .peers import BoundedRpc, CityReference, PeerUnavailable
from .settings import Settings

SETTINGS = Settings()
REFERENCE = CityReference()  # accounts' directions and Paris postcodes, kept a few minutes for every worker

ACTOR, BALLOT = schemas.ActorSchema(), schemas.BallotSchema()
CYCLE_ID, PROJECT_ID, ACCOUNT_ID = schemas.CycleIdSchema(), schemas.ProjectIdSchema(), schemas.AccountIdSchema()
CYCLE, CYCLES, PROJECT = schemas.CycleSchema(), schemas.CycleSchema(many=True), schemas.ProjectSchema()
ADVANCE = schemas.AdvanceSchema()
CSV_EXPORT = schemas.CsvExportSchema()
CYCLE_CREATE = schemas.CycleCreateSchema()
DRAFT_CONFIRM = schemas.DraftConfirmSchema()
EXPORT_QUERY = schemas.ExportQuerySchema()
FOLLOW = schemas.FollowSchema()
FOLLOW_STATE = schemas.FollowStateSchema()
LIVE_COUNTS = schemas.LiveCountsSchema()
MERGE_ANSWER = schemas.MergeAnswerSchema()
MERGE = schemas.MergeSchema()
MY_BALLOT = schemas.MyBallotSchema()
MY_PROJECTS = schemas.MyProjectsSchema()
PABULIB_EXPORT = schemas.PabulibExportSchema()
PABULIB_IMPORT = schemas.PabulibImportSchema()
PAPER_BALLOT_RECEIPT = schemas.PaperBallotReceiptSchema()
PAPER_BALLOT = schemas.PaperBallotSchema()
PROJECT_COUNTS = schemas.ProjectCountsSchema()
PROJECT_LIST_QUERY = schemas.ProjectListQuerySchema()
PROJECT_PAGE = schemas.ProjectPageSchema()
PROJECT_SUBMIT = schemas.ProjectSubmitSchema()
RECEIPT_CHECK = schemas.ReceiptCheckSchema()
RECEIPT = schemas.ReceiptSchema()
RESULTS = schemas.ResultsSchema()
SELECT = schemas.SelectSchema()
SIMILAR_CONTENT, SIMILAR_QUERY = schemas.SimilarContentSchema(), schemas.SimilarContentQuerySchema()
STATUS_CHANGE = schemas.StatusChangeSchema()
STUDY = schemas.StudySchema()


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
    return str(load(CYCLE_ID, data)["cycle_id"])


class BudgetService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    accounts = SignedRpcProxy("accounts", expiration=peers.PEER_TIMEOUT)
    ideas = SignedRpcProxy("ideas", expiration=peers.PEER_TIMEOUT)
    throttle = RedisThrottle()

    def _context(self, uow) -> Context:
        return Context(uow, SETTINGS, accounts=BoundedRpc(self.accounts, peers.PEER_TIMEOUT),
                       ideas=BoundedRpc(self.ideas, peers.PEER_TIMEOUT), throttle=self.throttle, reference=REFERENCE)

    @rpc
    def reference_data(self):
        """Stages, themes, scales, sectors, project statuses, eligibility rules and directions, for forms."""
        return Cycles(self._context(None)).reference_data()

    # --- cycles ---------------------------------------------------------------------------------------

    @rpc
    def list_cycles(self):
        with self.db as uow:
            return CYCLES.dump(Cycles(self._context(uow)).list_cycles())

    @rpc
    def get_cycle(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return CYCLE.dump(Cycles(self._context(uow)).get_cycle(cycle_id))

    @rpc
    def create_cycle(self, actor, data):
        actor, command = actor_of(actor), load(CYCLE_CREATE, data)
        with self.db as uow:
            return CYCLE.dump(Cycles(self._context(uow)).create_cycle(actor, command))

    @rpc
    def advance_stage(self, actor, data):
        actor, command = actor_of(actor), load(ADVANCE, data)
        with self.db as uow:
            cycle = CYCLE.dump(Cycles(self._context(uow)).advance_stage(actor, command))
        if cycle["stage"] == "results":
            count_tally()
        return cycle

    # --- projects -------------------------------------------------------------------------------------

    @rpc
    def submit_project(self, actor, data):
        actor, command = actor_of(actor), load(PROJECT_SUBMIT, data)
        with self.db as uow:
            project = PROJECT.dump(Projects(self._context(uow)).submit_project(actor, command))
        count_project()
        return project

    @rpc
    def list_projects(self, data, actor=None):
        query, viewer = load(PROJECT_LIST_QUERY, data), actor_of(actor) if actor else None
        with self.db as uow:
            return PROJECT_PAGE.dump(ProjectViews(self._context(uow)).list_projects(query, viewer))

    @rpc
    def similar_content(self, data):
        """Public, as the lists: the projects of every edition closest to a text being typed (the similar panel)."""
        query = load(SIMILAR_QUERY, data)
        with self.db as uow:
            return SIMILAR_CONTENT.dump(ProjectViews(self._context(uow)).similar_content(query))

    @rpc
    def project_counts(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return PROJECT_COUNTS.dump(ProjectViews(self._context(uow)).project_counts(cycle_id))

    @rpc
    def get_project(self, data, actor=None):
        project_id = load(PROJECT_ID, data)["project_id"]
        viewer = actor_of(actor) if actor else None
        with self.db as uow:
            return PROJECT.dump(ProjectViews(self._context(uow)).get_project(project_id, viewer))

    @rpc
    def decide_study(self, actor, data):
        actor, command = actor_of(actor), load(STUDY, data)
        with self.db as uow:
            return PROJECT.dump(Projects(self._context(uow)).decide_study(actor, command))

    @rpc
    def select_project(self, actor, data):
        actor, command = actor_of(actor), load(SELECT, data)
        with self.db as uow:
            return PROJECT.dump(Projects(self._context(uow)).select_project(actor, command))

    @rpc
    def my_projects(self, actor):
        actor = actor_of(actor)
        with self.db as uow:
            return MY_PROJECTS.dump(ProjectViews(self._context(uow)).my_projects(actor))

    @rpc
    def confirm_draft_project(self, actor, data):
        actor, command = actor_of(actor), load(DRAFT_CONFIRM, data)
        with self.db as uow:
            project = PROJECT.dump(Drafts(self._context(uow)).confirm_draft_project(actor, command))
        count_project()
        return project

    # --- co-construction ------------------------------------------------------------------------------

    @rpc
    def merge_projects(self, actor, data):
        actor, command = actor_of(actor), load(MERGE, data)
        with self.db as uow:
            return PROJECT.dump(CoConstruction(self._context(uow)).merge_projects(actor, command))

    @rpc
    def answer_merge_invitation(self, actor, data):
        actor, command = actor_of(actor), load(MERGE_ANSWER, data)
        with self.db as uow:
            return PROJECT.dump(CoConstruction(self._context(uow)).answer_merge_invitation(actor, command))

    # --- implementation tracking and follows ----------------------------------------------------------

    @rpc
    def change_project_status(self, actor, data):
        actor, command = actor_of(actor), load(STATUS_CHANGE, data)
        with self.db as uow:
            return PROJECT.dump(Tracking(self._context(uow)).change_project_status(actor, command))

    @rpc
    def follow_project(self, actor, data):
        actor, command = actor_of(actor), load(FOLLOW, data)
        with self.db as uow:
            return FOLLOW_STATE.dump(Tracking(self._context(uow)).follow_project(actor, command))

    @rpc
    def unfollow_project(self, actor, data):
        actor, command = actor_of(actor), load(FOLLOW, data)
        with self.db as uow:
            return FOLLOW_STATE.dump(Tracking(self._context(uow)).unfollow_project(actor, command))

    # --- the vote -------------------------------------------------------------------------------------

    @rpc
    def cast_ballot(self, actor, data):
        actor, command = actor_of(actor), load(BALLOT, data)
        with counting_refusal(), self.db as uow:
            return Voting(self._context(uow)).cast_ballot(actor, command, dump=schemas.dump_ballot_receipt)

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
            outcomes = Voting(self._context(uow)).cast_ballots_once(entries, attributes, schemas.dump_ballot_receipt)
        count_refusals(outcomes)
        return batching.answer(outcomes)

    @rpc
    def record_paper_ballot(self, actor, data):
        actor, command = actor_of(actor), load(PAPER_BALLOT, data)
        with counting_refusal(), self.db as uow:
            return PAPER_BALLOT_RECEIPT.dump(PaperBallots(self._context(uow)).record_paper_ballot(actor, command))

    @rpc
    def my_ballot(self, actor, data):
        actor, cycle_id = actor_of(actor), cycle_id_of(data)
        with self.db as uow:
            return MY_BALLOT.dump(Results(self._context(uow)).my_ballot(actor, cycle_id))

    @rpc
    def check_receipt(self, data):
        command = load(RECEIPT, data)
        with self.db as uow:
            return RECEIPT_CHECK.dump(Results(self._context(uow)).check_receipt(command))

    @rpc
    def live_counts(self, actor, data):
        actor, cycle_id = actor_of(actor), cycle_id_of(data)
        with self.db as uow:
            return LIVE_COUNTS.dump(Results(self._context(uow)).live_counts(actor, cycle_id))

    @rpc
    def results(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return RESULTS.dump(Results(self._context(uow)).results(cycle_id))

    # --- open data -----------------------------------------------------------------------------------

    @rpc
    def export_projects_csv(self, data=None):
        query = load(EXPORT_QUERY, data or {})
        with self.db as uow:
            return CSV_EXPORT.dump(ParisData(self._context(uow)).export_projects_csv(query))

    @rpc
    def export_results_csv(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return CSV_EXPORT.dump(ParisData(self._context(uow)).export_results_csv(cycle_id))

    # --- pabulib --------------------------------------------------------------------------------------

    @rpc
    def import_pabulib(self, actor, data):
        actor, command = actor_of(actor), load(PABULIB_IMPORT, data)
        with self.db as uow:
            return CYCLE.dump(PabulibFiles(self._context(uow)).import_pabulib(actor, command))

    @rpc
    def export_pabulib(self, data):
        cycle_id = cycle_id_of(data)
        with self.db as uow:
            return PABULIB_EXPORT.dump(PabulibFiles(self._context(uow)).export_pabulib(cycle_id))

    # --- GDPR -----------------------------------------------------------------------------------------

    @rpc
    def export_personal_data(self, account_id):
        account_id = load(ACCOUNT_ID, {"account_id": account_id})["account_id"]
        with self.db as uow:
            return Gdpr(self._context(uow)).export_personal_data(account_id)

    # Event handlers return whether they applied the event (False: a redelivery); nameko ignores the value,
    # tests read it. hubkit's event_handler puts an event back in the queue after a passing failure.

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return Gdpr(self._context(uow)).forget_account(envelope)

    @event_handler("routing", "idea_forwarded")
    def draft_forwarded_idea(self, data):
        """An idea forwarded to the budget scheme becomes a draft project of its author."""
        envelope = receive(data, self.correlation, self.name)
        ideas = BoundedRpc(self.ideas, peers.PEER_TIMEOUT, PeerUnavailable)  # a passing outage: retried later
        with self.db as uow:
            return Drafts(self._context(uow)).draft_forwarded_idea(envelope, ideas)

