"""Demo petitions (local runs and the signing bench only): created as the demo team, already through their steps."""
from .. import domain
from ..models import Petition, SignatureCounter
from .common import Context
from .drafting import checked_texts
from .indexing import index_petition


class Demo:
    def __init__(self, context: Context):
        self.context = context

    def seed_demo_petition(self, demo: dict) -> int:
        """Create one demo petition with fixed id, as the demo team, already through its steps. 1 if created."""
        session, settings = self.context.session, self.context.settings
        if session.get(Petition, demo["id"]) is not None:
            return 0
        texts = checked_texts(demo)
        now = self.context.clock()
        petition = Petition(id=demo["id"], status=domain.DRAFT, title=texts["title"], asks=texts["asks"],
                            background=texts["background"], arrondissement=texts["arrondissement"],
                            search_text=domain.searchable(texts["title"], texts["asks"]), author_id=None,
                            author_pseudonym=demo.get("author_pseudonym", "Équipe démo"), hidden=False,
                            created_at=now, updated_at=now)
        session.add(petition)
        session.flush()
        petition.status, petition.submitted_at = domain.SUBMITTED, now
        petition.moderation_due_at = domain.moderation_due(now, settings.moderation_days)
        if demo["status"] != domain.SUBMITTED:
            petition.status, petition.eligibility = domain.OPEN, settings.eligibility
            petition.threshold = demo.get("threshold", settings.threshold)
            petition.opened_at, petition.closes_at = now, domain.add_months(now, settings.open_months)
            petition.moderated_at = now
            petition.signatures_count = demo.get("signatures", 0)
            session.add_all(SignatureCounter(petition_id=petition.id, shard=shard,
                                             signatures=demo.get("signatures", 0) if shard == 0 else 0)
                            for shard in range(domain.COUNTER_SHARDS))
        if demo["status"] in (domain.THRESHOLD_REACHED, domain.SCHEDULED):
            petition.status, petition.threshold_reached_at = domain.THRESHOLD_REACHED, now
        if demo["status"] == domain.SCHEDULED:
            petition.status, petition.council_session_date = domain.SCHEDULED, demo["session_date"]
            petition.council_agenda_url, petition.scheduled_at = demo["agenda_url"], now
        index_petition(self.context, petition)
        return 1
