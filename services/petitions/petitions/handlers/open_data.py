"""The petitions' open datasets, a page at a time (issue 15, section 5; the rules: domain/open_data.py).

Both datasets follow the petitions' ids (the primary key: unique, stable, an index gives it), never OFFSET: a page
costs its rows, whatever its place. `petitions` reads one page of published petitions and their exact counts
(the counter rows, as the petition page does); `petition_signatures_by_arrondissement` counts the valid
signatures of a few published petitions at a time, grouped by arrondissement (the signatures' index by petition
and arrondissement), until the page is full: each petition's signatures are counted once, or twice when a page
ends inside its rows."""
import sqlalchemy as sa

from ..domain import open_data as rules_of
from ..models import Petition, Signature
from . import records
from .common import Context, aware, rules

PETITIONS_PER_COUNT = 500  # published petitions whose signatures one grouped count reads
_PETITION_COLUMNS = (Petition.id, Petition.title, Petition.status, Petition.opened_at, Petition.moderated_at,
                     Petition.threshold, Petition.threshold_reached_at, Petition.council_session_date,
                     Petition.decision)


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
        statement = sa.select(*_PETITION_COLUMNS).where(Petition.status.in_(rules_of.PUBLISHED_STATUSES),
                                                         Petition.hidden == sa.false())
        if after_id is not None:
            statement = statement.where(Petition.id > after_id)
        found = self.context.session.execute(statement.order_by(Petition.id).limit(limit + 1)).all()
        shown = found[:limit]
        counts = records.counts(self.context, (petition.id for petition in shown))
        rows = [_petition_row(petition, counts.get(petition.id, 0)) for petition in shown]
        following = rules_of.cursor_after(rules_of.PETITIONS, shown[-1].id) if len(found) > limit else None
        return {"rows": rows, "next": following}

    def _by_arrondissement(self, after: tuple | None, limit: int) -> dict:
        """One more row than the page is looked for, to know whether another page follows."""
        rows, start, inclusive = [], after[0] if after else None, True
        while len(rows) <= limit:
            petition_ids = self._published_ids(start, inclusive)
            if not petition_ids:
                break
            for petition_id, key, count in self._counted(petition_ids):
                if after is None or (petition_id, key) > after:
                    rows.append({"petition_id": petition_id, "arrondissement": rules_of.arrondissement_label(key),
                                 "signatures_count": count, "_key": key})
            start, inclusive = petition_ids[-1], False
            if len(petition_ids) < PETITIONS_PER_COUNT:
                break
        shown = rows[:limit]
        following = rules_of.cursor_after(rules_of.BY_ARRONDISSEMENT, shown[-1]["petition_id"], shown[-1]["_key"]) \
            if len(rows) > limit else None
        for row in shown:
            del row["_key"]
        return {"rows": shown, "next": following}

    def _published_ids(self, start: str | None, inclusive: bool) -> list:
        """The next published petitions that were ever open to signatures, by id, from `start`."""
        statement = sa.select(Petition.id).where(Petition.status.in_(rules_of.PUBLISHED_STATUSES),
                                                 Petition.hidden == sa.false(), Petition.opened_at.is_not(None))
        if start is not None:
            statement = statement.where(Petition.id >= start if inclusive else Petition.id > start)
        return list(self.context.session.execute(
            statement.order_by(Petition.id).limit(PETITIONS_PER_COUNT)).scalars())

    def _counted(self, petition_ids: list) -> list:
        """(petition id, arrondissement key, valid signatures) of these petitions, in the dataset's order."""
        counted = self.context.session.execute(
            sa.select(Signature.petition_id, Signature.arrondissement, sa.func.count())
            .where(Signature.petition_id.in_(petition_ids), Signature.invalidated_at.is_(None))
            .group_by(Signature.petition_id, Signature.arrondissement))
        return sorted((petition_id, rules_of.arrondissement_key(arrondissement), int(count))
                      for petition_id, arrondissement, count in counted)


def _petition_row(petition, count: int) -> dict:
    """`petition`: a row of _PETITION_COLUMNS."""
    published = petition.opened_at or petition.moderated_at
    return {"petition_id": petition.id, "title": petition.title, "status": petition.status,
            "published_at": rules_of.paris_date(aware(published)), "signatures_count": count,
            "threshold": petition.threshold, "threshold_reached_at": rules_of.paris_date(aware(
                petition.threshold_reached_at)),
            "council_session": petition.council_session_date, "council_outcome": petition.decision}
