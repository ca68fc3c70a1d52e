"""E-mails from the budget service's own events, sent by accounts (accounts.notify knows the addresses):
carriers invited to a merged project (`projects_merged`), followers and carriers of a project whose
implementation status changed (`project_status_changed`), the author of a forwarded idea whose draft awaits them
(`project_drafted`).

Nothing is written while accounts is called (no transaction waits on another service): the recipients are read,
the read transaction ends, the e-mails are queued by accounts, then the event is recorded as applied. If accounts
does not answer, nothing is recorded and the event is retried later (at least once, never silently lost).
"""
import logging

import sqlalchemy as sa
from hubkit.config import public_url
from hubkit.validation import load
from hubkit.tables import infrastructure_tables
from marshmallow import EXCLUDE, Schema, fields

from .. import domain, events
from ..models import Base, Project
from .co_construction import merge_invitees
from .common import UseCases
from .tracking import followers

log = logging.getLogger(__name__)

KNOWN_EVENT_VERSION = 1
NOTIFY_BATCH = 5000  # account ids per accounts.notify call (accounts takes at most 10,000)
# The handlers of the service's own events that e-mail people (their names in processed_events).
HANDLERS = {events.PROJECTS_MERGED: "budget.notify_merge_invitation",
            events.PROJECT_STATUS_CHANGED: "budget.notify_status_change",
            events.PROJECT_DRAFTED: "budget.notify_draft"}


class _ProjectEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    project_id = fields.UUID(required=True)


def project_url(project_id: str) -> str:
    return f"{public_url()}/budget-participatif/projets/{project_id}"


def message_for(event_type: str, project: Project, payload: dict) -> dict:
    url = project_url(project.id)
    if event_type == events.PROJECTS_MERGED:
        return {"subject": f"Votre projet rejoint un projet co-construit : « {project.title} »",
                "body": f"Pendant la co-construction du budget participatif, la Ville a rassemblé votre projet avec "
                        f"d'autres projets proches dans « {project.title} ».\n\nVous êtes invité·e à porter ce projet "
                        f"co-construit : acceptez ou refusez l'invitation sur sa page (si vous refusez, la fusion "
                        f"demeure et vous n'en êtes simplement pas porteur·se).\n\n{url}"}
    if event_type == events.PROJECT_STATUS_CHANGED:
        label = domain.IMPLEMENTATION_STATUSES.get(payload.get("status"), payload.get("status"))
        return {"subject": f"Avancement du projet « {project.title} » : {label}",
                "body": f"Le projet « {project.title} », lauréat du budget participatif, passe à l'étape « {label} » "
                        f"(date d'effet : {payload.get('effective_date')}).\n\nLe calendrier du projet et la "
                        f"justification de la Ville sont sur sa page :\n{url}"}
    return {"subject": f"Votre idée devient un projet du budget participatif : « {project.title} »",
            "body": f"La Ville a orienté votre idée vers le budget participatif. Un brouillon de projet vous attend : "
                    f"complétez-le (coût estimé, lieu, description) et confirmez son dépôt pendant la période de "
                    f"dépôt.\n\n{url}"}


class Notifications(UseCases):
    """E-mails about projects, sent through accounts."""

    def notification(self, envelope: dict, send) -> bool:
        """`send({"account_ids", "subject", "body"})` is accounts.notify. False: already applied, or nothing to do."""
        handler = HANDLERS.get(envelope["type"])
        if handler is None or envelope["version"] != KNOWN_EVENT_VERSION:
            log.warning("unknown event or version, ignored", extra={"event_type": envelope["type"],
                                                                     "version": envelope["version"]})
            return False
        project_id = str(load(_ProjectEventSchema(), envelope["payload"])["project_id"])
        processed = infrastructure_tables(Base.metadata)["processed"]
        if self.session.execute(sa.select(processed.c.event_id).where(
                processed.c.event_id == str(envelope["event_id"]), processed.c.handler == handler)).first():
            return False
        project = self.session.get(Project, project_id)
        recipients, message = [], None
        if project is not None:
            message = message_for(envelope["type"], project, envelope["payload"])
            if envelope["type"] == events.PROJECTS_MERGED:
                recipients = merge_invitees(self.session, project)
            else:
                recipients = followers(self.session, project)
        self.session.rollback()  # only read so far: the connection is free while accounts is called
        for start in range(0, len(recipients), NOTIFY_BATCH):
            # named by the event and its part: a retry after a late answer is queued once by accounts
            send({"account_ids": recipients[start:start + NOTIFY_BATCH], **message,
                  "event_id": str(envelope["event_id"]), "purpose": f"{handler}#{start}"})
        return self.uow.first_delivery(envelope, handler)
