"""A retried request is not a new action: idempotency keys, claimed in the action's own transaction.

A client that lost an answer sends its request again with the same key (the API's `Idempotency-Key` header, a
page's form token, or the fresh key the gateway attaches to every such command, so that a request the broker
delivers twice is applied once). The first request claims `(scope, key)` in `idempotency_keys` in the transaction
of the action and stores its answer there; a retry finds the row and gets that stored answer, and nothing is
written or emitted again. The scope is the operation and the account: a key chosen by one person can never reach
another's action. A key sent again with a different request (its SHA-256 digest differs) is refused with 422
IDEMPOTENCY_KEY_REUSED. A request the action refuses (an error) stores nothing: nothing was done, a retry may
try again.

Batches (the hot paths, hubkit.batching) claim every key with ONE multi-row `INSERT ... ON CONFLICT DO NOTHING
RETURNING`, read the keys already claimed with one SELECT (only if some were) and store the answers with one
UPDATE. Two items of one batch with the same key: the second gets the first's outcome. A concurrent request with
the same key (a second gateway process, a redelivery) waits on PostgreSQL for the first transaction's row, then
sees it committed and gets its answer. Keys are claimed in sorted order, so two batches claiming the same keys
cannot deadlock.
"""
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.dialects import sqlite

from .clock import utcnow
from .errors import Conflict, HubError, IdempotencyKeyReused
from .sqllists import array_literal
from .tables import infrastructure_tables

KEY_MAX = 64
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
KEY_RULE = "1 à 64 caractères : lettres sans accent, chiffres, « - » ou « _ »."

_CLAIM = sa.text(
    "INSERT INTO idempotency_keys (scope, key, request_digest, created_at) "
    "SELECT s, k, d, :now FROM unnest(CAST(:scopes AS varchar[]), CAST(:keys AS varchar[]), "
    "CAST(:digests AS varchar[])) AS t(s, k, d) ON CONFLICT (scope, key) DO NOTHING RETURNING scope, key")
_CLAIMED_BEFORE = sa.text(
    "SELECT i.scope, i.key, i.request_digest, i.response FROM idempotency_keys AS i "
    "JOIN unnest(CAST(:scopes AS varchar[]), CAST(:keys AS varchar[])) AS t(s, k) ON i.scope = t.s AND i.key = t.k")
_STORE = sa.text(
    "UPDATE idempotency_keys AS i SET response = t.r FROM unnest(CAST(:scopes AS varchar[]), "
    "CAST(:keys AS varchar[]), CAST(:responses AS text[])) AS t(s, k, r) WHERE i.scope = t.s AND i.key = t.k")
_RELEASE = sa.text(
    "DELETE FROM idempotency_keys AS i USING unnest(CAST(:scopes AS varchar[]), CAST(:keys AS varchar[])) "
    "AS t(s, k) WHERE i.scope = t.s AND i.key = t.k")


def key_field() -> fields.String:
    """The `idempotency_key` of a command (services' and gateway's schemas alike): optional, bounded."""
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Regexp(KEY_PATTERN.pattern, error=f"Clé d'idempotence : {KEY_RULE}"))


def valid_key(key) -> bool:
    return type(key) is str and KEY_PATTERN.match(key) is not None


def request_digest(command: dict) -> str:
    """SHA-256 of the command's canonical JSON (sorted keys, ids as text), its idempotency key left out."""
    canonical = {name: value for name, value in command.items() if name != "idempotency_key"}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Keyed:
    """One request with its key: `scope` is the operation and the account it acts for."""
    scope: str
    key: str
    digest: str

    @property
    def id(self) -> tuple:
        return self.scope, self.key


def keyed(operation: str, account_id, command: dict) -> Keyed | None:
    """The request's claim, or None when the command carries no key (applied as every time before)."""
    key = command.get("idempotency_key")
    if not key:
        return None
    return Keyed(f"{operation}:{account_id}", key, request_digest(command))


class IdempotencyKeys:
    """The keys of one unit of work (hubkit.db.UnitOfWork): claims, stored answers, replays."""

    def __init__(self, uow, metadata: sa.MetaData):
        self.uow = uow
        self.table = infrastructure_tables(metadata)["idempotency"]

    @property
    def session(self):
        return self.uow.session

    def once(self, requests: list, apply: Callable[[list], list], dump: Callable = None) -> list:
        """`requests`: per item, its `Keyed` claim or None (no key). `apply(indexes)` does the action for the items
        at `indexes` (in order) and returns one outcome each (a HubError refuses that item only; raising refuses
        them all and the transaction rolls back, claims included). `dump` turns an accepted outcome into its
        answer (JSON types), the one stored. Returns one answer per item: dumped, stored before, or a HubError."""
        dump = dump or (lambda outcome: outcome)
        answers, leaders, followers, fresh = self._claim(requests)
        to_apply = [index for index, request in enumerate(requests)
                    if request is None or index in fresh]
        outcomes = apply(to_apply) if to_apply else []
        stored, released = [], []
        for index, outcome in zip(to_apply, outcomes):
            answers[index] = outcome if isinstance(outcome, HubError) else dump(outcome)
            if index in fresh:
                (released if isinstance(outcome, HubError) else stored).append(index)
        self._store([(requests[index], answers[index]) for index in stored])
        self._release([requests[index] for index in released])
        for index, leader in followers.items():
            answers[index] = _copy(answers[leaders[leader]])
        return answers

    def _claim(self, requests: list) -> tuple:
        """answers (what is already known: refusals, stored answers), leaders (claim id → first index), followers
        (index → the claim id whose first item answers it), fresh (indexes that claimed their key now)."""
        answers, leaders, followers = [None] * len(requests), {}, {}
        for index, request in enumerate(requests):
            if request is None:
                continue
            leader = leaders.setdefault(request.id, index)
            if leader != index:
                if requests[leader].digest == request.digest:
                    followers[index] = request.id
                else:
                    answers[index] = _reused()
        if not leaders:
            return answers, leaders, followers, set()
        claims = sorted(leaders)  # in one order everywhere: two batches claiming the same keys cannot deadlock
        claimed = self._insert(claims, {claim: requests[leaders[claim]].digest for claim in claims})
        fresh = {leaders[claim] for claim in claims if claim in claimed}
        earlier = [claim for claim in claims if claim not in claimed]
        if earlier:
            for row in self._read(earlier):
                index = leaders[(row.scope, row.key)]
                if row.request_digest != requests[index].digest:
                    answers[index] = _reused()
                elif row.response is None:  # only a claim left by a bug could be committed without its answer
                    answers[index] = Conflict("Une demande avec cette clé est en cours : réessayez.",
                                              code="IDEMPOTENCY_KEY_IN_USE")
                else:
                    answers[index] = json.loads(row.response)
        return answers, leaders, followers, fresh

    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _insert(self, claims: list, digests: dict) -> set:
        """The claims inserted now (the others were claimed before: committed, or committed while we waited)."""
        now = utcnow()
        if self._postgresql():
            rows = self.session.execute(_CLAIM, {
                "now": now, "scopes": array_literal([scope for scope, _ in claims]),
                "keys": array_literal([key for _, key in claims]),
                "digests": array_literal([digests[claim] for claim in claims])})
        else:
            table = self.table
            rows = self.session.execute(sqlite.insert(table).values([
                {"scope": scope, "key": key, "request_digest": digests[(scope, key)], "created_at": now}
                for scope, key in claims]).on_conflict_do_nothing(index_elements=["scope", "key"]).returning(
                table.c.scope, table.c.key))
        return {(row.scope, row.key) for row in rows}

    def _read(self, claims: list):
        if self._postgresql():
            return self.session.execute(_CLAIMED_BEFORE, {"scopes": array_literal([s for s, _ in claims]),
                                                          "keys": array_literal([k for _, k in claims])}).all()
        table = self.table
        return self.session.execute(sa.select(table.c.scope, table.c.key, table.c.request_digest,
                                              table.c.response).where(
            sa.tuple_(table.c.scope, table.c.key).in_(claims))).all()

    def _store(self, answered: list):
        if not answered:
            return
        if self._postgresql():
            self.session.execute(_STORE, {"scopes": array_literal([request.scope for request, _ in answered]),
                                          "keys": array_literal([request.key for request, _ in answered]),
                                          "responses": array_literal([_json(answer) for _, answer in answered])})
            return
        table = self.table
        self.session.connection().execute(
            sa.update(table).where(table.c.scope == sa.bindparam("s"), table.c.key == sa.bindparam("k"))
            .values(response=sa.bindparam("r")),
            [{"s": request.scope, "k": request.key, "r": _json(answer)} for request, answer in answered])

    def _release(self, refused: list):
        """A refused request leaves no key: nothing was done, so a retry may try again."""
        if not refused:
            return
        if self._postgresql():
            self.session.execute(_RELEASE, {"scopes": array_literal([request.scope for request in refused]),
                                            "keys": array_literal([request.key for request in refused])})
            return
        table = self.table
        self.session.execute(sa.delete(table).where(
            sa.tuple_(table.c.scope, table.c.key).in_([request.id for request in refused])))

    def forget_account(self, account_id) -> int:
        """GDPR erasure: the account's keys and the answers they keep (a ballot's receipt) go."""
        account_id = str(account_id)
        if not re.fullmatch(r"[0-9A-Za-z-]+", account_id):  # an id, never a LIKE pattern
            raise ValueError("not an account id")
        table = self.table
        return self.session.execute(sa.delete(table).where(table.c.scope.like(f"%:{account_id}"))).rowcount


def _json(answer) -> str:
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False)


def _copy(answer):
    """A follower's own copy of its leader's answer (an exception raised twice would pile up tracebacks)."""
    if isinstance(answer, HubError):
        return type(answer)(answer.message, dict(answer.details), answer.code)
    return answer


def _reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused()
