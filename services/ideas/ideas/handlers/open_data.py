"""The open datasets `ideas` and `consultations`, a page at a time (issue 15, section 5; the gateway streams them
as CSV and JSON under the ODbL).

Anonymised: no account id, no pseudonym, no description, address, comment or argument — only what the site shows
anyone (an idea's title, unless moderation masked it; a consultation's title and published decision) and counts.
Keyset paging on (created_at, id), both indexed, unique together and never changed: a page costs the same at the
end of 100,000 rows as at the start (never OFFSET), and holds at most `limit` rows in memory. The aggregates of a
page (an idea's decision date, a consultation's counts) are asked for that page's ids only. Dates are Paris's days
(domain/open_data.py), like the petitions' datasets.
"""
import sqlalchemy as sa

from .. import domain
from ..domain import consultations as cd
from ..domain.open_data import paris_day
from ..models import (Argument, Consultation, Idea, Proposal, ProposalComment, QuestionnaireResponse,
                      StatusChange)
from ..schemas.open_data import cursor_of
from .common import UseCases, aware

DECISIONS = (domain.FORWARDED, domain.ANSWERED, domain.NOT_RETAINED)


def _after(model, after):
    if after is None:
        return sa.true()
    moment, row_id = after
    # `created_at >= moment` alone bounds the index scan (on created_at) where the page starts: the OR alone would
    # make PostgreSQL read the table from its first row at every page
    return sa.and_(model.created_at >= moment,
                   sa.or_(model.created_at > moment, model.id > row_id))


def page_statement(model, columns, after, limit):
    """The rows after `after` in (created_at, id) order, one more than `limit` (to tell whether a page follows)."""
    return (sa.select(model.id, model.created_at, *columns).where(_after(model, after))
            .order_by(model.created_at, model.id).limit(limit + 1))


class OpenData(UseCases):
    use_cases = ("open_data_page",)

    def open_data_page(self, query: dict) -> dict:
        """`query`: {"dataset", "after": (created_at, id) or None, "limit"} → {"rows", "next"}."""
        page = {"ideas": self._ideas, "consultations": self._consultations}[query["dataset"]]
        return page(query["after"], query["limit"])

    def _page(self, model, columns, after, limit):
        rows = self.session.execute(page_statement(model, columns, after, limit)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, cursor_of(aware(rows[-1].created_at), rows[-1].id) if more else None

    def _ideas(self, after, limit) -> dict:
        rows, following = self._page(Idea, (Idea.title, Idea.theme, Idea.arrondissement, Idea.status,
                                             Idea.supports_count, Idea.scheme, Idea.hidden), after, limit)
        decided = dict(self.session.execute(
            sa.select(StatusChange.idea_id, sa.func.max(StatusChange.changed_at))
            .where(StatusChange.idea_id.in_([row.id for row in rows if row.status in DECISIONS]),
                   StatusChange.status.in_(DECISIONS))
            .group_by(StatusChange.idea_id)).all()) if rows else {}
        return {"rows": [{"idea_id": row.id, "title": None if row.hidden else row.title, "theme": row.theme,
                          "arrondissement": row.arrondissement, "status": row.status,
                          "submitted_at": paris_day(row.created_at), "supports_count": row.supports_count or 0,
                          "scheme": row.scheme if row.status == domain.FORWARDED else None,
                          "decided_at": paris_day(decided.get(row.id))} for row in rows],
                "next": following}

    def _consultations(self, after, limit) -> dict:
        rows, following = self._page(Consultation, (
            Consultation.title, Consultation.opens_at, Consultation.closes_at, Consultation.synthesis_published_at,
            Consultation.decision), after, limit)
        ids = [row.id for row in rows]
        proposals = self._counts(Proposal, ids, Proposal.amends_id.is_(None))
        contributions = [self._counts(model, ids) for model in
                         (Proposal, ProposalComment, Argument, QuestionnaireResponse)]
        participants = self._participants(ids)
        now = self.clock()
        return {"rows": [{"consultation_id": row.id, "title": row.title, "opens_at": paris_day(row.opens_at),
                          "closes_at": paris_day(row.closes_at),
                          "state": cd.state(aware(row.opens_at), aware(row.closes_at), now),
                          "proposals_count": proposals.get(row.id, 0),
                          "contributions_count": sum(counts.get(row.id, 0) for counts in contributions),
                          "participants_count": participants.get(row.id, 0),
                          "synthesis_published_at": paris_day(row.synthesis_published_at),
                          "decision": row.decision if row.synthesis_published_at is not None else None}
                         for row in rows],
                "next": following}

    def _counts(self, model, ids, *conditions) -> dict:
        if not ids:
            return {}
        return dict(self.session.execute(sa.select(model.consultation_id, sa.func.count())
                                         .where(model.consultation_id.in_(ids), *conditions)
                                         .group_by(model.consultation_id)).all())

    def _participants(self, ids) -> dict:
        """Distinct accounts that proposed, commented, argued or answered (an erased account no longer counts:
        its contributions are unlinked)."""
        if not ids:
            return {}
        people = sa.union(*(sa.select(model.consultation_id.label("consultation_id"), person.label("person"))
                            .where(model.consultation_id.in_(ids), person.is_not(None))
                            for model, person in ((Proposal, Proposal.author_id),
                                                  (ProposalComment, ProposalComment.author_id),
                                                  (Argument, Argument.author_id),
                                                  (QuestionnaireResponse, QuestionnaireResponse.account_id)))
                          ).subquery()
        return dict(self.session.execute(sa.select(people.c.consultation_id, sa.func.count(people.c.person))
                                         .group_by(people.c.consultation_id)).all())
