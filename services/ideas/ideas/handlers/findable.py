"""The ideas service's text index (hubkit.text_index), kept in step with the ideas and consultation proposals in the
unit of work that changes them: a document is in it while it may be found (domain.similarity), with its title and
text as citizens read them. Ideas and proposals are never edited; what changes whether they may be found is
moderation (hidden, restored) and merging (the merged idea leaves, the idea it joined stays)."""
from hubkit.text_index import TextIndex

from .. import domain
from ..models import Idea, Proposal


def idea_document(idea: Idea) -> tuple:
    return domain.IDEA_DOCUMENT, idea.id, idea.title, idea.description


def proposal_document(proposal: Proposal) -> tuple:
    return domain.PROPOSAL_DOCUMENT, proposal.id, proposal.title, proposal.body


class FindableContent:
    """What may be found, written to the index of one unit of work's session."""

    def __init__(self, session):
        self.index = TextIndex(session)

    def idea_changed(self, idea: Idea):
        """Puts the idea in the index if it may be found, else takes it out (nothing if it was not there)."""
        if domain.idea_findable(idea.status, idea.hidden):
            self.index.put(*idea_document(idea))
        else:
            self.index.remove(domain.IDEA_DOCUMENT, idea.id)

    def ideas_added(self, ideas):
        """New ideas in bulk (an import): those that may be found, in one write."""
        documents = [idea_document(idea) for idea in ideas if domain.idea_findable(idea.status, idea.hidden)]
        if documents:
            self.index.put_many(documents)

    def proposal_changed(self, proposal: Proposal):
        if domain.proposal_findable(proposal.hidden, proposal.amends_id):
            self.index.put(*proposal_document(proposal))
        else:
            self.index.remove(domain.PROPOSAL_DOCUMENT, proposal.id)

    def proposals_added(self, proposals):
        documents = [proposal_document(proposal) for proposal in proposals
                     if domain.proposal_findable(proposal.hidden, proposal.amends_id)]
        if documents:
            self.index.put_many(documents)
