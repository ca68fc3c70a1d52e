"""An idea the routing service forwards to the petitions scheme becomes a draft petition of its author."""
import logging

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields

from hubkit.validation import load

from .. import domain, events
from ..models import Petition
from . import records
from .common import Context, known_version

log = logging.getLogger(__name__)

DRAFT_FROM_IDEA = "petitions.draft_from_forwarded_idea"  # the name under which the handler records its events
PETITION_SCHEME = "petition"


class _ForwardedIdeaSchema(Schema):
    """The payload of routing's `idea_forwarded`, as far as petitions reads it (see docs/events.md)."""
    class Meta:
        unknown = EXCLUDE

    decision_id = fields.UUID(required=True)
    idea_id = fields.UUID(required=True)
    scheme = fields.String(required=True)
    author_id = fields.UUID(required=True, allow_none=True)


_FORWARDED_IDEA = _ForwardedIdeaSchema()


class ForwardedIdeas:
    def __init__(self, context: Context):
        self.context = context

    def draft_from_forwarded_idea(self, envelope: dict, ideas) -> bool:
        """`idea_forwarded` with scheme `petition` (routing service): the idea becomes a draft petition of its
        author, to review and complete before gathering co-sponsors, and `petition_drafted` says so (the author
        is e-mailed from it). The idea's text is asked of the ideas service (`ideas.get_idea`), events carry
        none. One draft per idea, however often the event comes and whatever the decision."""
        if not known_version(envelope):
            return False
        payload = load(_FORWARDED_IDEA, envelope["payload"])
        if payload["scheme"] != PETITION_SCHEME or payload["author_id"] is None:
            return False
        idea_id, author_id = str(payload["idea_id"]), str(payload["author_id"])
        idea = ideas.get_idea({"idea_id": idea_id})  # asked before the database is touched
        pseudonym = records.pseudonym_of(self.context, author_id)
        if not self.context.uow.first_delivery(envelope, DRAFT_FROM_IDEA):
            return False
        if self.context.session.execute(sa.select(Petition.id).where(Petition.origin_idea_id == idea_id)).first():
            log.info("idea already drafted as a petition", extra={"idea_id": idea_id})
            return True  # forwarded once more: the author already has the draft
        texts = domain.prefill_from_idea(idea["title"], idea.get("description") or "", idea.get("arrondissement"))
        petition = records.new_draft(self.context, texts, author_id, pseudonym, origin_idea_id=idea_id)
        records.history(self.context, petition, "drafted_from_idea", None)
        records.emit(self.context, events.PETITION_DRAFTED, petition, {"decision_id": str(payload["decision_id"])},
                     None)
        return True
