"""The petitions database as several use-case groups read and change it: a petition by id, its counts, its
history and events, and the steps more than one group takes (a new draft, the threshold, closing)."""
import sqlalchemy as sa

from hubkit.errors import NotFound, PermissionDenied

from .. import business_metrics, domain, events
from ..models import HistoryEntry, Petition, SignatureCounter, Sponsor
from .common import Context, is_author
from .indexing import index_petition


def petition(context: Context, petition_id, for_update=False) -> Petition:
    # FOR NO KEY UPDATE on PostgreSQL: it does not wait for signers, whose new signature rows only take a
    # key-share lock on their petition (foreign key).
    found = context.session.get(Petition, str(petition_id), with_for_update={"key_share": True} if for_update
                                else None)
    if found is None:
        raise NotFound("Pétition introuvable.")
    return found


def own_draft(context: Context, petition_id, actor: dict, for_update=False) -> Petition:
    """The actor's own petition; someone else's draft or submitted petition is not found, a published one refused."""
    found = petition(context, petition_id, for_update=for_update)
    if not is_author(found, actor):
        if found.status in (domain.DRAFT, domain.SUBMITTED):
            raise NotFound("Pétition introuvable.")
        raise PermissionDenied("Seul l'auteur ou l'autrice de la pétition peut faire cela.")
    return found


def count(context: Context, petition_id: str) -> int:
    return context.session.execute(sa.select(sa.func.coalesce(sa.func.sum(SignatureCounter.signatures), 0)).where(
        SignatureCounter.petition_id == petition_id)).scalar_one()


def counts(context: Context, petition_ids) -> dict:
    ids = list(petition_ids)
    if not ids:
        return {}
    rows = context.session.execute(sa.select(SignatureCounter.petition_id, sa.func.sum(SignatureCounter.signatures))
                                   .where(SignatureCounter.petition_id.in_(ids))
                                   .group_by(SignatureCounter.petition_id))
    return {petition_id: int(total) for petition_id, total in rows}


def sponsor_counts(context: Context, petition_ids) -> dict:
    ids = list(petition_ids)
    if not ids:
        return {}
    rows = context.session.execute(sa.select(Sponsor.petition_id, sa.func.count()).where(
        Sponsor.petition_id.in_(ids)).group_by(Sponsor.petition_id))
    return dict(rows.all())


def history(context: Context, changed: Petition, action: str, actor: dict | None, code: str = None):
    account_id = str(actor["account_id"]) if actor else None
    role = domain.top_role(actor["roles"]) if actor else "system"
    context.session.add(HistoryEntry(petition_id=changed.id, action=action, actor_id=account_id, actor_role=role,
                                     code=code, at=context.clock()))


def emit(context: Context, type_: str, changed: Petition, payload: dict, actor: dict | None):
    who = events.actor(str(actor["account_id"]), domain.top_role(actor["roles"])) if actor else events.SYSTEM
    context.uow.emit(type_, events.subject(changed.id), events.payload(changed.id, changed.origin_idea_id,
                                                                       **payload), actor=who)


def pseudonym_of(context: Context, account_id: str) -> str:
    if context.accounts is None:
        return domain.ANONYMOUS_PSEUDONYM
    profiles = context.accounts.public_profiles({"account_ids": [account_id]})
    return domain.author_pseudonym(next((p["pseudonym"] for p in profiles if p["account_id"] == account_id), None))


def new_draft(context: Context, texts: dict, author_id: str, pseudonym: str, origin_idea_id: str = None) -> Petition:
    now = context.clock()
    draft = Petition(status=domain.DRAFT, title=texts["title"], asks=texts["asks"],
                     background=texts["background"], arrondissement=texts["arrondissement"],
                     search_text=domain.searchable(texts["title"], texts["asks"]), author_id=author_id,
                     author_pseudonym=pseudonym, sponsor_token=domain.new_sponsor_token(),
                     origin_idea_id=origin_idea_id, hidden=False, created_at=now, updated_at=now)
    context.session.add(draft)
    context.session.flush()
    return draft


def reach_threshold(context: Context, reached: Petition, signatures: int) -> bool:
    """Open -> threshold reached, once: a conditional update, so concurrent signers cannot both do it."""
    now = context.clock()
    changed = context.session.execute(sa.update(Petition).where(
        Petition.id == reached.id, Petition.status == domain.OPEN).values(
        status=domain.THRESHOLD_REACHED, threshold_reached_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        return False
    context.session.refresh(reached)
    history(context, reached, "threshold_reached", None)
    emit(context, events.PETITION_THRESHOLD_REACHED, reached,
         {"threshold": reached.threshold, "signatures_count": signatures}, None)
    context.uow.on_commit(business_metrics.count_threshold_reached)
    return True


def close(context: Context, closed: Petition, reason: str, actor: dict | None):
    now = context.clock()
    closed.status, closed.closed_at, closed.closed_reason, closed.updated_at = domain.CLOSED, now, reason, now
    signatures = count(context, closed.id)
    closed.signatures_count = signatures  # it no longer changes: the sweep's catch-up leaves closed petitions alone
    index_petition(context, closed)
    history(context, closed, "closed", actor, code=reason)
    emit(context, events.PETITION_CLOSED, closed,
         {"reason": reason, "signatures_count": signatures,
          "threshold_reached": closed.threshold_reached_at is not None}, actor)
