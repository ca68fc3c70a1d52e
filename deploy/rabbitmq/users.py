"""The hub's RabbitMQ identities: one user per service and one for the gateway, each limited to its own
queues and exchanges.

    python deploy/rabbitmq/users.py apply      # create or update the vhost, its exchanges, the users
    python deploy/rabbitmq/users.py show       # print each user's permissions (no broker needed)

It talks to the management HTTP API (stdlib only: it runs from any Python 3.11 image). Settings, from the
environment: RABBITMQ_MANAGEMENT_URL (http://127.0.0.1:15672), RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD
(or RABBITMQ_ADMIN_PASSWORD_FILE), RABBITMQ_VHOST (hub), and each identity's password in
RABBITMQ_<NAME>_PASSWORD or a file named by RABBITMQ_<NAME>_PASSWORD_FILE (a mounted secret). Passwords are
never in this repository. See docs/operations/broker.md.

The names are nameko 2.14's (rpc.py, events.py, standalone/rpc.py):
- `nameko-rpc`, a topic exchange: requests are published with routing key `<service>.<method>`, replies with
  the caller's reply routing key (a uuid4); every RPC consumer and reply listener declares it.
- `rpc-<service>`: a service's RPC queue, bound to `nameko-rpc` with `<service>.*`.
- `rpc.reply-<service>-<uuid>`: the reply queue of a service's RpcProxy calls, bound with `<uuid>`;
  `rpc.reply-standalone_rpc_proxy-<uuid>` for a ClusterRpcProxy (the gateway's pool, `routing reconcile`).
- `<service>.events`, a topic exchange the service's outbox relay declares and publishes to.
- `evt-<source>-<event>--<service>.<method>`: an event handler's queue, bound to `<source>.events`.

and hubkit's (lib/hubkit/hubkit/queues.py), which each service declares for itself at start:
- `<service>.dead-letters`: a fanout exchange and its queue, where the service's queues dead-letter;
- `<service>.retry`, a headers exchange, and its `<service>.retry-<n>` queues, where a failed event waits;
- `<service>.requeue`, a direct exchange its event queues are bound to by name: expired retries and replayed
  dead letters come back through it (never through the default exchange).

RabbitMQ checks configure (declare, delete), write (publish to an exchange, bind a queue) and read (consume
a queue, bind to an exchange) against one regex each; topic permissions further check the routing key of
a publish (write) and of a binding (read) on a topic exchange. So each identity may:
- configure only its own queues, its own `<service>.events` and `nameko-rpc` (nameko declares it; no
  finer grain exists). The events exchanges are declared here, so a service need not configure the
  exchanges of the services it listens to (HUB_AMQP_DECLARE_EVENT_EXCHANGES=0), nor could it delete them;
- write (publish) to `nameko-rpc` and its own `<service>.events` only, never to the default exchange
  (which would reach any queue by name); on `nameko-rpc` only requests to the services it calls, and
  replies (uuid routing keys) if it serves RPCs;
- read (consume) only its own queues, and bind only to `nameko-rpc` (with its own `<service>.*` or a reply
  uuid: it cannot bind a queue of its own to another service's requests to read them) and to the events
  exchanges of the services it listens to, with an event type as the key: never a wildcard, and never one of
  the personal events (`PERSONAL_EVENTS`, which name who follows, votes or signs what) unless it is
  `notifications`, whose « Mon espace » they feed;
- configure, write and read its own dead-letter, retry and requeue exchanges and queues. RabbitMQ checks a
  queue's dead-letter exchange when the queue is declared (write on it), so a service cannot make a queue of
  its own expire into another service's `requeue` exchange; it can publish only into its own queues there,
  where its consumers still check every event's signature.
"""
import argparse
import base64
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # deploy/, mounted beside this script
from mounted_secret import secret  # noqa: E402

RPC_EXCHANGE = "nameko-rpc"
STANDALONE_PROXY = "standalone_rpc_proxy"  # nameko.standalone.rpc's service name for a ClusterRpcProxy
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME = "[a-z0-9_]+"  # a method or event type, as the hub names them


@dataclass(frozen=True)
class Identity:
    name: str                       # the broker user; a service's is its nameko service name
    calls: tuple = ()               # services whose RPCs it calls
    listens_to: tuple = ()          # services whose events it handles (itself included, if it does)
    serves: bool = True             # runs a nameko service: its RPC queue, replies, its events exchange
    standalone_proxy: bool = False  # calls through nameko's ClusterRpcProxy (hubkit.rpc.RpcPool)


SERVICES = ("accounts", "ideas", "budget", "petitions", "routing", "notifications")

# Events that name a person next to what they took part in (docs/events.md, "Personal events"), by producer. Only
# PERSONAL_EVENTS_READER may bind a queue to them. This script runs alone (it cannot import the services):
# tests/contract/test_broker_users.py checks this against each service's events.PERSONAL_EVENTS.
PERSONAL_EVENTS = {
    "ideas": ("idea_followed", "idea_unfollowed"),
    "budget": ("project_followed", "project_unfollowed", "ballots_recorded"),
    "petitions": ("petition_sponsored", "petition_signatures_recorded", "petition_signatures_invalidated"),
}
PERSONAL_EVENTS_READER = "notifications"

# Who calls and listens to whom, as the services' code declares it (RpcProxy, event_handler, RpcPool);
# tests/integration/test_broker_users.py checks this table against the code.
IDENTITIES = (
    Identity("accounts"),
    Identity("ideas", calls=("accounts",), listens_to=("accounts", "routing")),
    Identity("budget", calls=("accounts", "ideas"), listens_to=("accounts", "routing")),
    Identity("petitions", calls=("accounts", "ideas"), listens_to=("accounts", "routing")),
    # `python -m routing reconcile` asks ideas through a ClusterRpcProxy
    Identity("routing", calls=("accounts", "ideas"), standalone_proxy=True,
             listens_to=("accounts", "ideas", "budget", "petitions")),
    # tells people what happened to what they follow; sends its e-mails through accounts.notify
    # and keeps each person's « Mon espace » (the read model of what they took part in: personal events included)
    Identity("notifications", calls=("accounts", "ideas", "budget", "petitions", "routing"),
             listens_to=("accounts", "ideas", "routing", "budget", "petitions")),
    Identity("gateway", calls=SERVICES, serves=False, standalone_proxy=True),
)


def _alternatives(patterns) -> str:
    return "^(" + "|".join(patterns) + ")$"


def own_queues(identity: Identity) -> list:
    """Regexes of the queues the identity declares, binds and consumes."""
    name = re.escape(identity.name)
    queues = []
    if identity.serves:
        queues.append(rf"rpc-{name}")
        if identity.calls:
            queues.append(rf"rpc\.reply-{name}-{UUID}")
        for source in identity.listens_to:
            queues.append(rf"evt-{re.escape(source)}-{NAME}--{name}\.{NAME}")
    if identity.standalone_proxy:
        queues.append(rf"rpc\.reply-{STANDALONE_PROXY}-{UUID}")
    return queues


def dead_letter_resources(identity: Identity) -> list:
    """Regexes of its dead-letter, retry and requeue exchanges and queues (hubkit.queues' names)."""
    if not identity.serves:
        return []
    return [rf"{re.escape(identity.name)}\.(dead-letters|retry|retry-[0-9]+|requeue)"]


def permissions(identity: Identity) -> dict:
    """The identity's configure / write / read regexes on the hub's vhost."""
    queues = own_queues(identity) + dead_letter_resources(identity)
    own_exchanges = [re.escape(RPC_EXCHANGE)]
    if identity.serves:
        own_exchanges.append(re.escape(f"{identity.name}.events"))
    listened = [re.escape(f"{source}.events") for source in identity.listens_to]
    return {
        "configure": _alternatives(queues + own_exchanges),
        "write": _alternatives(queues + own_exchanges),
        "read": _alternatives(queues + [re.escape(RPC_EXCHANGE)] + listened),
    }


def rpc_topic_permissions(identity: Identity) -> dict:
    """Routing keys on `nameko-rpc`: published (requests to the services it calls, replies) and bound."""
    published = [rf"{re.escape(callee)}\.{NAME}" for callee in identity.calls]
    bound = []
    if identity.serves:
        published.append(UUID)  # a reply goes to the caller's reply routing key
        bound.append(rf"{re.escape(identity.name)}\.\*")  # nameko binds rpc-<service> with `<service>.*`
    if identity.calls:
        bound.append(UUID)
    return {"exchange": RPC_EXCHANGE, "write": _alternatives(published or ["(?!)"]),
            "read": _alternatives(bound or ["(?!)"])}


def event_topic_permissions(identity: Identity) -> list:
    """Routing keys on each `<source>.events` it publishes to or listens to, one topic permission per exchange
    (RabbitMQ keeps one per user, vhost and exchange; an exchange without one allows every key):
    - write: every key on its own exchange (its outbox publishes each of its types), none on another's (which
      `permissions` already refuses);
    - read, i.e. the key of a binding: an event type, never a wildcard (`#` would take them all), and none of
      the source's personal events unless it is PERSONAL_EVENTS_READER."""
    sources = ([identity.name] if identity.serves else []) + list(identity.listens_to)
    rules = []
    for source in [service for service in SERVICES if service in sources]:
        personal = [] if identity.name == PERSONAL_EVENTS_READER else PERSONAL_EVENTS.get(source, ())
        excluded = rf"(?!({'|'.join(re.escape(event) for event in personal)})$)" if personal else ""
        rules.append({"exchange": f"{source}.events", "write": ".*" if source == identity.name else "^((?!))$",
                      "read": f"^{excluded}{NAME}$"})
    return rules


def topic_permissions(identity: Identity) -> list:
    """Every topic permission of the identity: `nameko-rpc`'s, then its events exchanges'."""
    return [rpc_topic_permissions(identity)] + event_topic_permissions(identity)


def exchanges() -> list:
    """Declared here so that listeners need no right to declare (hence delete) another service's exchange.
    The arguments are nameko's: a durable topic exchange, not auto-deleted."""
    names = [RPC_EXCHANGE] + [f"{service}.events" for service in SERVICES]
    return [{"name": name, "type": "topic", "durable": True, "auto_delete": False, "internal": False,
             "arguments": {}} for name in names]


# --- passwords ---------------------------------------------------------------------------------------------

def env_key(name: str) -> str:
    return f"RABBITMQ_{name.upper()}_PASSWORD"


def environment_variables() -> list:
    """Every variable this script reads (each also as `<name>_FILE`): tests/contract/test_compose.py checks the
    compose job against it."""
    return ["RABBITMQ_MANAGEMENT_URL", "RABBITMQ_ADMIN_USER", "RABBITMQ_ADMIN_PASSWORD", "RABBITMQ_VHOST",
            *(env_key(identity.name) for identity in IDENTITIES)]


# --- the management HTTP API -------------------------------------------------------------------------------

class Management:
    def __init__(self, url: str, user: str, password: str):
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/api/" + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            if method == "DELETE" and error.code == 404:
                return None
            raise RuntimeError(f"{method} /api/{path}: {error.code} {error.read()[:300]!r}") from None
        return json.loads(text) if text else None

    def put(self, path: str, body: dict):
        return self.request("PUT", path, body)

    def delete(self, path: str):
        return self.request("DELETE", path)


def quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")


# Event queues of handlers the hub no longer has (nameko's `evt-<source>-<event>--<service>.<method>`): nothing consumes
# them any more, but they stay bound to their exchange and would fill forever. `apply` deletes them (absent: nothing).
RETIRED_QUEUES = (
    # 2026-12, issue 15: the services' own notification e-mails moved into the notifications service
    "evt-budget-projects_merged--budget.notify_merge_invitation",
    "evt-budget-project_status_changed--budget.notify_status_change",
    "evt-budget-project_drafted--budget.notify_draft",
    "evt-petitions-petition_drafted--petitions.notify_drafted",
    "evt-petitions-petition_threshold_reached--petitions.notify_threshold_reached",
    "evt-petitions-petition_scheduled_for_council--petitions.notify_scheduled_for_council",
    "evt-petitions-petition_answered--petitions.notify_answered",
    "evt-routing-idea_assigned--routing.notify_assigned_agent",
)


def retire_queues(management: Management, vhost: str, names=RETIRED_QUEUES) -> list:
    """Deletes the retired queues that exist (their messages with them: nobody would read them); their names."""
    vh, deleted = quote(vhost), []
    for name in names:
        try:
            management.request("GET", f"queues/{vh}/{quote(name)}")
        except RuntimeError as error:
            if ": 404 " in str(error):
                continue
            raise
        management.delete(f"queues/{vh}/{quote(name)}")
        deleted.append(name)
    return deleted


def apply(management: Management, vhost: str, passwords: dict, identities=IDENTITIES, user_prefix: str = ""):
    """Create or update the vhost, its exchanges and each identity (user, permissions, topic permissions), and
    delete the retired queues. A user that exists gets the password given (a rotation); its open connections keep
    theirs until closed. Returns the retired queues deleted."""
    vh = quote(vhost)
    management.put(f"vhosts/{vh}", {})
    admin = management.request("GET", "whoami")["name"]
    management.put(f"permissions/{vh}/{quote(admin)}", {"configure": ".*", "write": ".*", "read": ".*"})
    for exchange in exchanges():
        body = {key: value for key, value in exchange.items() if key != "name"}
        management.put(f"exchanges/{vh}/{quote(exchange['name'])}", body)
    for identity in identities:
        user = quote(user_prefix + identity.name)
        management.put(f"users/{user}", {"password": passwords[identity.name], "tags": ""})
        # each PUT replaces the topic permission on one exchange in one step (deleting first would leave a moment
        # without any: no topic permission means every routing key). They come before the permissions, so that a
        # new right to read an events exchange never exists without the limit on its keys.
        for topic in topic_permissions(identity):
            management.put(f"topic-permissions/{vh}/{user}", topic)
        management.put(f"permissions/{vh}/{user}", permissions(identity))
    return retire_queues(management, vhost)


def remove(management: Management, vhost: str, identities=IDENTITIES, user_prefix: str = ""):
    """Delete the vhost (its queues and exchanges) and the identities' users."""
    management.delete(f"vhosts/{quote(vhost)}")
    for identity in identities:
        management.delete(f"users/{quote(user_prefix + identity.name)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("apply", "show"))
    args = parser.parse_args(argv)
    if args.command == "show":
        for identity in IDENTITIES:
            print(json.dumps({"user": identity.name, **permissions(identity),
                              "topic": topic_permissions(identity)}, indent=2))
        return
    management = Management(os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672"),
                            os.environ.get("RABBITMQ_ADMIN_USER", "guest"), secret("RABBITMQ_ADMIN_PASSWORD"))
    vhost = os.environ.get("RABBITMQ_VHOST", "hub")
    retired = apply(management, vhost, {identity.name: secret(env_key(identity.name)) for identity in IDENTITIES})
    print(f"rabbitmq: vhost {vhost!r}, exchanges and users {', '.join(i.name for i in IDENTITIES)} are up to date")
    for name in retired:
        print(f"rabbitmq: retired queue {name!r} deleted (no handler reads it any more)")


if __name__ == "__main__":
    sys.exit(main())
