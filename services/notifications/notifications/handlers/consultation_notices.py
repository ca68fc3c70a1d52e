"""Who the idea box's own events tell (moved here from the ideas service, issue 15 §1): the followers of a merged
idea (its author is told by Receiving.author_event, « Mes idées »), the author of a proposal someone else amended,
the author of an amendment someone else decided. The wording is domain.consultation_wording's; the notices go
through Receiving.write like every other (the person's channel, the unsubscribe link), once per event (the feed's
own processed_events record).

The authors of proposals and amendments are remembered from `proposal_submitted` and `amendment_proposed` (their
citizen actor): the ideas service gives a pseudonym only. `feed` is the SpaceFeed applying the event; its reader
gives a proposal's title, the amended proposal's title and the decision note (ideas.get_proposal)."""
from .. import domain
from ..models import ProposalAuthor, SpaceItem


def remember_author(feed, proposal_id: str | None, author_id: str | None):
    """Keep who wrote a proposal or an amendment (a redelivery or a later event does not change a known author)."""
    if not proposal_id:
        return
    row = feed.session.get(ProposalAuthor, proposal_id)
    if row is None:
        feed.session.add(ProposalAuthor(proposal_id=proposal_id, author_id=author_id))
    elif author_id and not row.author_id:
        row.author_id = author_id


def _author(feed, proposal_id: str | None) -> str | None:
    row = feed.session.get(ProposalAuthor, proposal_id) if proposal_id else None
    return row.author_id if row is not None else None


def _proposal(feed, proposal_id: str) -> dict:
    """The proposal as ideas shows it to anyone ({} when it cannot be read: the text then names no title)."""
    return (feed.reader(domain.PROPOSAL, proposal_id) if feed.reader is not None else None) or {}


def amendment_proposed(feed, payload: dict, actor_id: str | None) -> list:
    """The amended proposal's author, unless they amended it themselves."""
    amendment_id, amended_id = payload["proposal_id"], payload["amends"]
    author = _author(feed, amended_id)
    if not amendment_id or not author or author == actor_id:
        return []
    found = _proposal(feed, amendment_id)
    return [domain.amendment_proposed_notice(author, amended_id, amendment_id, found.get("amended_title"),
                                             found.get("title"))]


def amendment_decided(feed, payload: dict, actor_id: str | None) -> list:
    """The amendment's author, unless they decided it themselves (the amended proposal was theirs too)."""
    amendment_id, amended_id = payload["amendment_id"], payload["proposal_id"]
    author = _author(feed, amendment_id)
    if not amended_id or not author or author == actor_id:
        return []
    found = _proposal(feed, amendment_id)
    notice = domain.amendment_decided_notice(author, amended_id, amendment_id, found.get("title"),
                                             payload["decision"] or "", found.get("decision_note"))
    return [notice] if notice is not None else []


def merged_followers(feed, merged: SpaceItem, surviving: SpaceItem, followers: list) -> list:
    """The followers of the merged idea who did not write it (its author is told as the author), each once."""
    author = feed._idea_author(merged.item_id)
    told = sorted(set(followers) - {author})
    if told:
        feed._fill(merged)
        feed._fill(surviving)
    return [domain.merged_follower_notice(account_id, merged.item_id, merged.title, surviving.item_id,
                                          surviving.title) for account_id in told]
