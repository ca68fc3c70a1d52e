"""The petitions' open datasets, a page at a time (issue 15, section 5; the rules: domain/open_data.py).

Both datasets follow the petitions' ids (the primary key: unique, stable, an index gives it), never OFFSET: a page
costs its rows, whatever its place. `petitions` reads one page of published petitions with the total kept on each
row (the popular order's: at most the sweep's period behind the counter rows, which a page of 2,000 petitions
would read from a large part of their table); `petition_signatures_by_arrondissement` counts the valid
signatures of a few published petitions at a time, grouped by arrondissement (through an index of the signatures
by petition), until the page is full: the next page counts again only the petitions of the last count it
did not give in full."""
import sqlalchemy as sa

from ..domain import open_data as rules_of
from ..models import Petition, Signature
from .common import Context, aware, rules

PETITIONS_PER_COUNT = 500  # published petitions whose signatures one grouped count reads
_PETITION_COLUMNS = (Petition.id, Petition.title, Petition.status, Petition.opened_at, Petition.moderated_at,
                     Petition.threshold, Petition.threshold_reached_at, Petition.council_session_date,
                     Petition.decision, Petition.signatures_count)


class OpenData:
    def __init__(self, context: Context):
        self.context = context

    def dataset_page(self, query: dict) -> dict:
        """{"rows": [...], "next": cursor or None} of `query["dataset"]`, after `query["after"]` (a cursor this
        dataset gave, or None), at most `query["limit"]` rows. A cursor that is not one of ours: InvalidInput."""
        dataset, limit = query["dataset"], query["limit"]
        with rules():
            after = rules_of.position_of(dataset, query["after"]) if query["after"] is not None else None
        if dataset == rules_of.PETITIONS:
            return self._petitions(after[0] if after else None, limit)
        return self._by_arrondissement(after, limit)

    def _petitions(self, after_id: str | None, limit: int) -> dict:
        """The columns a row shows, never the whole petition (its text may weigh a few kilobytes)."""
        statement = sa.select(*_PETITION_COLUMNS).where(Petition.status.not_in(rules_of.UNPUBLISHED_STATUSES),
                                                         Petition.hidden == sa.false())
        if after_id is not None:
            statement = statement.where(Petition.id > after_id)
        found = self.context.session.execute(statement.order_by(Petition.id).limit(limit + 1)).all()
        shown = found[:limit]
        rows = [_petition_row(petition) for petition in shown]
        following = rules_of.cursor_after(rules_of.PETITIONS, shown[-1].id) if len(found) > limit else None
        return {"rows": rows, "next": following}

    def _by_arrondissement(self, after: tuple | None, limit: int) -> dict:
        """One more row than the page is looked for, to know whether another page follows. The first count reads
        as few petitions as could fill the page (each has at most 21 rows); each further count reads twice as
        many, up to PETITIONS_PER_COUNT: sparse petitions are reached in a few counts, dense ones not overread."""
        rows, start, inclusive = [], after[0] if after else None, True
        batch = min(PETITIONS_PER_COUNT, -(-(limit + 1) // rules_of.OUTSIDE_PARIS_KEY) + 1)
        while len(rows) <= limit:
            petition_ids = self._published_ids(start, inclusive, batch)
            for petition_id, key, count in self._counted(petition_ids):
                if after is None or (petition_id, key) > after:
                    rows.append({"petition_id": petition_id, "arrondissement": rules_of.arrondissement_label(key),
                                 "signatures_count": count, "_key": key})
            if len(petition_ids) < batch:
                break
            start, inclusive, batch = petition_ids[-1], False, min(PETITIONS_PER_COUNT, batch * 2)
        shown = rows[:limit]
        following = rules_of.cursor_after(rules_of.BY_ARRONDISSEMENT, shown[-1]["petition_id"], shown[-1]["_key"]) \
            if len(rows) > limit else None
        for row in shown:
            del row["_key"]
        return {"rows": shown, "next": following}

    def _published_ids(self, start: str | None, inclusive: bool, batch: int) -> list:
        """The next published petitions that were ever open to signatures, by id, from `start`."""
        statement = sa.select(Petition.id).where(Petition.status.not_in(rules_of.UNPUBLISHED_STATUSES),
                                                 Petition.hidden == sa.false(), Petition.opened_at.is_not(None))
        if start is not None:
            statement = statement.where(Petition.id >= start if inclusive else Petition.id > start)
        return list(self.context.session.execute(
            statement.order_by(Petition.id).limit(batch)).scalars())

    def _counted(self, petition_ids: list) -> list:
        """(petition id, arrondissement key, valid signatures) of these petitions, in the dataset's order."""
        if not petition_ids:
            return []
        counted = self.context.session.execute(
            sa.select(Signature.petition_id, Signature.arrondissement, sa.func.count())
            .where(Signature.petition_id.in_(petition_ids), Signature.invalidated_at.is_(None))
            .group_by(Signature.petition_id, Signature.arrondissement))
        totals = {}  # by (petition, key): an arrondissement Paris does not have joins those outside Paris
        for petition_id, arrondissement, count in counted:
            key = (petition_id, rules_of.arrondissement_key(arrondissement))
            totals[key] = totals.get(key, 0) + int(count)
        return sorted((petition_id, key, count) for (petition_id, key), count in totals.items())


def _petition_row(petition) -> dict:
    """`petition`: a row of _PETITION_COLUMNS."""
    published = petition.opened_at or petition.moderated_at
    return {"petition_id": petition.id, "title": petition.title, "status": petition.status,
            "published_at": rules_of.paris_date(aware(published)), "signatures_count": petition.signatures_count,
            "threshold": petition.threshold, "threshold_reached_at": rules_of.paris_date(aware(
                petition.threshold_reached_at)),
            "council_session": petition.council_session_date, "council_outcome": petition.decision}
