"""nameko entrypoints of the notifications service: load the schema, run the use case, dump the result."""
from nameko.timer import timer

from hubkit.config import public_url
from hubkit.consumer import event_handler, receive
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.errors import InvalidInput, NotFound
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.rpc import BoundedRpc, PeerUnavailable, SignedRpcProxy
from hubkit.service_base import Infrastructure, rpc
from hubkit.validation import load

from . import SERVICE_NAME, domain, schemas
from .business_metrics import count_emails
from .handlers import Context, Notifications
from .handlers.receiving import EMAIL_PURPOSE
from .models import Base
from .settings import load_settings

SETTINGS = load_settings()  # read once, when the service starts: a bad value stops it, naming the variable
# accounts, and the owners « Mon espace » reads titles from: from an event handler or the digest timer (no citizen
# waits on them)
PEER_TIMEOUT = 3.0

ACTOR, ACCOUNT_ID, EMPTY = schemas.ActorSchema(), schemas.AccountIdSchema(), schemas.EmptySchema()
LIST_QUERY, PAGE, MARK_READ = schemas.ListQuerySchema(), schemas.NotificationPageSchema(), schemas.MarkReadSchema()
UNREAD, PREFERENCES, SET_PREFERENCES = (schemas.UnreadCountSchema(), schemas.PreferencesSchema(),
                                        schemas.SetPreferencesSchema())
UNSUBSCRIBE, UNSUBSCRIBED = schemas.UnsubscribeSchema(), schemas.UnsubscribedSchema()
PAYLOADS = {domain.IDEA_FORWARDED: schemas.AuthorEventSchema(), domain.IDEA_ANSWERED: schemas.AuthorEventSchema(),
            domain.IDEA_NOT_RETAINED: schemas.AuthorEventSchema(),
            domain.DOSSIER_ANSWERED: schemas.DossierAnsweredSchema(), domain.IDEA_MERGED: schemas.IdeaMergedSchema()}
SPACE_EVENT, MY_SPACE_QUERY, MY_SPACE_PAGE = (schemas.SpaceEventSchema(), schemas.MySpaceQuerySchema(),
                                              schemas.MySpacePageSchema())
# The events « Mon espace » reads that no other handler here does (contract §A, §B); one entrypoint each, declared
# in the loop under the class. idea_submitted, idea_merged and routing's author events feed it from their handlers.
SPACE_EVENTS = [("ideas", name) for name in (
    "idea_status_changed", "idea_followed", "idea_unfollowed", "proposal_submitted", "amendment_proposed",
    "amendment_decided", "argument_posted",
    "comment_posted", "questionnaire_answered", "consultation_closed", "synthesis_published")] + [
    ("routing", "dossier_created")] + [("budget", name) for name in (
        "project_submitted", "project_drafted", "project_study_decided", "project_selected", "results_published",
        "project_status_changed", "projects_merged", "project_followed", "project_unfollowed", "ballots_recorded",
        "vote_closed")] + [("petitions", name) for name in (
            "petition_drafted", "petition_submitted", "petition_published", "petition_rejected",
            "petition_threshold_reached", "petition_scheduled_for_council", "petition_answered", "petition_closed",
            "petition_signed", "petition_sponsored", "petition_signatures_recorded",
            "petition_signatures_invalidated")]


def actor_of(value) -> dict:
    return load(ACTOR, value if value is not None else {})


class NotificationsService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    accounts = SignedRpcProxy("accounts", expiration=PEER_TIMEOUT)
    ideas = SignedRpcProxy("ideas", expiration=PEER_TIMEOUT)
    budget = SignedRpcProxy("budget", expiration=PEER_TIMEOUT)
    petitions = SignedRpcProxy("petitions", expiration=PEER_TIMEOUT)
    routing = SignedRpcProxy("routing", expiration=PEER_TIMEOUT)

    def _use(self, uow) -> Notifications:
        return Notifications(Context(uow, SETTINGS, hub_url=public_url()))

    @rpc
    def reference_data(self):
        """Categories and channels with their French labels."""
        return schemas.ReferenceDataSchema().dump({
            "categories": [{"code": code, "label": label} for code, label in domain.CATEGORIES.items()],
            "channels": [{"code": code, "label": label} for code, label in domain.CHANNELS.items()]})

    # --- the person's notifications and preferences (the gateway, for the signed-in person) ------------------------

    @rpc
    def list_notifications(self, actor, data):
        actor, query = actor_of(actor), load(LIST_QUERY, data)
        with self.db as uow:
            return PAGE.dump(self._use(uow).inbox.list_notifications(actor, query))

    @rpc
    def mark_read(self, actor, data):
        actor, command = actor_of(actor), load(MARK_READ, data)
        with self.db as uow:
            return UNREAD.dump(self._use(uow).inbox.mark_read(actor, command))

    @rpc
    def unread_count(self, actor, data=None):
        actor, _ = actor_of(actor), load(EMPTY, data if data is not None else {})
        with self.db as uow:
            return UNREAD.dump(self._use(uow).inbox.unread_count(actor))

    @rpc
    def get_preferences(self, actor, data=None):
        actor, _ = actor_of(actor), load(EMPTY, data if data is not None else {})
        with self.db as uow:
            return PREFERENCES.dump(self._use(uow).preferences.get_preferences(actor))

    @rpc
    def set_preferences(self, actor, data):
        actor, command = actor_of(actor), load(SET_PREFERENCES, data)
        with self.db as uow:
            return PREFERENCES.dump(self._use(uow).preferences.set_preferences(actor, command))

    @rpc
    def unsubscribe(self, actor, data):
        """Any caller, signed in or not: the signed token is the authority (the e-mail's one-click link)."""
        token = load(UNSUBSCRIBE, data)["token"]
        with self.db as uow:
            return UNSUBSCRIBED.dump(self._use(uow).preferences.unsubscribe(token))

    @rpc
    def my_space(self, actor, data):
        """« Mon espace »: what the signed-in person took part in, newest first."""
        actor, query = actor_of(actor), load(MY_SPACE_QUERY, data if data is not None else {})
        with self.db as uow:
            return MY_SPACE_PAGE.dump(self._use(uow).my_space.my_space(actor, query))

    @rpc
    def export_personal_data(self, account_id):
        account_id = load(ACCOUNT_ID, {"account_id": account_id})["account_id"]
        with self.db as uow:
            return self._use(uow).personal_data.export_personal_data(account_id)

    # Event handlers return whether they applied the event (False: a redelivery, or nothing to do); nameko ignores
    # the value, tests read it. hubkit's event_handler puts an event back in the queue after a passing failure
    # (database, or accounts/ideas not answering: PeerUnavailable); a HubError is final.

    @event_handler("accounts", "account_deleted")
    def forget_account(self, data):
        envelope = receive(data, self.correlation, self.name)
        account_id = load(schemas.AccountDeletedSchema(), envelope["payload"])["account_id"]
        with self.db as uow:
            return self._use(uow).personal_data.forget_account(envelope, account_id)

    @event_handler("ideas", "idea_submitted")
    def remember_idea_author(self, data):
        envelope = receive(data, self.correlation, self.name)
        idea_id = str(load(schemas.IdeaSubmittedSchema(), envelope["payload"])["idea_id"])
        space = load(SPACE_EVENT, envelope["payload"])
        with self.db as uow:
            use = self._use(uow)
            self._feed_space(uow, use, envelope, space)
            return use.receiving.idea_submitted(envelope, idea_id)

    @event_handler("ideas", "idea_merged")
    def notify_idea_merged(self, data):
        return self._notify_author(data)

    @event_handler("routing", "idea_forwarded")
    def notify_idea_forwarded(self, data):
        return self._notify_author(data)

    @event_handler("routing", "idea_answered")
    def notify_idea_answered(self, data):
        return self._notify_author(data)

    @event_handler("routing", "idea_not_retained")
    def notify_idea_not_retained(self, data):
        return self._notify_author(data)

    @event_handler("routing", "dossier_answered")
    def notify_dossier_answered(self, data):
        return self._notify_author(data)

    @event_handler("routing", "idea_assigned")
    def notify_assigned_agent(self, data):
        """The agent a colleague confided an idea to (« Idées qui me sont confiées »), like the author is told."""
        envelope = receive(data, self.correlation, self.name)
        payload = load(schemas.IdeaAssignedSchema(), envelope["payload"])
        with self.db as uow:
            message = self._use(uow).assignments.idea_assigned(envelope, payload, self._owner_reader())
            if message is not None:
                BoundedRpc(self.accounts, PEER_TIMEOUT, PeerUnavailable).notify(message)
                uow.on_commit(lambda: count_emails("immediate"))
        return message is not None

    def _notify_author(self, data):
        """The author is told in the hub, and by e-mail at once if they chose so: accounts is asked inside the
        transaction, so that if it does not answer nothing is recorded and the event comes back."""
        envelope = receive(data, self.correlation, self.name)
        payload, space = load(PAYLOADS[envelope["type"]], envelope["payload"]), load(SPACE_EVENT, envelope["payload"])
        # no idea to read for an anonymous idea, nor for a dossier a citizen asked for directly (« Agir »)
        nobody_or_no_idea = payload.get("author_id", True) is None or payload["idea_id"] is None
        ideas = {} if nobody_or_no_idea else self._ideas(payload)
        with self.db as uow:
            use = self._use(uow)
            self._feed_space(uow, use, envelope, space)
            message = use.receiving.author_event(envelope, payload, ideas)
            if message is not None:
                BoundedRpc(self.accounts, PEER_TIMEOUT, PeerUnavailable).notify(message)
                uow.on_commit(lambda: count_emails("immediate"))
        return message is not None

    def _ideas(self, payload: dict) -> dict:
        """The ideas an event names, as ideas.get_idea gives them (titles for the wording); None for one that is
        gone. ideas not answering: PeerUnavailable (the event comes back)."""
        ideas = BoundedRpc(self.ideas, PEER_TIMEOUT, PeerUnavailable)
        found = {}
        for idea_id in filter(None, (payload.get("idea_id"), payload.get("merged_into"))):
            try:
                found[str(idea_id)] = ideas.get_idea({"idea_id": str(idea_id)})
            except NotFound:
                found[str(idea_id)] = None
        return found

    def _apply_to_space(self, data):
        envelope = receive(data, self.correlation, self.name)
        space = load(SPACE_EVENT, envelope["payload"])
        with self.db as uow:
            return self._feed_space(uow, self._use(uow), envelope, space)

    def _feed_space(self, uow, use: Notifications, envelope: dict, payload: dict) -> bool:
        """The event into « Mon espace » (once); the people it tells (followers, contributors, carriers, a
        petition's author and signers who opted in) are notified like the author is (one e-mail each, named by the
        event and the person: each has their own unsubscribe link)."""
        notices = use.space_feed.receive(envelope, payload, self._owner_reader())
        if notices is None:
            return False
        accounts = BoundedRpc(self.accounts, PEER_TIMEOUT, PeerUnavailable)
        for notice in notices:
            message = use.receiving.write(notice, envelope["event_id"])
            if message is not None:
                accounts.notify({**message, "purpose": f"{EMAIL_PURPOSE}#{notice.account_id}"})
                uow.on_commit(lambda: count_emails("immediate"))
        return True

    def _owner_reader(self):
        """(kind, key) -> the item's title (and state, counts) as its owner shows it to anyone; None when the owner
        keeps it from us (a draft) or it is gone. An owner not answering: PeerUnavailable (the event comes back)."""
        ideas, budget, petitions, routing = (BoundedRpc(proxy, PEER_TIMEOUT, PeerUnavailable) for proxy in (
            self.ideas, self.budget, self.petitions, self.routing))

        def read(kind: str, key: str):
            try:
                if kind == domain.IDEA:
                    idea = ideas.get_idea({"idea_id": key})
                    return {"title": idea.get("title"), "state": idea.get("status")}
                if kind == domain.PROPOSAL:  # an amendment's notice: its title, the amended one's, the note
                    proposal = ideas.get_proposal({"proposal_id": key})
                    return {"title": proposal.get("title"), "decision_note": proposal.get("decision_note"),
                            "amended_title": (proposal.get("amended") or {}).get("title")}
                if kind == domain.CONTRIBUTION:
                    found = ideas.get_consultation({"consultation_id": key, "page_size": 1})
                    return {"title": found.get("title"),
                            "state": "synthesis" if found.get("has_synthesis") else found.get("state")}
                if kind == domain.BUDGET_PROJECT:
                    project = budget.get_project({"project_id": key})
                    return {"title": project.get("title"), "state": project.get("status")}
                if kind == domain.BALLOT:
                    return {"title": budget.get_cycle({"cycle_id": key}).get("title")}
                if kind == domain.PETITION:
                    petition = petitions.get_petition({"petition_id": key})
                    return {"title": petition.get("title"), "state": petition.get("status"), "counts": {
                        "signatures": petition.get("signatures_count"), "threshold": petition.get("threshold")},
                        "rejection": petition.get("rejection")}
                return {"title": routing.get_scheme({"code": key}).get("name")}
            except (NotFound, InvalidInput):
                return None
        return read

    @timer(interval=SETTINGS.digest_seconds)
    def send_digests(self):
        """The weekly digests due (once per person and week, never empty; one replica at a time)."""
        accounts = BoundedRpc(self.accounts, PEER_TIMEOUT, PeerUnavailable)
        with self.db as uow:
            sent = self._use(uow).digests.send_due_digests(accounts.notify)
        count_emails("digest", sent)


def _space_entrypoint(source: str, event_type: str):
    def handle(self, data):
        return self._apply_to_space(data)
    handle.__name__ = handle.__qualname__ = f"space_{event_type}"
    return event_handler(source, event_type)(handle)


for _source, _event_type in SPACE_EVENTS:
    setattr(NotificationsService, f"space_{_event_type}", _space_entrypoint(_source, _event_type))
