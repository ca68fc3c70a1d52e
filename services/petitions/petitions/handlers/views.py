"""How petitions are shown: the summary of a list, the whole page with what its reader did, the chart by
arrondissement and the public trace of invalidations. Every date leaves timezone-aware (UTC)."""
import time

import sqlalchemy as sa
from cachetools import TLRUCache

from hubkit.errors import NotFound

from .. import domain
from ..models import ModerationLogEntry, Petition, Signature, SignatureCounter, Sponsor
from . import records
from .common import Context, aware, is_author

CHARTS_KEPT = 1000


def _kept_until(petition_id, entry, now):
    seconds, _chart = entry
    return now + seconds


# petition id -> (seconds kept, chart by arrondissement), in this process; each chart expires after the seconds
# of the settings it was read with (TLRU: the time to live is the entry's own).
_CHARTS = TLRUCache(maxsize=CHARTS_KEPT, ttu=_kept_until, timer=time.monotonic)


def forget_chart(petition_id: str):
    _CHARTS.pop(petition_id, None)


class Views:
    def __init__(self, context: Context):
        self.context = context

    def visible(self, petition: Petition | None, actor: dict | None) -> Petition:
        """Drafts are seen by their author; petitions awaiting moderation by their author and moderators."""
        if petition is None or (petition.status in (domain.DRAFT, domain.SUBMITTED) and
                                not self._may_see_unpublished(petition, actor)):
            raise NotFound("Pétition introuvable.")
        return petition

    @staticmethod
    def _may_see_unpublished(petition: Petition, actor: dict | None) -> bool:
        """A draft is its author's alone (co-sponsors read it through their link); moderators see it once it
        is submitted to them."""
        if actor is None:
            return False
        if is_author(petition, actor):
            return True
        return petition.status == domain.SUBMITTED and domain.is_moderator(actor["roles"])

    @staticmethod
    def _concealed(petition: Petition, actor: dict | None) -> bool:
        """A petition hidden for legal reasons shows only its status and the reason, except to its author and
        to moderators."""
        return bool(petition.hidden) and not (is_author(petition, actor) or
                                              (actor is not None and domain.is_moderator(actor["roles"])))

    def summary_view(self, petition: Petition, count: int, sponsors: int, actor: dict | None = None) -> dict:
        now = self.context.clock()
        concealed = self._concealed(petition, actor)
        return {
            "id": petition.id, "status": petition.status, "status_label": domain.STATUSES[petition.status],
            "title": domain.HIDDEN_TITLE if concealed else petition.title, "arrondissement": petition.arrondissement,
            "author_pseudonym": petition.author_pseudonym, "signatures_count": count,
            "threshold": petition.threshold, "progress_percent": domain.progress_percent(count, petition.threshold),
            "created_at": aware(petition.created_at), "submitted_at": aware(petition.submitted_at),
            "opened_at": aware(petition.opened_at), "closes_at": aware(petition.closes_at),
            "moderation_due_at": aware(petition.moderation_due_at),
            "overdue": petition.status == domain.SUBMITTED and domain.overdue(aware(petition.moderation_due_at), now),
            "sponsors_count": sponsors, "sponsors_required": self.context.settings.sponsors_required,
            "hidden": bool(petition.hidden),
            "council": {"session_date": petition.council_session_date, "agenda_url": petition.council_agenda_url,
                        "scheduled_at": aware(petition.scheduled_at)} if petition.council_session_date else None,
            "answer": {"decision": petition.decision, "decision_label": domain.DECISIONS[petition.decision],
                       "response": petition.response, "answered_at": aware(petition.answered_at)}
            if petition.decision else None,
            "rejection": {"code": petition.rejection_code, "label": domain.REJECTION_CODES[petition.rejection_code],
                          "reason": petition.rejection_reason, "hidden": bool(petition.hidden)}
            if petition.rejection_code else None,
        }

    def petition_view(self, petition: Petition, actor: dict | None = None, facts: dict | None = None) -> dict:
        """`facts`: what `page_of` read with the petition (its count, co-sponsors, whether it has invalidations,
        what the reader did), so the page reads nothing more; without them (the view a change answers with), they
        are read by that same statement, after the change is flushed."""
        if facts is None:
            facts = self.page_of(petition.id, actor)[1]
        view = self.summary_view(petition, facts["count"], facts["sponsors"], actor)
        concealed = self._concealed(petition, actor)
        view.update({
            "asks": "" if concealed else petition.asks, "background": "" if concealed else petition.background,
            "eligibility": petition.eligibility,
            "eligibility_label": domain.ELIGIBILITY.get(petition.eligibility) if petition.eligibility else None,
            "threshold_reached_at": aware(petition.threshold_reached_at), "updated_at": aware(petition.updated_at),
            "closed_at": aware(petition.closed_at), "closed_reason": petition.closed_reason,
            "signable": self.signable(petition),
            "by_arrondissement": self._by_arrondissement(petition.id) if petition.opened_at else [],
            "sponsor_token": petition.sponsor_token if is_author(petition, actor) and petition.status == domain.DRAFT
            else None,
            "origin_idea_id": petition.origin_idea_id,
            "invalidations": self.invalidations(petition.id) if petition.opened_at and facts["invalidated"] else [],
            "viewer": self._viewer(petition, actor, facts) if actor is not None else None,
        })
        return view

    def summaries(self, petitions: list, actor: dict | None = None) -> list:
        counts = records.counts(self.context, (p.id for p in petitions))
        sponsors = records.sponsor_counts(self.context, (p.id for p in petitions))
        return [self.summary_view(p, counts.get(p.id, 0), sponsors.get(p.id, 0), actor) for p in petitions]

    def page_of(self, petition_id, actor: dict | None) -> tuple:
        """The petition (or None) and, read with it, its count (from its counter rows), its co-sponsors, whether
        signatures of it were ever invalidated and, for a signed-in reader, whether they signed or sponsored it."""
        parameters = {"petition_id": str(petition_id)}
        if actor is not None:
            parameters["account_id"] = str(actor["account_id"])
        row = self.context.session.execute(_PAGE_FOR_READER if actor is not None else _PAGE, parameters).first()
        if row is None:
            return None, None
        facts = {"count": int(row.count), "sponsors": int(row.sponsors), "invalidated": bool(row.invalidated)}
        if actor is not None:
            facts.update(signed=bool(row.signed), sponsored=bool(row.sponsored))
        return row.Petition, facts

    def invalidations(self, petition_id: str) -> list:
        """The public trace of bulk invalidations: how many signatures, why, when (never the criterion)."""
        entries = self.context.session.execute(sa.select(ModerationLogEntry).where(
            ModerationLogEntry.petition_id == petition_id, ModerationLogEntry.action == "signatures_invalidated")
            .order_by(ModerationLogEntry.at, ModerationLogEntry.id)).scalars()
        return [{"count": e.affected, "reason": e.reason, "at": aware(e.at)} for e in entries]

    def signable(self, petition: Petition) -> bool:
        try:
            domain.check_can_sign(petition.status, aware(petition.closes_at), self.context.clock())
        except domain.RuleBroken:
            return False
        return True

    @staticmethod
    def _viewer(petition: Petition, actor: dict, facts: dict) -> dict:
        return {"is_author": is_author(petition, actor), "signed": facts["signed"],
                "sponsored": facts["sponsored"], "can_moderate": domain.is_moderator(actor["roles"]),
                "can_administer": domain.is_admin(actor["roles"])}

    def _by_arrondissement(self, petition_id: str) -> list:
        """Signatures per arrondissement (from the signers' profiles at signing time); None: not known.

        Counting them reads every signature of the petition: under a rush, every signer who comes back to the
        page would do it. The chart is kept `settings.chart_cache_seconds` in this process (the count above
        it comes from the counter rows, exact at every commit); an invalidation here drops it at once."""
        seconds = self.context.settings.chart_cache_seconds
        cached = _CHARTS.get(petition_id) if seconds > 0 else None
        if cached is not None:
            return cached[1]
        rows = self.context.session.execute(sa.select(Signature.arrondissement, sa.func.count()).where(
            Signature.petition_id == petition_id, Signature.invalidated_at.is_(None))
            .group_by(Signature.arrondissement))
        counts = dict(rows.all())
        chart = [{"arrondissement": number, "signatures": counts.get(number, 0)} for number in range(1, 21)] + \
            [{"arrondissement": None, "signatures": counts.get(None, 0)}]
        if seconds > 0:
            _CHARTS[petition_id] = (seconds, chart)
        return chart


def _page_statement(for_reader: bool):
    """`page_of`'s statement: the petition, with correlated subqueries for what its page shows besides it."""
    count = sa.select(sa.func.coalesce(sa.func.sum(SignatureCounter.signatures), 0)).where(
        SignatureCounter.petition_id == Petition.id).correlate(Petition).scalar_subquery()
    sponsors = sa.select(sa.func.count(Sponsor.id)).where(Sponsor.petition_id == Petition.id).correlate(
        Petition).scalar_subquery()
    invalidated = sa.exists().where(ModerationLogEntry.petition_id == Petition.id,
                                    ModerationLogEntry.action == "signatures_invalidated").correlate(Petition)
    columns = [Petition, count.label("count"), sponsors.label("sponsors"), invalidated.label("invalidated")]
    if for_reader:
        reader = sa.bindparam("account_id", type_=sa.String)
        columns += [sa.exists().where(Signature.petition_id == Petition.id, Signature.account_id == reader)
                    .correlate(Petition).label("signed"),
                    sa.exists().where(Sponsor.petition_id == Petition.id, Sponsor.account_id == reader)
                    .correlate(Petition).label("sponsored")]
    return sa.select(*columns).where(Petition.id == sa.bindparam("petition_id", type_=sa.String))


_PAGE, _PAGE_FOR_READER = _page_statement(False), _page_statement(True)
