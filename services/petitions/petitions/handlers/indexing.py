"""Keeping the text index (hubkit.text_index) in step with the petitions, in the transaction that changes one:
each step that changes what the index should hold of a petition (publication, rejection, closing, demo seeding)
calls `index_petition`. What it holds, and why: domain/suggestions.py."""
from hubkit.text_index import TextIndex

from .. import domain
from ..models import Petition
from .common import Context


def index_petition(context: Context, petition: Petition):
    """Put the petition under the kind its state gives it (its title, and what it asks), out of the other."""
    kind = domain.index_kind(petition.status, bool(petition.hidden), petition.threshold_reached_at is not None)
    index = TextIndex(context.session)
    for other in domain.INDEX_KINDS:
        if other != kind:
            index.remove(other, petition.id)
    if kind is not None:
        index.put(kind, petition.id, petition.title, petition.asks)


def documents_of(petitions) -> list:
    """(kind, id, title, body) of the petitions to index, for `TextIndex.put_many` (backfill)."""
    return [(kind, petition.id, petition.title, petition.asks) for petition in petitions
            if (kind := domain.index_kind(petition.status, bool(petition.hidden),
                                          petition.threshold_reached_at is not None)) is not None]
