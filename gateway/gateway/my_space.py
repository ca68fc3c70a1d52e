"""« Mon espace » (issue 15 §2): what the signed-in person took part in, as the notifications service's read model
answers it (`my_space`, contract §C). Asked for the session's person only (the actor is never taken from the
request), with a deadline: the service answers in milliseconds; past MY_SPACE_SECONDS the page says the space is
unavailable for now, and the API answers 503, rather than keeping the person waiting for the RPC timeout."""
import logging

import eventlet

from hubkit.errors import ServiceUnavailable

from . import actors, remote

log = logging.getLogger("gateway")

MY_SPACE_SECONDS = 2.0
UNAVAILABLE = "Votre espace est momentanément indisponible : réessayez dans quelques instants."


def fetch(query: dict) -> dict:
    """`notifications.my_space` for the signed-in person: `query` has limit, cursor and kind (validated by the
    caller's schema); the service's refusals come back as themselves, a slow answer as ServiceUnavailable."""
    timer = eventlet.Timeout(MY_SPACE_SECONDS)
    try:
        return remote.call("notifications", "my_space", actors.actor(), query)
    except eventlet.Timeout as error:
        if error is not timer:
            raise
        log.warning("my_space timed out")
        raise ServiceUnavailable(UNAVAILABLE) from None
    finally:
        timer.cancel()
