"""Reading petitions: the forms' reference data, the public list, a petition's page and a citizen's own list."""
import sqlalchemy as sa

from hubkit.text_index import TextIndex

from .. import domain
from ..models import Petition, Signature, Sponsor
from . import tab_counts
from .common import Context
from .views import Views


class Reading:
    def __init__(self, context: Context, views: Views):
        self.context, self.views = context, views

    def reference_data(self) -> dict:
        """Statuses, rejection codes, decisions, eligibility rules and the City's settings, for forms."""
        settings = self.context.settings
        return {
            "statuses": [{"code": code, "label": label} for code, label in domain.STATUSES.items()],
            "rejection_codes": [{"code": code, "label": label} for code, label in domain.REJECTION_CODES.items()],
            "decisions": [{"code": code, "label": label} for code, label in domain.DECISIONS.items()],
            "eligibility": [{"code": code, "label": label} for code, label in domain.ELIGIBILITY.items()],
            "settings": {"sponsors_required": settings.sponsors_required, "threshold": settings.threshold,
                         "eligibility": settings.eligibility, "open_months": settings.open_months,
                         "moderation_days": settings.moderation_days},
        }

    def list_petitions(self, query: dict) -> dict:
        """The public list: one tab (status group), optionally searched; hidden petitions are never listed.

        Each tab's page comes from its index (models.py) in its order, or, with words to search, from the text
        index (hubkit.text_index: every word, "a phrase", prefix*, accents and plurals ignored), the most
        relevant first, then in the chosen order, then by id. The tab counts are one grouped count, of the visible
        petitions (index only) or of those found, remembered under the list's version (tab_counts.py). Words
        with nothing searchable in them (only punctuation or stop words) find nothing."""
        session, words = self.context.session, query["query"].strip()
        found = TextIndex(session).search(words, kinds=domain.INDEX_KINDS) if words else None
        if words and found is None:
            return {"items": [], "total": 0, "counts": {group: 0 for group in domain.LIST_GROUPS}}
        conditions = [Petition.hidden == sa.false()]  # as the list's indexes say it (models.py)
        if query.get("arrondissement"):
            conditions.append(Petition.arrondissement == query["arrondissement"])
        counted = sa.select(Petition.status, sa.func.count()).where(Petition.status.in_(domain.PUBLIC_STATUSES),
                                                                    *conditions)
        statement = sa.select(Petition).where(Petition.status.in_(domain.LIST_GROUPS[query["status"]]), *conditions)
        order = []
        if found is not None:
            matches = found.matches
            counted = counted.join(matches, matches.c.doc_id == Petition.id)
            statement = statement.join(matches, matches.c.doc_id == Petition.id)
            order.append(matches.c.score.desc())
        tabs = tab_counts.remembered(self.context, words, query.get("arrondissement"),
                                     lambda: _by_tab(session.execute(counted.group_by(Petition.status)).all()))
        published = sa.func.coalesce(Petition.opened_at, Petition.moderated_at)
        if query["sort"] == "popular":  # the total kept on the row (handlers/signature_totals.py)
            order.append(Petition.signatures_count.desc())
        statement = statement.order_by(*order, published.desc(), Petition.id)
        petitions = session.execute(statement.limit(query["limit"]).offset(query["offset"])).scalars().all()
        return {"items": self.views.summaries(petitions), "total": tabs[query["status"]], "counts": tabs}

    def get_petition(self, petition_id, actor: dict | None = None) -> dict:
        """The petition page: read in one statement (`Views.page_of`), plus the public trace of invalidations when
        the petition has one and the chart by arrondissement when it is not kept. Readers come back again and
        again during a signing rush."""
        petition, facts = self.views.page_of(petition_id, actor)
        return self.views.petition_view(self.views.visible(petition, actor), actor, facts)

    def my_petitions(self, actor: dict) -> dict:
        session, account_id = self.context.session, str(actor["account_id"])
        authored = session.execute(sa.select(Petition).where(Petition.author_id == account_id)
                                   .order_by(Petition.created_at.desc())).scalars().all()
        sponsored = session.execute(sa.select(Petition).join(Sponsor, Sponsor.petition_id == Petition.id).where(
            Sponsor.account_id == account_id).order_by(Sponsor.created_at.desc())).scalars().all()
        signed = session.execute(sa.select(Petition).join(Signature, Signature.petition_id == Petition.id).where(
            Signature.account_id == account_id).order_by(Signature.created_at.desc())).scalars().all()
        return {"authored": self.views.summaries(authored, actor), "sponsored": self.views.summaries(sponsored, actor),
                "signed": self.views.summaries(signed, actor)}


def _by_tab(counted: list) -> dict:
    """(status, count) rows -> each tab's count."""
    counts = dict(counted)
    return {group: sum(counts.get(status, 0) for status in statuses) for group, statuses in domain.LIST_GROUPS.items()}
