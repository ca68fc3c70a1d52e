"""What routing's `idea_assigned` tells the agent a colleague confided an idea to (moved here from the routing
service, issue 15 §1), « Idées qui me sont confiées »: the words routing's own e-mail had, the link to the agent's
page for the idea in the back-office. Nobody is told of an idea they took themselves, nor of an idea given to a
direction without anyone in particular. No greeting (accounts' mail opens with « Bonjour <pseudonyme>, »)."""
from datetime import datetime

from hubkit.clock import aware

from .preferences import ASSIGNMENTS
from .wording import TITLE_MAX, Notice

__all__ = ["ASSIGNED_SUBJECT", "orientation_link", "agent_to_tell", "assigned_notice"]

ASSIGNED_SUBJECT = "Une idée vous est confiée"


def orientation_link(idea_id: str) -> str:
    return f"/back-office/orientation/{idea_id}"


def agent_to_tell(agent_id: str | None, actor_id: str | None) -> str | None:
    """The agent to tell, or None: nobody in particular, or the agent took the idea themselves."""
    if not agent_id or (actor_id and str(agent_id) == str(actor_id)):
        return None
    return str(agent_id)


def assigned_notice(agent_id: str, idea_id: str, title: str | None, direction: str | None,
                    deadline_at: datetime | None) -> Notice:
    """The notice for the agent; a title or a deadline the event and the idea box did not give is not invented."""
    what = f"L'idée « {title} »" if title else "Une idée"
    body = f"{what} vous est confiée" + (f" (direction {direction})" if direction else "")
    body += f", à traiter avant le {aware(deadline_at).strftime('%d/%m/%Y')}." if deadline_at else "."
    body += "\n\nVous la décidez depuis sa page d'orientation."
    return Notice(str(agent_id), ASSIGNMENTS, ASSIGNED_SUBJECT[:TITLE_MAX], body, orientation_link(idea_id))
