"""What crosses the wire to and from the ideas service."""
from marshmallow import Schema, fields, validate

from .domain import (ADDRESS_MAX, COMMENT_MAX, DESCRIPTION_MAX, MESSAGE_MAX, PSEUDONYM_MAX, STATUSES, THEMES,
                     TITLE_MAX)

SORTS = ("newest", "most_supported")
PAGE_MAX = 100


class ActorSchema(Schema):
    """Who acts, as the gateway asserts it from the session (accounts remains the authority on roles)."""
    account_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list,
                        validate=validate.Length(max=10))


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


class PostCommentSchema(Schema):
    idea_id = fields.UUID(required=True)
    body = fields.String(required=True, validate=validate.Length(max=COMMENT_MAX))
    author_pseudonym = fields.String(required=True, validate=validate.Length(min=1, max=PSEUDONYM_MAX))


class ChangeStatusSchema(Schema):
    idea_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(list(STATUSES)))
    message = fields.String(load_default="", validate=validate.Length(max=MESSAGE_MAX))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=24))
    merged_into = fields.UUID(load_default=None, allow_none=True)


class IdeaQuerySchema(Schema):
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(THEMES)))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(STATUSES)))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS))
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
    supports_count = fields.Integer()
    comments_count = fields.Integer()
    created_at = fields.DateTime()


class IdeaPageSchema(Schema):
    items = fields.List(fields.Nested(IdeaSummarySchema))
    total = fields.Integer()
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
    created_at = fields.DateTime()


class ViewerSchema(Schema):
    """What the signed-in reader has done with this idea."""
    is_author = fields.Boolean()
    supports = fields.Boolean()
    follows = fields.Boolean()
    can_change_status = fields.Boolean()


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


class SupportStateSchema(Schema):
    idea_id = fields.String()
    supported = fields.Boolean()
    supports_count = fields.Integer()


class FollowStateSchema(Schema):
    idea_id = fields.String()
    following = fields.Boolean()
    followers_count = fields.Integer()
