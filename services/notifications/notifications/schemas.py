"""Schemas of everything the notifications service takes and gives (RPC arguments and answers, event payloads).

Inputs refuse unknown fields (a misspelt option is an error, not a silent default), except the actor and the event
payloads, which carry more than this service reads."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates, validates_schema

from . import domain

MAX_IDS = 200  # notifications marked read in one call (a page shows at most 50)
TOKEN_MAX = 200


class ActorSchema(Schema):
    """Who acts, as the gateway asserts it; `account_id` null or missing: anonymous (refused where it matters)."""
    class Meta:
        unknown = EXCLUDE

    account_id = fields.UUID(load_default=None, allow_none=True)
    roles = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                        validate=validate.Length(max=20))
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class AccountIdSchema(Schema):
    account_id = fields.UUID(required=True)


class EmptySchema(Schema):
    """Calls that take nothing refuse anything (e.g. `unread_count(actor, {})`)."""


class ListQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class MarkReadSchema(Schema):
    """Either some notifications by id, or all of the caller's."""
    notification_ids = fields.List(fields.UUID(), validate=validate.Length(min=1, max=MAX_IDS))
    all = fields.Boolean()

    @validates_schema
    def _one_of_them(self, data, **kwargs):
        if ("notification_ids" in data) == bool(data.get("all")):
            raise ValidationError("Donnez soit notification_ids, soit all: true.", "_schema")


class MySpaceQuerySchema(Schema):
    """« Mon espace »: a page of the caller's items, newest first, from an opaque cursor, of one kind or all."""
    limit = fields.Integer(load_default=domain.SPACE_PAGE_DEFAULT,
                           validate=validate.Range(min=1, max=domain.SPACE_PAGE_MAX))
    cursor = fields.String(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(domain.KINDS))

    @validates("cursor")
    def _a_cursor_we_gave(self, value, **kwargs):
        if value is not None:
            try:
                domain.decode_cursor(value)
            except domain.InvalidCursor:
                raise ValidationError("Curseur invalide : reprenez la liste depuis le début.") from None

    @post_load
    def _decoded(self, data, **kwargs):
        return {**data, "cursor": domain.decode_cursor(data["cursor"]) if data["cursor"] else None}


class SetPreferencesSchema(Schema):
    preferences = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                              values=fields.String(validate=validate.Length(max=20)), required=True,
                              validate=validate.Length(min=1, max=len(domain.CATEGORIES)))


class UnsubscribeSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=TOKEN_MAX))


# --- answers ---------------------------------------------------------------------------------------------------

class NotificationSchema(Schema):
    notification_id = fields.String()
    category = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread_count = fields.Integer()
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class UnreadCountSchema(Schema):
    unread_count = fields.Integer()


class CategoryPreferenceSchema(Schema):
    category = fields.String()
    label = fields.String()
    channel = fields.String()


class ChannelSchema(Schema):
    code = fields.String()
    label = fields.String()


class PreferencesSchema(Schema):
    preferences = fields.List(fields.Nested(CategoryPreferenceSchema))
    channels = fields.List(fields.Nested(ChannelSchema))


class UnsubscribedSchema(Schema):
    category = fields.String()
    label = fields.String()


class SpaceItemSchema(Schema):
    kind = fields.String()
    id = fields.String()
    title = fields.String()
    roles = fields.List(fields.String())
    state = fields.String()
    state_label = fields.String()
    detail = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    link = fields.String()
    updated_at = fields.DateTime()


class MySpacePageSchema(Schema):
    items = fields.List(fields.Nested(SpaceItemSchema))
    next_cursor = fields.String(allow_none=True)
    has_more = fields.Boolean()
    kinds = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReferenceDataSchema(Schema):
    categories = fields.List(fields.Nested(ChannelSchema))  # {code, label} too
    channels = fields.List(fields.Nested(ChannelSchema))


# --- event payloads (what this service reads of them) -------------------------------------------------------------

class _Payload(Schema):
    class Meta:
        unknown = EXCLUDE


class AccountDeletedSchema(_Payload):
    account_id = fields.UUID(required=True)


class IdeaSubmittedSchema(_Payload):
    idea_id = fields.UUID(required=True)


class IdeaAssignedSchema(_Payload):
    """routing's idea_assigned: the agent (null: the direction, nobody in particular), the direction's code and the
    idea's deadline (absent from the events before 2026-12)."""
    idea_id = fields.UUID(required=True)
    agent_id = fields.UUID(load_default=None, allow_none=True)
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    deadline_at = fields.AwareDateTime(load_default=None, allow_none=True)


class AuthorEventSchema(_Payload):
    """routing's idea_forwarded, idea_answered, idea_not_retained (author_id: null for an anonymous idea)."""
    idea_id = fields.UUID(required=True)
    author_id = fields.UUID(load_default=None, allow_none=True)
    scheme = fields.String(load_default=None, allow_none=True)
    message = fields.String(load_default=None, allow_none=True)
    dossier_reference = fields.String(load_default=None, allow_none=True)
    answer = fields.String(load_default=None, allow_none=True)
    reason_code = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)


class DossierAnsweredSchema(_Payload):
    """`idea_id` null: a citizen's direct request through « Agir »; `requester_id` is then who asked (null once
    their account is deleted)."""
    idea_id = fields.UUID(load_default=None, allow_none=True)
    requester_id = fields.UUID(load_default=None, allow_none=True)
    dossier_reference = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True)
    answer = fields.String(load_default=None, allow_none=True)  # the scheme's text (absent in older events)


class IdeaMergedSchema(_Payload):
    idea_id = fields.UUID(required=True)
    merged_into = fields.UUID(required=True)


class _Id(fields.String):
    """An owner's id as text (a uuid, or a dossier reference)."""

    def __init__(self, **kwargs):
        super().__init__(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64), **kwargs)


class SpaceEventSchema(_Payload):
    """What « Mon espace » reads of the events it follows (ideas, budget, petitions, routing): ids, codes, counts,
    each optional here (each event carries its own); `account_ids`: the personal batches (1..500)."""
    idea_id = fields.UUID(load_default=None, allow_none=True)
    merged_into = fields.UUID(load_default=None, allow_none=True)
    origin_idea_id = fields.UUID(load_default=None, allow_none=True)
    consultation_id = fields.UUID(load_default=None, allow_none=True)
    proposal_id = _Id()
    amends = _Id()  # amendment_proposed: the amended proposal
    amendment_id = _Id()  # amendment_decided
    cycle_id = fields.UUID(load_default=None, allow_none=True)
    project_id = fields.UUID(load_default=None, allow_none=True)
    petition_id = fields.UUID(load_default=None, allow_none=True)
    dossier_reference = _Id()
    requester_id = fields.UUID(load_default=None, allow_none=True)
    author_id = fields.UUID(load_default=None, allow_none=True)
    subject_kind = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    account_ids = fields.List(fields.UUID(), load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=500))
    # petition_signatures_recorded: those of `account_ids` who asked to be told of the petition's steps
    notify_account_ids = fields.List(fields.UUID(), load_default=None, allow_none=True,
                                     validate=validate.Length(max=500))
    status = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    effective_date = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    reason_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    decision = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    reason = fields.String(load_default=None, allow_none=True)
    answer = fields.String(load_default=None, allow_none=True)
    session_date = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    admissible = fields.Boolean(load_default=None, allow_none=True)
    feasible = fields.Boolean(load_default=None, allow_none=True)
    threshold = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    signatures_count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    winner_project_ids = fields.List(fields.UUID(), load_default=None, allow_none=True)
    sources = fields.List(fields.Dict(), load_default=None, allow_none=True)
    first_publication = fields.Boolean(load_default=None, allow_none=True)
