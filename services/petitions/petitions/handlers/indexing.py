"""Keeping the text index (hubkit.text_index) in step with the petitions, in the transaction that changes one:
each step that changes what the index should hold of a petition (publication, rejection, closing, demo seeding)
calls `index_petition`; the steps between suggested states (threshold reached, Council, answer) keep the kind and
the text, and do not. What it holds, and why: domain/suggestions.py."""
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

