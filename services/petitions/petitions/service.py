"""nameko entrypoints of the petitions service: load the schema, run the use case, dump the result."""
from nameko.timer import timer

from hubkit import batching
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.errors import HubError, InvalidInput, ServiceUnavailable
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.rpc import SignedRpcProxy
from hubkit.service_base import Infrastructure, rpc
from hubkit.throttle import RedisThrottle
from hubkit.validation import load

from . import SERVICE_NAME, peers, schemas
from .business_metrics import (count_closed, count_draft, count_moderation, count_refusals,
                               count_sponsorship, count_thresholds_caught)
from .handlers import Context, Petitions
from .models import Base
from .peers import PEER_TIMEOUT, BoundedRpc, PeerUnavailable
from .schemas.open_data import OpenDataPageQuerySchema, dump_page
from .settings import load_settings

SETTINGS = load_settings()  # read once, when the service starts: a bad value stops it, naming the variable
MAX_BATCH = 1000  # signatures per sign_petitions call (the gateway's CallBatcher sends at most 500)

# Schemas are built once: building one deep-copies its fields (a PetitionSchema costs more than a read of the
# petition); an instance holds no state between loads and dumps.
ACTOR, PETITION_ID, PETITION, SIGNATURE_RESULT = (schemas.ActorSchema(), schemas.PetitionIdSchema(),
                                                  schemas.PetitionSchema(), schemas.SignatureResultSchema())
LIST_QUERY, PETITION_PAGE, MY_PETITIONS = (schemas.ListQuerySchema(), schemas.PetitionPageSchema(),
                                           schemas.MyPetitionsSchema())
DRAFT, DRAFT_UPDATE, SPONSOR_TOKEN, SPONSORSHIP = (schemas.DraftSchema(), schemas.DraftUpdateSchema(),
                                                   schemas.SponsorTokenSchema(), schemas.SponsorshipSchema())
MODERATION_QUEUE, PUBLISH, REJECT = schemas.ModerationQueueSchema(), schemas.PublishSchema(), schemas.RejectSchema()
TRENDS_QUERY, TRENDS = schemas.TrendsQuerySchema(), schemas.SignatureTrendsSchema()
INVALIDATION, INVALIDATION_RESULT = schemas.InvalidationSchema(), schemas.InvalidationResultSchema()
COUNCIL_AGENDA, COUNCIL_PLACEMENT, RESPONSE = (schemas.CouncilAgendaSchema(), schemas.CouncilPlacementSchema(),
                                               schemas.ResponseSchema())
ACCOUNT_ID = schemas.AccountIdSchema()
SIMILAR_QUERY, SIMILAR_CONTENT = schemas.SimilarContentQuerySchema(), schemas.SimilarContentSchema()
OPEN_DATA_QUERY = OpenDataPageQuerySchema()


def actor_of(value) -> dict:
    return load(ACTOR, value)


def petition_id_of(data) -> str:
    return str(load(PETITION_ID, data)["petition_id"])


class PetitionsService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    throttle = RedisThrottle()
    accounts = SignedRpcProxy("accounts", expiration=PEER_TIMEOUT)
    ideas = SignedRpcProxy("ideas", expiration=PEER_TIMEOUT)

    def _petitions(self, uow, peer_error=ServiceUnavailable) -> Petitions:
        """The use cases, by group; `peer_error`: what a call to accounts that gets no answer in time raises."""
        accounts = BoundedRpc(self.accounts, peers.PEER_TIMEOUT, peer_error)
        return Petitions(Context(uow, self.throttle, accounts, SETTINGS))

    @rpc
    def reference_data(self):
        """Statuses, rejection codes, decisions, eligibility rules and the City's settings, for forms."""
        return self._petitions(None).reading.reference_data()

    # --- reading ----------------------------------------------------------------------------

    @rpc
    def list_petitions(self, data):
        query = load(LIST_QUERY, data)
        with self.db as uow:
            return PETITION_PAGE.dump(self._petitions(uow).reading.list_petitions(query))

    @rpc
    def similar_content(self, data):
        """Public: the open and successful petitions closest to a text being typed (handlers/suggestions.py)."""
        query = load(SIMILAR_QUERY, data)
        with self.db as uow:
            return SIMILAR_CONTENT.dump(self._petitions(uow).suggestions.similar_content(query))

    @rpc
    def open_data_page(self, data):
        """Public, anonymised: a page of an open dataset (handlers/open_data.py); the gateway's alone (hubkit.calls)."""
        query = load(OPEN_DATA_QUERY, data)
        with self.db as uow:
            return dump_page(query["dataset"], self._petitions(uow).open_data.dataset_page(query))

    @rpc
    def get_petition(self, data, actor=None):
        """`actor`: the signed-in reader, if any (drafts are shown to their author; the page says what they did)."""
        petition_id, viewer = petition_id_of(data), actor_of(actor) if actor is not None else None
        with self.db as uow:
            return PETITION.dump(self._petitions(uow).reading.get_petition(petition_id, viewer))

    @rpc
    def my_petitions(self, actor):
        actor = actor_of(actor)
        with self.db as uow:
            return MY_PETITIONS.dump(self._petitions(uow).reading.my_petitions(actor))

    # --- drafting and co-sponsors -------------------------------------------------------------

    @rpc
    def draft_petition(self, actor, data):
        actor, command = actor_of(actor), load(DRAFT, data)
        with self.db as uow:
            petition = PETITION.dump(self._petitions(uow).drafting.draft_petition(actor, command))
        count_draft()
        return petition

    @rpc
    def update_draft(self, actor, data):
        actor, command = actor_of(actor), load(DRAFT_UPDATE, data)
        with self.db as uow:
            return PETITION.dump(self._petitions(uow).drafting.update_draft(actor, command))

    @rpc
    def sponsor_view(self, actor, data):
        actor, token = actor_of(actor), load(SPONSOR_TOKEN, data)["token"]
        with self.db as uow:
            return PETITION.dump(self._petitions(uow).drafting.sponsor_view(actor, token))

    @rpc
    def sponsor_petition(self, actor, data):
        actor, token = actor_of(actor), load(SPONSOR_TOKEN, data)["token"]
        with self.db as uow:
            result = SPONSORSHIP.dump(self._petitions(uow).drafting.sponsor(actor, token))
        count_sponsorship()
        return result

    @rpc
    def submit_petition(self, actor, data):
        actor, petition_id = actor_of(actor), petition_id_of(data)
        with self.db as uow:
            return PETITION.dump(self._petitions(uow).drafting.submit(actor, petition_id))

    # --- moderation -------------------------------------------------------------------------

    @rpc
    def moderation_queue(self, actor):
        actor = actor_of(actor)
        with self.db as uow:
            return MODERATION_QUEUE.dump(self._petitions(uow).moderation.moderation_queue(actor))

    @rpc
    def publish_petition(self, actor, data):
        actor, command = actor_of(actor), load(PUBLISH, data)
        with self.db as uow:
            petition = PETITION.dump(self._petitions(uow).moderation.publish(actor, command))
        count_moderation("published")
        return petition

    @rpc
    def reject_petition(self, actor, data):
        actor, command = actor_of(actor), load(REJECT, data)
        with self.db as uow:
            petition = PETITION.dump(self._petitions(uow).moderation.reject(actor, command))
        count_moderation("rejected")
        return petition

    # --- signing ----------------------------------------------------------------------------

    @rpc
    def sign_petitions(self, batch):
        """Signatures coalesced by the gateway (hubkit.batching): each item {"context", "payload": {"actor",
        "petition_id", "connection", "notify", "client"}}, applied in one transaction; one outcome per item."""
        items = batching.unpack(batch)
        if len(items) > MAX_BATCH:
            raise InvalidInput(details={"batch": [f"Au plus {MAX_BATCH} signatures par lot."]})
        with self.db as uow:
            outcomes = self._petitions(uow).signing.sign_batch(items)
        count_refusals(outcomes)
        return batching.answer([outcome if isinstance(outcome, HubError) else SIGNATURE_RESULT.dump(outcome)
                                for outcome in outcomes])

    # --- anti-fraud (moderators) --------------------------------------------------------------

    @rpc
    def signature_trends(self, actor, data):
        actor, query = actor_of(actor), load(TRENDS_QUERY, data)
        with self.db as uow:
            return TRENDS.dump(self._petitions(uow).anti_fraud.signature_trends(actor, query))

    @rpc
    def invalidate_signatures(self, actor, data):
        actor, command = actor_of(actor), load(INVALIDATION, data)
        with self.db as uow:
            return INVALIDATION_RESULT.dump(self._petitions(uow).anti_fraud.invalidate_signatures(actor, command))

    # --- the Council of Paris -----------------------------------------------------------------

    @rpc
    def council_agenda(self, actor):
        actor = actor_of(actor)
        with self.db as uow:
            return COUNCIL_AGENDA.dump(self._petitions(uow).council.council_agenda(actor))

    @rpc
    def schedule_for_council(self, actor, data):
        actor, command = actor_of(actor), load(COUNCIL_PLACEMENT, data)
        with self.db as uow:
            return PETITION.dump(self._petitions(uow).council.schedule_for_council(actor, command))

    @rpc
    def record_response(self, actor, data):
        actor, command = actor_of(actor), load(RESPONSE, data)
        with self.db as uow:
            return PETITION.dump(self._petitions(uow).council.record_response(actor, command))

    @rpc
    def close_petition(self, actor, data):
        actor, petition_id = actor_of(actor), petition_id_of(data)
        with self.db as uow:
            petition = PETITION.dump(self._petitions(uow).council.close(actor, petition_id))
        count_closed()
        return petition

    # --- GDPR -----------------------------------------------------------------------------------

    @rpc
    def export_personal_data(self, account_id):
        account_id = load(ACCOUNT_ID, {"account_id": account_id})["account_id"]
        with self.db as uow:
            return self._petitions(uow).personal_data.export_personal_data(account_id)

    # Event handlers return whether they applied the event (False: a redelivery, or nothing to do);
    # nameko ignores the value, tests read it. hubkit's event_handler puts an event back in the queue after a
    # passing failure (database, or accounts/ideas not answering: PeerUnavailable); a HubError is final.

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._petitions(uow).personal_data.forget_account(envelope)

    @event_handler("accounts", "account_profile_updated")
    def refresh_author_pseudonym(self, data):
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._petitions(uow, PeerUnavailable).personal_data.refresh_author_pseudonym(envelope)

    @event_handler("routing", "idea_forwarded")
    def draft_from_forwarded_idea(self, data):
        """An idea forwarded to the petitions scheme becomes a draft of its author."""
        envelope = receive(data, self.correlation, self.name)
        with self.db as uow:
            return self._petitions(uow, PeerUnavailable).forwarded_ideas.draft_from_forwarded_idea(
                envelope, BoundedRpc(self.ideas, peers.PEER_TIMEOUT, PeerUnavailable))

    @timer(interval=SETTINGS.sweep_seconds)
    def sweep(self):
        """Closes petitions past their deadline, catches threshold crossings no signer saw and the totals of the
        popular order a signing write skipped (idempotent)."""
        with self.db as uow:
            closed = self._petitions(uow).sweep.close_expired()
        with self.db as uow:
            caught = self._petitions(uow).sweep.reach_missed_thresholds()
        with self.db as uow:
            self._petitions(uow).sweep.refresh_signature_totals()
        count_closed(closed)
        count_thresholds_caught(caught)

    @timer(interval=SETTINGS.ip_purge_seconds)
    def purge_signer_ips(self):
        """Erases signers' client addresses past PETITIONS_SIGNER_IP_RETENTION_DAYS (idempotent, replica-safe)."""
        with self.db as uow:
            self._petitions(uow).sweep.purge_signer_ips()
