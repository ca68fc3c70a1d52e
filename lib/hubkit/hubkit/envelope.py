"""The one envelope every domain event travels in.

An event names what happened (past tense), who did it (an account id and a
role: never an e-mail, name or address), what it happened to, and how it is
linked to the request or event that caused it. With tracing on (hubkit.tracing) it also carries the W3C
`traceparent` of the span that made it, so its publishing and its consumers continue that trace; the field is
optional (tracing off, or events written before it existed).

Producers build envelopes on hot paths (one event per signature or ballot of a
batch), so `make_event` checks the schema's rules in plain Python and builds the
wire form itself; only an envelope that breaks a rule (or is unusual: a naive
datetime, a str subclass...) goes through `EnvelopeSchema`, which then raises
exactly the InvalidInput it always did. Consumers (`load_envelope`) keep the schema.
"""
import uuid
from datetime import datetime, timezone

from marshmallow import Schema, fields, validate

from . import tracing
from .validation import load

EVENT_TYPE = validate.Regexp(r"^[a-z][a-z0-9_]*\Z", error="Type d'événement en snake_case attendu.")
TRACEPARENT = validate.Regexp(tracing.TRACEPARENT_PATTERN + r"\Z", error="traceparent W3C attendu.")
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
    traceparent = fields.String(validate=TRACEPARENT)  # optional: hubkit.tracing


_schema = EnvelopeSchema()

SYSTEM_ACTOR = {"account_id": None, "role": "system"}


def make_event(*, type, version, producer, subject, payload, correlation_id, causation_id,
               actor=None, occurred_at=None) -> dict:
    """Build and validate an envelope; returns the wire form (a plain dict)."""
    moment = occurred_at or datetime.now(timezone.utc)
    envelope = {
        "event_id": str(uuid.uuid4()),
        "type": type,
        "version": version,
        "occurred_at": moment.isoformat(),
        "producer": producer,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "actor": actor or SYSTEM_ACTOR,
        "subject": subject,
        "payload": payload,
    }
    traceparent = tracing.event_traceparent(type, correlation_id, causation_id)  # None when off: no key
    if traceparent is not None:
        envelope["traceparent"] = traceparent
    # The schema parses occurred_at back (fromisoformat: the inverse of isoformat for an aware datetime) and
    # writes it again; a naive moment would come back with "+00:00", so it takes the schema's way.
    wire = _fast_wire_form(envelope) if _aware(moment) else None
    return wire or dump(load_envelope(envelope))


def _aware(moment) -> bool:
    return type(moment) is datetime and moment.utcoffset() is not None


def load_envelope(data: dict) -> dict:
    """Validate an envelope received from the wire (raises InvalidInput)."""
    return load(_schema, data)


def dump(envelope: dict) -> dict:
    return _schema.dump(envelope)


_is_type = EVENT_TYPE.regex.match
_is_traceparent = TRACEPARENT.regex.match


def _text(value, low: int, high: int) -> bool:
    return type(value) is str and low <= len(value) <= high


def _fast_wire_form(envelope: dict):
    """The wire form `dump(load_envelope(envelope))` gives, if `envelope` follows every rule of EnvelopeSchema
    for certain; else None (the schema then decides, and words the refusal). Never accepts what the schema refuses.

    Same output: the same keys in the same order, actor and subject in the schema's field order, fresh dicts
    (payload a shallow copy, as the schema's load and dump make). `make_event` checked occurred_at (aware)."""
    event_type, version, actor, subject, payload = (envelope["type"], envelope["version"], envelope["actor"],
                                                    envelope["subject"], envelope["payload"])
    if not (type(event_type) is str and len(event_type) <= 80 and _is_type(event_type)
            and type(version) is int and version >= 1
            and _text(envelope["producer"], 1, 64)
            and _text(envelope["correlation_id"], 1, 128) and _text(envelope["causation_id"], 1, 128)
            and type(actor) is dict and len(actor) == 2 and "account_id" in actor and "role" in actor
            and type(subject) is dict and len(subject) == 2 and "kind" in subject and "id" in subject
            and type(payload) is dict):
        return None
    account_id, role, kind, subject_id = actor["account_id"], actor["role"], subject["kind"], subject["id"]
    if not ((account_id is None or _text(account_id, 0, 64)) and type(role) is str and role in ROLES
            and _text(kind, 1, 64) and _text(subject_id, 1, 64)):
        return None
    for key in payload:
        if type(key) is not str:
            return None
    wire = {
        "event_id": envelope["event_id"],
        "type": event_type,
        "version": version,
        "occurred_at": envelope["occurred_at"],
        "producer": envelope["producer"],
        "correlation_id": envelope["correlation_id"],
        "causation_id": envelope["causation_id"],
        "actor": {"account_id": account_id, "role": role},
        "subject": {"kind": kind, "id": subject_id},
        "payload": dict(payload),
    }
    if "traceparent" in envelope:  # the schema's last field, so last here too
        traceparent = envelope["traceparent"]
        if not (type(traceparent) is str and len(traceparent) == 55 and _is_traceparent(traceparent)):
            return None
        wire["traceparent"] = traceparent
    return wire
