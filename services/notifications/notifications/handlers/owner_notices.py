"""Who budget's and petitions' events tell, from « Mon espace »'s roles (moved here from the owners, issue 15 §1):
the author of a forwarded idea whose draft awaits them, the carriers of merged projects invited to carry the
co-constructed one, a winner's carriers and followers when its works move on, a petition's author and the signers
who ticked « être informé·e » when its steps come. The wording is domain.scheme_wording's; the notices go through
Receiving.write like every other (the person's channel, the unsubscribe link), once per event (the feed's own
processed_events record).

`feed` is the SpaceFeed applying the event: its roles are the people; its reader fills a title still unknown."""
import sqlalchemy as sa

from .. import domain
from ..models import SpaceItem, SpaceRole


def drafted_project(feed, item: SpaceItem, carrier: str) -> list:
    feed._fill(item)
    return [domain.project_drafted_notice(carrier, item.item_id, item.title)]


def merge_invitations(feed, merged: SpaceItem, sources: list) -> list:
    """The carriers of the sources, each once, invited to carry the merged project (as budget invites them)."""
    invitees = sorted({account_id for source in sources for account_id in feed._holders(source, domain.CARRIER)})
    if invitees:
        feed._fill(merged)
    return [domain.merge_invitation_notice(account_id, merged.item_id, merged.title) for account_id in invitees]


def project_status(feed, item: SpaceItem, payload: dict) -> list:
    """Carriers (« Mes projets ») then followers who do not carry it (« Ce que je suis »), each once."""
    carriers = feed._holders(item, domain.CARRIER)
    followers = feed._holders(item, domain.FOLLOWER, but_not=domain.CARRIER)
    if carriers or followers:
        feed._fill(item)
    status, effective = payload["status"] or "", payload.get("effective_date")
    return [domain.project_status_notice(account_id, item.item_id, item.title, status, effective, carrier=True)
            for account_id in carriers] + [
        domain.project_status_notice(account_id, item.item_id, item.title, status, effective, carrier=False)
        for account_id in followers]


def petition_step(feed, event_type: str, item: SpaceItem, payload: dict) -> list:
    """The author (« Mes pétitions ») and the signers who asked to be told and are not its author (« Pétitions
    signées »); a draft, or a petition refused, tells its author only."""
    authors = feed._holders(item, domain.AUTHOR)
    signers = [] if event_type in domain.AUTHOR_ONLY_EVENTS else sorted(set(feed.session.execute(
        sa.select(SpaceRole.account_id).where(
            SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id, SpaceRole.role == domain.SIGNER,
            SpaceRole.active.is_(True), SpaceRole.notify.is_(True))).scalars()) - set(authors))
    if authors or signers:
        feed._fill(item)
    if event_type == "petition_rejected" and authors:  # the public reason is not in the event: the petition's page
        found = feed.reader(item.kind, item.item_id) if feed.reader is not None else None
        payload = {**payload, "rejection": (found or {}).get("rejection")}
    notices = [domain.petition_notice(event_type, account_id, item.item_id, item.title, payload, author=True)
               for account_id in authors]
    notices += [domain.petition_notice(event_type, account_id, item.item_id, item.title, payload, author=False)
                for account_id in signers]
    return [notice for notice in notices if notice is not None]


def remember_opt_ins(feed, item: SpaceItem, account_ids: list, notify_ids: list):
    """Which of the signers just recorded asked to be told (only those the event names as signers count)."""
    if not account_ids:
        return
    opted = sorted(set(notify_ids or []) & set(account_ids))
    feed.session.flush()
    feed.session.execute(sa.update(SpaceRole).where(
        SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id, SpaceRole.role == domain.SIGNER,
        SpaceRole.account_id.in_(account_ids)).values(notify=SpaceRole.account_id.in_(opted))
        .execution_options(synchronize_session=False))


def threshold_for_late_signers(feed, item: SpaceItem, signers: list, signatures_count) -> list:
    """The signers who asked to be told, of a batch that signed before the threshold was reached (the one that
    crossed it, or an earlier one), when the threshold's event was applied before theirs: two queues, and two
    replicas taking a queue's events in parallel, so either may come first. Applied after, the threshold's event
    finds them among the signers (petition_step). Not a later batch: without its signatures the count had already
    reached the threshold."""
    threshold = (item.counts or {}).get("threshold")
    if item.state != "threshold_reached" or not threshold or signatures_count is None or not signers or not (
            threshold > signatures_count - len(signers)):
        return []
    authors = set(feed._holders(item, domain.AUTHOR))
    opted = sorted(set(feed.session.execute(sa.select(SpaceRole.account_id).where(
        SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id, SpaceRole.role == domain.SIGNER,
        SpaceRole.account_id.in_(signers), SpaceRole.active.is_(True), SpaceRole.notify.is_(True))).scalars())
        - authors)
    if opted:
        feed._fill(item)
    reached = {"threshold": threshold, "signatures_count": threshold}
    notices = [domain.petition_notice("petition_threshold_reached", account_id, item.item_id, item.title, reached,
                                      author=False) for account_id in opted]
    return [notice for notice in notices if notice is not None]
