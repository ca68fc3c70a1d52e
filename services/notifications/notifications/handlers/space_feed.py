"""« Mon espace », the writing side: the owners' events (docs/events.md, contract §A and §B) kept as each person's
items, roles, states and details, each event applied once (processed_events, "notifications.my_space").

Order-tolerant: an item an event names is created if unknown (a status event may come before the one naming the
person); a state is set only by an event not older than the one that set it (`state_at`); an unfollow is kept as an
inactive role, so that a follow older than it, delivered late, does not bring it back. An item's title is read once
from its owner (`reader`, the entrypoint's RPCs) when someone has a part in it and it has none yet: a draft its owner
keeps from us answers nothing, and a later event fills it.

Counts (a petition's signatures) change an item without moving it up in anyone's space: only a change of state or
of the person's part does (else every signature would reorder thousands of spaces)."""
from datetime import datetime
from typing import Callable

import sqlalchemy as sa

from .. import domain
from ..models import IdeaAuthor, SpaceEntry, SpaceItem, SpaceRole
from . import consultation_notices, owner_notices
from .common import aware
from .space_roles import SpaceRoles

SPACE = "notifications.my_space"
# event types of version 2 this service reads (counts only; the rest are version 1)
VERSIONS = {"petition_signed": (1, 2)}
Reader = Callable[[str, str], "dict | None"]  # (kind, key) -> {"title", "state"?, "counts"?} from the owner, or None

IDEA, CONTRIBUTION, PROJECT, BALLOT, PETITION, DOSSIER = (domain.IDEA, domain.CONTRIBUTION, domain.BUDGET_PROJECT,
                                                         domain.BALLOT, domain.PETITION, domain.DOSSIER)
CONTRIBUTIONS = ("proposal_submitted", "argument_posted", "comment_posted", "questionnaire_answered")
PETITION_STATES = {"petition_published": "open", "petition_rejected": "rejected",
                   "petition_threshold_reached": "threshold_reached",
                   "petition_scheduled_for_council": "scheduled_for_council", "petition_answered": "answered",
                   "petition_closed": "closed"}
ROUTING_IDEA_STATES = {"idea_forwarded": "forwarded", "idea_answered": "answered", "idea_not_retained": "not_retained"}
NOTIFIED_FOLLOWER_STATUSES = ("under_review", "forwarded", "answered", "not_retained")  # merged: idea_merged tells them


def _id(value) -> str | None:
    return str(value) if value else None


class SpaceFeed(SpaceRoles):
    def receive(self, envelope: dict, payload: dict, reader: Reader | None = None) -> list | None:
        """Applies one event; the notices it gives (followers', contributors', and budget's and petitions' people:
        owner_notices), or None for a redelivery or an event version this code does not know. `payload`: loaded by
        schemas.SpaceEventSchema."""
        versions = VERSIONS.get(envelope["type"], (1,))
        if envelope["version"] not in versions or not self.uow.first_delivery(envelope, SPACE):
            return None
        occurred = envelope["occurred_at"]  # receive() gives a datetime, a test's envelope may give the text
        self.reader = reader
        self.at = aware(occurred if isinstance(occurred, datetime) else datetime.fromisoformat(occurred))
        self.notices, self._type = [], envelope["type"]
        kind = envelope["type"]
        actor = envelope.get("actor") or {}
        person = _id(actor.get("account_id")) if actor.get("role") == "citizen" else None
        self.actor_id = _id(actor.get("account_id"))  # whoever acted, agent included: not told of their own act
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(payload, person)
        elif kind in CONTRIBUTIONS:
            self._contribution(payload, person)
        elif kind in PETITION_STATES:
            self._petition_state(kind, payload)
        elif kind in ROUTING_IDEA_STATES:
            self._routing_idea(kind, payload)
        return self.notices

    # --- ideas ---------------------------------------------------------------------------------------------------

    def _on_idea_submitted(self, payload, person):
        item = self._item(IDEA, _id(payload["idea_id"]))
        self._set_state(item, "submitted")
        if person:
            self._grant([person], item, domain.AUTHOR)

    def _on_idea_status_changed(self, payload, person):
        item = self._item(IDEA, _id(payload["idea_id"]))
        status = payload["status"] or ""
        detail = {"forwarded": domain.forwarded_detail(payload["scheme"]),
                  "merged": domain.MERGED_IDEA_DETAIL}.get(status)
        if not self._set_state(item, status, detail) or status not in NOTIFIED_FOLLOWER_STATUSES:
            return
        followers = self._holders(item, domain.FOLLOWER, but_not=domain.AUTHOR)
        if followers:
            self._fill(item)
        self.notices += [notice for account_id in followers if (notice := domain.follower_notice(
            account_id, item.item_id, item.title, status, payload["scheme"])) is not None]

    def _on_idea_merged(self, payload, person):
        merged = self._item(IDEA, _id(payload["idea_id"]))
        self._set_state(merged, "merged", domain.MERGED_IDEA_DETAIL)
        followers = self._holders(merged, domain.FOLLOWER)
        if followers:  # they follow the surviving idea now, as in ideas
            surviving = self._item(IDEA, _id(payload["merged_into"]))
            to_tell = self._holders(merged, domain.FOLLOWER, but_not=domain.AUTHOR)
            self._revoke(followers, merged, domain.FOLLOWER)
            self._grant(followers, surviving, domain.FOLLOWER)
            self.notices += consultation_notices.merged_followers(self, merged, surviving, to_tell)

    def _on_idea_followed(self, payload, person):
        if person:
            self._grant([person], self._item(IDEA, _id(payload["idea_id"])), domain.FOLLOWER)

    def _on_idea_unfollowed(self, payload, person):
        if person:
            self._revoke([person], self._item(IDEA, _id(payload["idea_id"])), domain.FOLLOWER)

    def _on_proposal_submitted(self, payload, person):
        self._contribution(payload, person)
        consultation_notices.remember_author(self, payload["proposal_id"], person)

    def _on_amendment_proposed(self, payload, person):
        consultation_notices.remember_author(self, payload["proposal_id"], person)
        self.notices += consultation_notices.amendment_proposed(self, payload, self.actor_id)

    def _on_amendment_decided(self, payload, person):
        self.notices += consultation_notices.amendment_decided(self, payload, self.actor_id)

    def _contribution(self, payload, person):
        if not person or not payload["consultation_id"]:
            return
        if self.current_type == "comment_posted" and not payload["proposal_id"]:
            return  # a comment on an idea, not a contribution to a consultation
        item = self._item(CONTRIBUTION, _id(payload["consultation_id"]))
        self._grant([person], item, domain.CONTRIBUTOR, contributions=1)

    def _on_consultation_closed(self, payload, person):
        self._set_state(self._item(CONTRIBUTION, _id(payload["consultation_id"])), "closed")

    def _on_synthesis_published(self, payload, person):
        item = self._item(CONTRIBUTION, _id(payload["consultation_id"]))
        self._set_state(item, "synthesis")
        if payload["first_publication"]:
            contributors = self._holders(item, domain.CONTRIBUTOR)
            if contributors:
                self._fill(item)
            self.notices += [domain.synthesis_notice(account_id, item.item_id, item.title)
                             for account_id in contributors]

    # --- routing -------------------------------------------------------------------------------------------------

    def _routing_idea(self, kind, payload):
        item = self._item(IDEA, _id(payload["idea_id"]))
        detail = {"idea_forwarded": lambda: domain.forwarded_detail(payload["scheme"]),
                  "idea_answered": lambda: domain.answer_detail(payload["answer"]),
                  "idea_not_retained": lambda: domain.not_retained_detail(payload["reason_code"])}[kind]()
        self._set_state(item, ROUTING_IDEA_STATES[kind], detail)
        if payload["author_id"]:  # routing names the author too: their idea is in their space whatever came first
            self._grant([_id(payload["author_id"])], item, domain.AUTHOR)

    def _on_dossier_created(self, payload, person):
        if payload["subject_kind"] != "direct_request" or not payload["dossier_reference"]:
            return  # a dossier opened for an idea: the idea's item tells it
        item = self._item(DOSSIER, payload["dossier_reference"], scheme=payload["scheme"])
        self._set_state(item, "received")
        if payload["requester_id"]:
            self._grant([_id(payload["requester_id"])], item, domain.REQUESTER)

    def _on_dossier_answered(self, payload, person):
        if payload["idea_id"] is None:
            if payload["dossier_reference"]:
                item = self._item(DOSSIER, payload["dossier_reference"], scheme=payload["scheme"])
                self._set_state(item, payload["status"] or "answered", domain.dossier_detail(payload["answer"]))
            return
        item = self._item(IDEA, _id(payload["idea_id"]))
        if payload["answer"]:
            item.detail = f"Réponse du dispositif : {domain.dossier_detail(payload['answer'])}"
            self._touch(item)

    # --- budget --------------------------------------------------------------------------------------------------

    def _project(self, payload) -> SpaceItem:
        return self._item(PROJECT, _id(payload["project_id"]), cycle_id=_id(payload["cycle_id"]),
                          origin_idea_id=_id(payload["origin_idea_id"]))

    def _on_project_submitted(self, payload, person):
        item = self._project(payload)
        self._set_state(item, "submitted")
        if person:
            self._grant([person], item, domain.CARRIER)

    def _on_project_drafted(self, payload, person):
        item = self._project(payload)
        drafted = self._set_state(item, "draft")  # not a draft its carrier confirmed already (a later event)
        carrier = self._idea_author(payload["origin_idea_id"])
        if carrier:
            self._grant([carrier], item, domain.CARRIER)
            self.notices += owner_notices.drafted_project(self, item, carrier) if drafted else []

    def _on_project_study_decided(self, payload, person):
        self._set_state(self._project(payload), domain.study_state(payload["admissible"], payload["feasible"]))

    def _on_project_selected(self, payload, person):
        self._set_state(self._project(payload), "selected")

    def _on_project_status_changed(self, payload, person):
        item = self._project(payload)
        if self._set_state(item, payload["status"] or ""):  # an older step arriving late tells nobody
            self.notices += owner_notices.project_status(self, item, payload)

    def _on_projects_merged(self, payload, person):
        merged, sources = self._project(payload), []
        for source in payload["sources"] or []:
            if source.get("project_id"):
                item = self._item(PROJECT, str(source["project_id"])[:64], cycle_id=_id(payload["cycle_id"]))
                self._set_state(item, "merged")
                sources.append(item)
        self.notices += owner_notices.merge_invitations(self, merged, sources)

    def _on_results_published(self, payload, person):
        cycle_id = _id(payload["cycle_id"])
        winners = {str(project_id) for project_id in payload["winner_project_ids"] or []}
        for project_id in sorted(winners):
            self._set_state(self._item(PROJECT, project_id, cycle_id=cycle_id), "winner", domain.WINNER_DETAIL)
        others = self.session.execute(sa.select(SpaceItem).where(
            SpaceItem.kind == PROJECT, SpaceItem.cycle_id == cycle_id, SpaceItem.state == "selected",
            SpaceItem.item_id.not_in(winners or {""}))).scalars().all()
        for item in others:
            self._set_state(item, "not_winner", domain.NOT_WINNER_DETAIL)
        self._set_state(self._item(BALLOT, cycle_id), "results")

    def _on_vote_closed(self, payload, person):
        self._set_state(self._item(BALLOT, _id(payload["cycle_id"])), "vote_closed")

    def _on_project_followed(self, payload, person):
        if person:
            self._grant([person], self._project(payload), domain.FOLLOWER)

    def _on_project_unfollowed(self, payload, person):
        if person:
            self._revoke([person], self._project(payload), domain.FOLLOWER)

    def _on_ballots_recorded(self, payload, person):
        item = self._item(BALLOT, _id(payload["cycle_id"]))
        self._set_state(item, "recorded", only_if_unset=True)
        self._grant([str(account_id) for account_id in payload["account_ids"] or []], item, domain.VOTER)

    # --- petitions -----------------------------------------------------------------------------------------------

    def _petition(self, payload) -> SpaceItem:
        # the petition's row locked: its threshold and the signatures of the batch that crossed it are two events on
        # two queues, applied maybe at once; one waits for the other, then sees what it did (owner_notices)
        item = self._item(PETITION, _id(payload["petition_id"]), origin_idea_id=_id(payload["origin_idea_id"]),
                          lock=True)
        counts = {"signatures": payload["signatures_count"], "threshold": payload["threshold"]}
        self._count(item, {key: value for key, value in counts.items() if value is not None})
        return item

    def _on_petition_drafted(self, payload, person):
        item = self._petition(payload)
        drafted = self._set_state(item, "draft")
        author = self._idea_author(payload["origin_idea_id"])
        if author:
            self._grant([author], item, domain.AUTHOR)
            self.notices += owner_notices.petition_step(self, self._type, item, payload) if drafted else []

    def _on_petition_submitted(self, payload, person):
        item = self._petition(payload)
        self._set_state(item, "submitted")
        if person:
            self._grant([person], item, domain.AUTHOR)

    def _petition_state(self, kind, payload):
        item = self._petition(payload)
        if self._set_state(item, PETITION_STATES[kind], domain.petition_detail(kind, payload)) and \
                kind in domain.PETITION_NOTIFIED_EVENTS:
            self.notices += owner_notices.petition_step(self, kind, item, payload)

    def _on_petition_signed(self, payload, person):
        item = self.session.get(SpaceItem, (PETITION, _id(payload["petition_id"])))
        if item is not None:  # counts only: a petition nobody here takes part in is not worth a row
            self._count(item, {"signatures": payload["signatures_count"]})

    def _on_petition_sponsored(self, payload, person):
        if person:
            self._grant([person], self._petition(payload), domain.SPONSOR)

    def _on_petition_signatures_recorded(self, payload, person):
        item, signers = self._petition(payload), [str(account_id) for account_id in payload["account_ids"] or []]
        self._grant(signers, item, domain.SIGNER)
        owner_notices.remember_opt_ins(self, item, signers, [str(account_id) for account_id in
                                                             payload["notify_account_ids"] or []])
        self.notices += owner_notices.threshold_for_late_signers(self, item, signers, payload["signatures_count"])

    def _on_petition_signatures_invalidated(self, payload, person):
        """A moderator struck these signatures out: their signer role ends, as an unfollow (kept inactive, so the
        older `petition_signatures_recorded` delivered late does not bring it back), and the petition's steps are
        no longer told to them."""
        self._revoke([str(account_id) for account_id in payload["account_ids"] or []], self._petition(payload),
                     domain.SIGNER)

    # --- the model's primitives ----------------------------------------------------------------------------------

    @property
    def current_type(self) -> str:
        return self._type

    def _item(self, kind: str, item_id: str, lock: bool = False, **keys) -> SpaceItem:
        """The item, created if no event named it yet; keys an event gives (cycle, scheme, origin) are kept."""
        item = self.session.get(SpaceItem, (kind, item_id), with_for_update=lock or None)
        if item is None:
            item = SpaceItem(kind=kind, item_id=item_id, title="", state="", detail="", counts={},
                             link=domain.item_link(kind, item_id), updated_at=self.at)
            self.session.add(item)
        for key, value in keys.items():
            if value and not getattr(item, key):
                setattr(item, key, value)
        return item

    def _set_state(self, item: SpaceItem, state: str, detail: str | None = None, only_if_unset=False) -> bool:
        """Sets the state unless a later event already set one (True if set); `detail` None keeps the detail."""
        if not state or (item.state_at is not None and aware(item.state_at) > self.at):
            return False
        if only_if_unset and item.state_at is not None:
            return False
        item.state, item.state_at = state, self.at
        if detail is not None:
            item.detail = detail[:400]
        self._touch(item)
        return True

    def _touch(self, item: SpaceItem):
        """The item changed: it moves up in the space of everyone who has a part in it."""
        if aware(item.updated_at) < self.at:
            item.updated_at = self.at
        self.session.flush()
        self.session.execute(sa.update(SpaceEntry).where(
            SpaceEntry.kind == item.kind, SpaceEntry.item_id == item.item_id, SpaceEntry.updated_at < self.at)
            .values(updated_at=self.at).execution_options(synchronize_session=False))

    def _count(self, item: SpaceItem, counts: dict):
        """Signatures only grow here (an event may have missed a concurrent batch); the threshold is as given."""
        merged = dict(item.counts or {})
        for key, value in counts.items():
            merged[key] = max(value, merged.get(key, 0)) if key == "signatures" else value
        if merged != (item.counts or {}):
            item.counts = merged

    def _holders(self, item: SpaceItem, role: str, but_not: str | None = None) -> list:
        """Account ids with an active `role` in the item (without `but_not` too), sorted."""
        query = sa.select(SpaceRole.account_id).where(
            SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id, SpaceRole.role == role,
            SpaceRole.active.is_(True))
        if but_not:
            query = query.where(SpaceRole.account_id.not_in(sa.select(SpaceRole.account_id).where(
                SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id, SpaceRole.role == but_not,
                SpaceRole.active.is_(True))))
        return sorted(self.session.execute(query).scalars())

    def _idea_author(self, idea_id) -> str | None:
        """The idea's author as Receiving keeps them (idea_submitted's actor, routing's author_id), else as this
        space has them."""
        if not idea_id:
            return None
        row = self.session.get(IdeaAuthor, str(idea_id))
        if row is not None and row.author_id:
            return row.author_id
        return self.session.execute(sa.select(SpaceRole.account_id).where(
            SpaceRole.kind == IDEA, SpaceRole.item_id == str(idea_id), SpaceRole.role == domain.AUTHOR,
            SpaceRole.active.is_(True))).scalars().first()

    def _fill(self, item: SpaceItem):
        """The title (and a first state, counts) from the owner, once, when the item has none yet."""
        if item.title or self.reader is None:
            return
        key = item.scheme if item.kind == DOSSIER else item.item_id
        found = self.reader(item.kind, key) if key else None
        if not found:
            return  # not visible to us yet (a draft), or gone: a later event fills it
        item.title = str(found.get("title") or "")[:300]
        if not item.state and found.get("state"):
            item.state = str(found["state"])[:40]
        if found.get("counts"):
            self._count(item, {key: value for key, value in found["counts"].items() if value is not None})
