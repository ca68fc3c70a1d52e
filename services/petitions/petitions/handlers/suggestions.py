"""Similar content: the petitions closest to what a citizen (or an agent routing an idea) is typing, so that
they sign an open petition, or see the City's answer to a successful one, instead of filing the same request
again. Read from the text index (hubkit.text_index: a few statements whatever the number of petitions); which
petitions it may suggest: domain/suggestions.py. Public: anyone may read what the public list shows."""
import sqlalchemy as sa

from hubkit.text_index import TextIndex

from .. import domain
from ..models import Petition
from . import records
from .common import Context
from .views import Views


class Suggestions:
    def __init__(self, context: Context, views: Views):
        self.context, self.views = context, views

    def similar_content(self, query: dict) -> dict:
        """`query`: {"title", "description", "limit"} (schemas.SimilarContentQuerySchema). The best first."""
        found = TextIndex(self.context.session).similar(
            query["title"], query["description"], kinds=(domain.SUGGESTED,), limit=query["limit"],
            threshold=domain.SIMILARITY_THRESHOLD)
        ids = [doc_id for _, doc_id, _ in found]
        petitions = {petition.id: petition for petition in self.context.session.execute(
            sa.select(Petition).where(Petition.id.in_(ids))).scalars()} if ids else {}
        counts = records.counts(self.context, ids)
        items = []
        for _, doc_id, similarity in found:
            petition = petitions.get(doc_id)
            if petition is None or domain.index_kind(petition.status, bool(petition.hidden),
                                                     petition.threshold_reached_at is not None) != domain.SUGGESTED:
                continue  # the index and the petitions are written together: only a bug would get here
            items.append({
                "kind": domain.SUGGESTED, "id": petition.id, "title": petition.title,
                "excerpt": domain.excerpt(petition.asks), "status": petition.status,
                "status_label": domain.STATUSES[petition.status], "signatures_count": counts.get(petition.id, 0),
                "threshold": petition.threshold, "arrondissement": petition.arrondissement,
                "similarity": round(similarity, 4),
                "actions": domain.suggestion_actions(self.views.signable(petition))})
        return {"items": items}
