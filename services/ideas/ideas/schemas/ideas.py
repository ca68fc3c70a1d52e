"""What crosses the wire to and from the idea box (ideas, comments, supports, follows, moderation, submissions)."""
from datetime import datetime, timezone

from hubkit.idempotency import key_field
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from ..domain import (ADDRESS_MAX, COMMENT_MAX, CONTENT_KINDS, DESCRIPTION_MAX, MESSAGE_MAX, MODERATION_REASON_MAX,
                      PSEUDONYM_MAX, REPORT_REASONS, SCHEMES, SORTS, STATUSES, THEMES, TITLE_MAX)

PAGE_MAX = 100
# a submissions cursor: "<submitted_at, ISO 8601>|<idea id>"
CURSOR_PATTERN = r"^\d{4}-\d{2}-\d{2}T[0-9:.]+(\+00:00)?\|[^|]{1,36}$"


class ActorSchema(Schema):
    """Who acts, as the gateway asserts it from the session (accounts remains the authority on roles)."""
    account_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list,
                        validate=validate.Length(max=10))
    # An agent's direction (code, e.g. "DVD"): agents run the consultations their direction owns.
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))


class AccountIdSchema(Schema):
    account_id = fields.UUID(required=True)


class IdeaIdSchema(Schema):
    idea_id = fields.UUID(required=True)


class SubmitIdeaSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=TITLE_MAX))
    description = fields.String(required=True, validate=validate.Length(max=DESCRIPTION_MAX))
    theme = fields.String(required=True, validate=validate.Length(max=32))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    address_line = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    author_pseudonym = fields.String(required=True, validate=validate.Length(min=1, max=PSEUDONYM_MAX))
    idempotency_key = key_field()  # the same key again: the first answer, no second idea (hubkit.idempotency)


class PostCommentSchema(Schema):
    idea_id = fields.UUID(required=True)
    body = fields.String(required=True, validate=validate.Length(max=COMMENT_MAX))
    author_pseudonym = fields.String(required=True, validate=validate.Length(min=1, max=PSEUDONYM_MAX))


class ChangeStatusSchema(Schema):
    idea_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(list(STATUSES)))
    message = fields.String(load_default="", validate=validate.Length(max=MESSAGE_MAX))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    merged_into = fields.UUID(load_default=None, allow_none=True)


class ContentSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CONTENT_KINDS))
    content_id = fields.String(required=True, validate=validate.Regexp(
        r"^([0-9a-fA-F-]{36}|[0-9]{1,18})$", error="Identifiant de contenu invalide."))


class ReportSchema(ContentSchema):
    reason = fields.String(required=True, validate=validate.OneOf(list(REPORT_REASONS)))


class ModerateSchema(ContentSchema):
    action = fields.String(required=True, validate=validate.OneOf(["hide", "restore"]))
    reason = fields.String(load_default="", validate=validate.Length(max=MODERATION_REASON_MAX))


class MergeIdeasSchema(Schema):
    idea_id = fields.UUID(required=True)
    into = fields.UUID(required=True)
    message = fields.String(load_default="", validate=validate.Length(max=MESSAGE_MAX))


class SimilarQuerySchema(Schema):
    """The text being typed: at least a title of a few letters."""
    title = fields.String(required=True, validate=validate.Length(min=3, max=TITLE_MAX))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    exclude = fields.UUID(load_default=None, allow_none=True)


class MadridRowSchema(Schema):
    """A row of the Decide Madrid proposals CSV (the import command's input); other columns are ignored."""
    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Regexp(r"^\s*\d{1,12}\s*$"))
    title = fields.String(required=True, validate=validate.Length(max=1000))
    description = fields.String(required=True, validate=validate.Length(max=100_000))
    cached_votes_up = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    created_at = fields.String(load_default="", validate=validate.Length(max=32))
    retired_at = fields.String(load_default="", validate=validate.Length(max=32))


class IdeaQuerySchema(Schema):
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(THEMES)))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(STATUSES)))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(SCHEMES)))
    # words, all to be found (accents, case and plurals ignored), "a phrase" in quotes, a prefix*
    q = fields.String(load_default="", validate=validate.Length(max=100))
    # None: by relevance when `q` has words, newest first otherwise (domain.list_order)
    sort = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SORTS))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PAGE_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


# --- outputs -------------------------------------------------------------------------------

class IdeaSummarySchema(Schema):
    """An idea in a listing."""
    id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    theme = fields.String()
    theme_label = fields.String()
    arrondissement = fields.Integer(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    author_pseudonym = fields.String()
    hidden = fields.Boolean()  # by moderation: title and excerpt read "Masqué par la modération"
    supports_count = fields.Integer()
    imported_supports = fields.Integer()
    comments_count = fields.Integer()
    created_at = fields.DateTime()


class SimilarIdeaSchema(IdeaSummarySchema):
    similarity = fields.Float()  # cosine of the TF-IDF vectors, 0 to 1
    kind = fields.String()  # "idea", or "proposal" (of a consultation: no theme, status nor place)
    consultation_id = fields.String()
    consultation_title = fields.String()
    # whether it still takes supports (an idea: submitted or under review; a proposal: its consultation is open):
    # if not, the page says where it stands instead of offering to support it
    accepts_supports = fields.Boolean()
    scheme = fields.String(allow_none=True)  # a forwarded idea: the scheme it went to
    scheme_label = fields.String(allow_none=True)


class SimilarIdeasSchema(Schema):
    items = fields.List(fields.Nested(SimilarIdeaSchema))


class IdeaPageSchema(Schema):
    items = fields.List(fields.Nested(IdeaSummarySchema))
    # exact, unless `total_is_lower_bound`: a search's count stops past 1,000 (or past the page asked): "plus de"
    total = fields.Integer()
    total_is_lower_bound = fields.Boolean()
    limit = fields.Integer()
    offset = fields.Integer()


class StatusChangeSchema(Schema):
    """One step of an idea's public timeline; who changed it is shown by role only."""
    status = fields.String()
    status_label = fields.String()
    scheme = fields.String(allow_none=True)
    scheme_label = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    role = fields.String()
    changed_at = fields.DateTime()


class CommentSchema(Schema):
    id = fields.Integer()
    idea_id = fields.String()
    author_pseudonym = fields.String()
    body = fields.String()
    hidden = fields.Boolean()
    created_at = fields.DateTime()


class ViewerSchema(Schema):
    """What the signed-in reader has done with this idea."""
    is_author = fields.Boolean()
    supports = fields.Boolean()
    follows = fields.Boolean()
    can_change_status = fields.Boolean()  # administrators only: agents decide from routing's inbox
    can_merge = fields.Boolean()  # agents, moderators, administrators: merging duplicates
    can_moderate = fields.Boolean()
    reported_idea = fields.Boolean()
    reported_comments = fields.List(fields.Integer())
    own_comments = fields.List(fields.Integer())  # the reader's own: not for them to report


class IdeaSchema(IdeaSummarySchema):
    description = fields.String()
    address_line = fields.String(allow_none=True)
    scheme = fields.String(allow_none=True)
    scheme_label = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    followers_count = fields.Integer()
    next_statuses = fields.List(fields.String())
    accepts_supports = fields.Boolean()
    accepts_comments = fields.Boolean()
    updated_at = fields.DateTime()
    history = fields.List(fields.Nested(StatusChangeSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    viewer = fields.Nested(ViewerSchema, allow_none=True)
    similar = fields.List(fields.Nested(SimilarIdeaSchema))  # for staff only; empty for others


class SupportStateSchema(Schema):
    idea_id = fields.String()
    supported = fields.Boolean()
    supports_count = fields.Integer()


class FollowStateSchema(Schema):
    idea_id = fields.String()
    following = fields.Boolean()
    followers_count = fields.Integer()


class ReportStateSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    reported = fields.Boolean()
    hidden = fields.Boolean()


class ModerationStateSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    hidden = fields.Boolean()


class QueueItemSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    idea_id = fields.String(allow_none=True)
    consultation_id = fields.String(allow_none=True)
    proposal_id = fields.String(allow_none=True)
    idea_title = fields.String()  # the title of what it belongs to: its idea, proposal or consultation
    text = fields.String()
    author_pseudonym = fields.String()
    hidden = fields.Boolean()
    pending_reports = fields.Integer()
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())


class ModerationLogSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    idea_id = fields.String(allow_none=True)
    consultation_id = fields.String(allow_none=True)
    action = fields.String()
    reason = fields.String()
    role = fields.String()
    created_at = fields.DateTime()


class ModerationQueueSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema))
    log = fields.List(fields.Nested(ModerationLogSchema))


# --- the internal submissions feed (routing's reconciliation; never exposed by the gateway) -------

SUBMISSIONS_MAX = 500


class SubmissionsQuerySchema(Schema):
    """`after`: the `cursor` of the last submission already read (opaque); `since`: only ideas submitted then
    or later."""
    since = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=timezone.utc)
    after = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        CURSOR_PATTERN, error="Curseur invalide : reprenez celui qu'a donné une page précédente."))
    limit = fields.Integer(load_default=SUBMISSIONS_MAX, validate=validate.Range(min=1, max=SUBMISSIONS_MAX))

    @post_load
    def _position(self, data, **kwargs):
        """The cursor, read: (submitted_at, idea_id); moments in UTC (SQLite compares them as text)."""
        if data["since"] is not None:
            data["since"] = data["since"].astimezone(timezone.utc)
        if data["after"]:
            moment, idea_id = data["after"].split("|")
            try:
                data["after"] = (datetime.fromisoformat(moment).astimezone(timezone.utc), idea_id)
            except ValueError:
                raise ValidationError("Curseur invalide : reprenez celui qu'a donné une page précédente.",
                                      "after") from None
        return data


class SubmissionSchema(Schema):
    idea_id = fields.String()
    author_id = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    status = fields.String()
    theme = fields.String()
    arrondissement = fields.Integer(allow_none=True)
    cursor = fields.String()


class SubmissionsPageSchema(Schema):
    items = fields.List(fields.Nested(SubmissionSchema))
    next_cursor = fields.String(allow_none=True)
    has_more = fields.Boolean()
