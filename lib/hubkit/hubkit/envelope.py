"""The one envelope every domain event travels in.

An event names what happened (past tense), who did it (an account id and a
role: never an e-mail, name or address), what it happened to, and how it is
linked to the request or event that caused it.
"""
import uuid
from datetime import datetime, timezone

from marshmallow import Schema, fields, validate

from .validation import load

EVENT_TYPE = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="Type d'événement en snake_case attendu.")
ROLES = ("citizen", "agent", "moderator", "admin", "system", "anonymous")


class ActorSchema(Schema):
    account_id = fields.String(required=True, allow_none=True, validate=validate.Length(max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class SubjectSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=64))
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=[validate.Length(max=80), EVENT_TYPE])
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    producer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    causation_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    actor = fields.Nested(ActorSchema, required=True)
    subject = fields.Nested(SubjectSchema, required=True)
    payload = fields.Dict(keys=fields.String(), required=True)


_schema = EnvelopeSchema()

SYSTEM_ACTOR = {"account_id": None, "role": "system"}


def make_event(*, type, version, producer, subject, payload, correlation_id, causation_id,
               actor=None, occurred_at=None) -> dict:
    """Build and validate an envelope; returns the wire form (a plain dict)."""
    envelope = {
        "event_id": str(uuid.uuid4()),
        "type": type,
        "version": version,
        "occurred_at": (occurred_at or datetime.now(timezone.utc)).isoformat(),
        "producer": producer,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "actor": actor or SYSTEM_ACTOR,
        "subject": subject,
        "payload": payload,
    }
    return dump(load_envelope(envelope))


def load_envelope(data: dict) -> dict:
    """Validate an envelope received from the wire (raises InvalidInput)."""
    return load(_schema, data)


def dump(envelope: dict) -> dict:
    return _schema.dump(envelope)
