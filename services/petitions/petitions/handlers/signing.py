"""Signing, one signature or a whole batch of them in one transaction.

A signing rush must not take the site down nor lose a signature. The gateway coalesces the signatures that
arrive within a few milliseconds into one `sign_petitions` call (hubkit.batching); this module applies them:

1. each item is checked on its own (schema, rate limits per address and per account): a bad item gets its own
   error and never fails the others;
2. the eligibility attributes of all the batch's signers are asked of accounts at once
   (`accounts.eligibility_attributes_many`, 500 accounts per call), before the database is touched: no
   transaction, nor SQLite's one connection per process, waits on another service;
3. one transaction: the batch's petitions are read once (the few columns signing needs), then ONE
   `INSERT … ON CONFLICT (petition_id, account_id) DO NOTHING RETURNING` (on PostgreSQL, the rows as arrays
   `unnest`ed: one short statement text whatever the batch size) — the unique constraint is the source of
   truth, so a signature cannot be counted twice whatever the client does, even two requests of one account in
   two concurrent batches —, which also adds the number actually inserted to one of each petition's 16 counter
   rows, picked at random, so concurrent batches spread over several row locks (SQLite: a separate counter update
   per petition), one read of the
   counts, one `petition_signed` event per petition of the batch (its `count` the signatures it stands for, its
   ids those of the first) with its personal twin `petition_signatures_recorded` (the signers' account ids),
   and the threshold transition at most once per petition (a conditional update: one transition, one event).

After the events, the new signatures are added to each petition's total on its row, the popular order's
(signature_totals.py: on PostgreSQL only when no other transaction holds that row, never waiting for it).

The count is exact at every commit. A crossing missed by two concurrent transactions that each saw the other
uncommitted is caught by the periodic sweep (`Sweep.reach_missed_thresholds`); `AntiFraud.recount` rebuilds the
counters from the signatures themselves. The statements themselves are built once, in `signing_statements`.
"""
from contextlib import nullcontext
from dataclasses import dataclass, replace

import sqlalchemy as sa

from hubkit import batching
from hubkit.errors import Conflict, HubError, InvalidInput, NotFound
from hubkit.idempotency import IdempotencyKeys, keyed

from .. import business_metrics, domain, events, schemas
from ..models import Petition, Signature, SignatureCounter
from . import records, signature_totals
from .common import HOUR, MINUTE, Context, aware, rules, with_wait
from .signing_statements import (ADD_TO_COUNTER, INSERT_AND_COUNT, PETITIONS, SIGNING_COLUMNS, as_arrays,
                                 insert_unless_signed)

ACCOUNTS_PER_CALL = 500  # accounts.eligibility_attributes_many takes at most 500 account ids
SIGN_PETITION = "sign_petition"  # the operation in an idempotency key's scope


@dataclass
class _Pending:
    """One signature of a batch on its way: where its outcome goes, and what is known of it so far."""
    index: int
    item: batching.BatchItem | None  # None: a single signature, outside a batch
    account_id: str
    command: dict
    attributes: dict = None
    row: dict = None


class Signing:
    def __init__(self, context: Context):
        # What the steps use, as plain attributes: a batch of hundreds of signatures reads them often.
        self.context, self.uow, self.throttle, self.accounts = context, context.uow, context.throttle, context.accounts
        self.settings, self.clock, self.pick_shard = context.settings, context.clock, context.pick_shard

    @property
    def session(self):
        return self.uow.session

    def sign(self, actor: dict, command: dict) -> dict:
        """One signature (already validated): the batch path with a batch of one."""
        outcomes = [None]
        self._sign_all([_Pending(0, None, str(actor["account_id"]), command)], outcomes)
        if isinstance(outcomes[0], HubError):
            raise outcomes[0]
        return outcomes[0]

    def sign_batch(self, items: list) -> list:
        """`items`: hubkit.batching.BatchItem, each with a payload {"actor", "petition_id", "connection",
        "notify", "client", "idempotency_key"}. Returns one outcome per item, in order: the signature's result, or
        the HubError that refused it (InvalidInput, RateLimited, NotFound, PermissionDenied, Conflict,
        IdempotencyKeyReused…). A signature sent again with its idempotency key answers the first result and
        writes and emits nothing (hubkit.idempotency); its key is claimed once the limits and eligibility are
        known, so no transaction waits on accounts."""
        outcomes, pending = [None] * len(items), []
        for index, item in enumerate(items):
            try:
                command = schemas.load_sign_item(item.payload)
            except InvalidInput as error:
                outcomes[index] = error
                continue
            pending.append(_Pending(index, item, str(command["actor"]["account_id"]), command))
        pending = self._checked_before_the_database(pending, outcomes)
        by_index = {signature.index: signature for signature in pending}
        requests = [keyed(SIGN_PETITION, by_index[index].account_id, _what_is_signed(by_index[index].command))
                    if index in by_index else None for index in range(len(items))]

        def apply(picked: list) -> list:
            applied, signatures = [None] * len(picked), []
            for position, index in enumerate(picked):
                if index in by_index:
                    signatures.append(replace(by_index[index], index=position))
                else:
                    applied[position] = outcomes[index]
            self._write_all(signatures, applied)
            return applied
        return IdempotencyKeys(self.uow, Petition.metadata).once(requests, apply)

    # --- the steps ----------------------------------------------------------------------------------

    def _sign_all(self, pending: list, outcomes: list):
        self._write_all(self._checked_before_the_database(pending, outcomes), outcomes)

    def _checked_before_the_database(self, pending: list, outcomes: list) -> list:
        """The signatures within the limits whose signer accounts knows (asked before any transaction starts)."""
        return self._with_attributes(self._within_limits(pending, outcomes), outcomes)

    def _write_all(self, pending: list, outcomes: list):
        if not pending:
            return
        petitions = self._signable_petitions(pending, outcomes)
        pending = [p for p in pending if outcomes[p.index] is None]
        pending = self._with_rows(pending, petitions, outcomes)
        inserted, counted = self._insert(pending, outcomes)
        if not inserted:
            return
        by_petition = {}
        for signature in inserted:
            by_petition.setdefault(signature.row["petition_id"], []).append(signature)
        for petition_id, signatures in by_petition.items():
            if petition_id not in counted:
                self._add_to_count(petition_id, len(signatures))
        counts = records.counts(self.context, by_petition)
        for petition_id, signatures in by_petition.items():
            self._record(petitions[petition_id], signatures, counts[petition_id], outcomes)
        # last: the petition's row is held from here to the commit (signature_totals.py)
        signature_totals.add(self.context, {petition_id: len(signatures)
                                            for petition_id, signatures in by_petition.items()})

    def _within_limits(self, pending: list, outcomes: list) -> list:
        """Every attempt counts against the limits, whatever happens to it next; the whole batch is checked and
        counted in one Redis script call (Throttle.consume_each), each signature seeing the ones before it."""
        decided = self.throttle.consume_each([
            self._signing_limits(signature.account_id, signature.command["client"].get("ip") or "unknown")
            for signature in pending])
        kept = []
        for signature, limited in zip(pending, decided):
            if limited is not None:
                outcomes[signature.index] = with_wait(limited, limited.message)
                continue
            kept.append(signature)
        return kept

    def _with_attributes(self, pending: list, outcomes: list) -> list:
        account_ids = list(dict.fromkeys(signature.account_id for signature in pending))
        attributes = {}
        for start in range(0, len(account_ids), ACCOUNTS_PER_CALL):
            for entry in self.accounts.eligibility_attributes_many(
                    {"account_ids": account_ids[start:start + ACCOUNTS_PER_CALL]}):
                attributes[entry["account_id"]] = entry
        kept = []
        for signature in pending:
            signature.attributes = attributes.get(signature.account_id)
            if signature.attributes is None:
                outcomes[signature.index] = NotFound("Compte introuvable.")
                continue
            kept.append(signature)
        return kept

    def _signable_petitions(self, pending: list, outcomes: list) -> dict:
        """The batch's petitions, read once (what signing needs of them: `SIGNING_COLUMNS`, not the whole
        petition); a signature of one that is missing or not signable is refused."""
        ids = {str(signature.command["petition_id"]) for signature in pending}
        petitions = {p.id: p for p in self.session.connection().execute(
            sa.select(*SIGNING_COLUMNS).where(PETITIONS.c.id.in_(ids)))}
        refusals = {}
        for petition_id in ids:
            petition = petitions.get(petition_id)
            try:
                if petition is None:
                    raise NotFound("Pétition introuvable.")
                with rules():
                    domain.check_can_sign(petition.status, aware(petition.closes_at), self.clock())
            except HubError as error:
                refusals[petition_id] = error
        for signature in pending:
            refused = refusals.get(str(signature.command["petition_id"]))
            if refused is not None:
                outcomes[signature.index] = refused
        return petitions

    def _with_rows(self, pending: list, petitions: dict, outcomes: list) -> list:
        """The row each eligible signature would insert; the second signature of one account on one petition
        within the batch (a double click) is refused without a second try."""
        now, kept, seen = self.clock(), [], set()
        for signature in pending:
            command = signature.command
            petition = petitions[str(command["petition_id"])]
            try:
                with rules():
                    basis = domain.signature_basis(petition.eligibility, signature.attributes, command["connection"])
            except HubError as error:
                outcomes[signature.index] = error
                continue
            key = (petition.id, signature.account_id)
            if key in seen:
                outcomes[signature.index] = _already_signed()
                continue
            seen.add(key)
            signature.row = {
                "petition_id": petition.id, "account_id": signature.account_id,
                "lives_in_paris": basis.lives_in_paris, "works_in_paris": basis.works_in_paris,
                "studies_in_paris": basis.studies_in_paris, "arrondissement": basis.arrondissement,
                "notify": command["notify"], "client_ip": command["client"].get("ip") or None, "created_at": now}
            kept.append(signature)
        return kept

    def _insert(self, pending: list, outcomes: list) -> tuple:
        """One statement: the unique constraint decides (an existing signature, even one being committed by a
        concurrent batch, makes its row do nothing), no read before, no error after. Returns the signatures
        inserted, and the petitions whose count they were added to by that same statement (PostgreSQL:
        `INSERT_AND_COUNT`; the others are counted by `_add_to_count`)."""
        if not pending:
            return [], set()
        connection = self.session.connection()
        rows, counted = [signature.row for signature in pending], set()
        if connection.dialect.name == "postgresql":
            petition_ids = list(dict.fromkeys(row["petition_id"] for row in rows))
            inserted = set()
            for petition_id, account_id, counter in connection.execute(INSERT_AND_COUNT, {
                    **as_arrays(rows), "counted_petitions": petition_ids,
                    "counter_shards": [self.pick_shard() for _ in petition_ids]}):
                if counter:
                    counted.add(petition_id)
                else:
                    inserted.add((petition_id, account_id))
        else:
            inserted = set(connection.execute(insert_unless_signed(connection.dialect.name), rows).tuples())
        refused = [s for s in pending if (s.row["petition_id"], s.row["account_id"]) not in inserted]
        if refused:
            self._refuse_second_signatures(refused, outcomes)
        return [s for s in pending if (s.row["petition_id"], s.row["account_id"]) in inserted], counted

    def _refuse_second_signatures(self, refused: list, outcomes: list):
        keys = {(s.row["petition_id"], s.row["account_id"]) for s in refused}
        earlier = self.session.execute(sa.select(Signature.petition_id, Signature.account_id,
                                                 Signature.invalidated_at).where(
            Signature.petition_id.in_({petition_id for petition_id, _ in keys}),
            Signature.account_id.in_({account_id for _, account_id in keys}))).all()
        invalidated = {(row.petition_id, row.account_id) for row in earlier if row.invalidated_at is not None}
        for signature in refused:
            if (signature.row["petition_id"], signature.row["account_id"]) in invalidated:
                outcomes[signature.index] = Conflict(
                    "Votre signature de cette pétition a été invalidée par la modération : elle ne peut pas être "
                    "renouvelée.", code="SIGNATURE_INVALIDATED")
            else:
                outcomes[signature.index] = _already_signed()

    def _record(self, petition, signatures: list, count: int, outcomes: list):
        """The event and answers of one petition's new signatures (`petition`: its `SIGNING_COLUMNS`); the
        threshold, once, by the one that crossed it."""
        first = count - len(signatures) + 1  # the count each transaction-visible signature made, in batch order
        status_before = status_after = petition.status
        crossing = None
        for offset, signature in enumerate(signatures):
            if status_before == domain.OPEN and domain.reached(first + offset, petition.threshold):
                crossing = (signature, first + offset)
                break
        with _bound(signatures[0].item):
            # One event for the batch's signatures of this petition, with the ids of its first: the outbox and
            # the broker carry one message per batch.
            self.uow.emit(events.PETITION_SIGNED, events.subject(petition.id),
                          events.payload(petition.id, petition.origin_idea_id, signatures_count=count,
                                         count=len(signatures)),
                          actor=events.ANONYMOUS_SIGNER, version=events.PETITION_SIGNED_VERSION)
            # Its personal twin (events.PERSONAL_EVENTS): whose signatures these are, for their own space only, and
            # which of them asked to be told of the petition's steps (notifications tells them). A batch holds up
            # to 1,000 signatures: past 500 accounts, a second event.
            opted_in = {signature.account_id for signature in signatures if signature.row.get("notify")}
            for named in events.account_id_chunks(signature.account_id for signature in signatures):
                self.uow.emit(events.PETITION_SIGNATURES_RECORDED, events.subject(petition.id),
                              events.payload(petition.id, petition.origin_idea_id, account_ids=named,
                                             notify_account_ids=[account for account in named if account in opted_in],
                                             signatures_count=count),
                              actor=events.ANONYMOUS_SIGNER)
        if crossing is not None:
            with _bound(crossing[0].item):
                whole = self.session.get(Petition, petition.id)  # the whole petition, for its history and event
                records.reach_threshold(self.context, whole, crossing[1])
                status_after = whole.status
        petition_id, threshold = petition.id, petition.threshold
        # counted here, where they are written: a replay answered from its stored result never comes this far
        labels = [business_metrics.arrondissement_label(petition.arrondissement, signature.row["arrondissement"])
                  for signature in signatures]
        self.uow.on_commit(lambda: business_metrics.count_signatures(labels))
        for offset, signature in enumerate(signatures):
            seen = first + offset
            status = status_after if crossing is not None and seen >= crossing[1] else status_before
            outcomes[signature.index] = {
                "petition_id": petition_id, "signed": True, "signatures_count": seen, "threshold": threshold,
                "progress_percent": domain.progress_percent(seen, threshold), "status": status}

    # --- rate limits and counters --------------------------------------------------------------------

    def _signing_limits(self, account_id: str, ip: str) -> list:
        s = self.settings
        return [("sign-ip-burst", ip, s.sign_ip_per_minute, MINUTE, "Trop de signatures depuis votre connexion."),
                ("sign-ip", ip, s.sign_ip_per_hour, HOUR, "Trop de signatures depuis votre connexion."),
                ("sign-account-burst", account_id, s.sign_account_per_minute, MINUTE, "Vous signez trop vite."),
                ("sign-account", account_id, s.sign_account_per_hour, HOUR, "Vous avez signé trop de pétitions.")]

    def _add_to_count(self, petition_id: str, signatures: int = 1):
        shard = self.pick_shard()
        updated = self.session.connection().execute(ADD_TO_COUNTER, {
            "counted_petition": petition_id, "counter_shard": shard, "added": signatures}).rowcount
        if not updated:  # a counter row that was never created: the count must not lose the signatures
            self.session.add(SignatureCounter(petition_id=petition_id, shard=shard, signatures=signatures))
            self.session.flush()


def _what_is_signed(command: dict) -> dict:
    """What a retry must repeat to be the same signature (its key's digest): not the client's address, which a
    retry may change."""
    return {"petition_id": command["petition_id"], "connection": command["connection"], "notify": command["notify"],
            "idempotency_key": command.get("idempotency_key")}


def _already_signed() -> Conflict:
    return Conflict("Vous avez déjà signé cette pétition : une signature par personne.", code="ALREADY_SIGNED")


def _bound(item):
    """The item's correlation ids for what is emitted on its behalf (a single signature keeps the worker's)."""
    return batching.bound(item) if item is not None else nullcontext()
