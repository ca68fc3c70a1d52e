"""An attacker with the broker's and Redis's credentials, on the running platform (docs/security.md).

They can publish and bind queues on the hub's virtual host and write keys in Redis, but hold none of the keys
of hubkit.keys: forged calls (an administrator's id, another account's id, another person's roles), assertions
captured from real traffic and reused, forged events and forged session cache entries give no access, and
nothing is written.
"""
import hashlib
import json
import secrets
import uuid

import pytest
import redis
import requests
from kombu import Connection, Exchange, Queue
from nacl.signing import SigningKey
from nameko.standalone.rpc import ClusterRpcProxy

from hubkit import keys, trust
from hubkit.envelope import make_event
from hubkit.outbox import context_headers, signed_headers
from hubkit.rpc import SignedClusterRpcProxy

from .people import administrator, citizen, wait_for

pytestmark = pytest.mark.e2e


def me(platform, headers) -> requests.Response:
    return requests.get(f"{platform.url}/api/v1/me", headers=headers)


def refusals(platform, service: str, reason: str) -> float:
    """`hub_trust_refusals_total` of `service` for `reason`, summed over entrypoints."""
    text = requests.get(f"http://127.0.0.1:{platform.http_ports[service]}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("hub_trust_refusals_total{") and f'reason="{reason}"' in line
               and f'service="{service}"' in line)


def test_forged_calls_act_as_nobody(platform, mail_link, monkeypatch):
    victim = citizen(platform, mail_link, "Victime")
    attacker = citizen(platform, mail_link, "Intrus")
    admin = administrator(platform)
    config = {"AMQP_URI": platform.amqp_uri, "serializer": "json"}
    before = me(platform, victim.headers).json()

    # unsigned, as nameko's own client sends them: the administrator's id, the victim's id
    with ClusterRpcProxy(config, timeout=10) as unsigned:
        with pytest.raises(trust.CallerNotTrusted):
            unsigned.accounts.grant_role(admin.id, {"account_id": attacker.id, "role": "admin"})
        with pytest.raises(trust.CallerNotTrusted):
            unsigned.accounts.update_profile(victim.id, {"address_line": "1 rue de l'Intrus", "postcode": "75001"})
        with pytest.raises(trust.CallerNotTrusted):  # an internal RPC: the addresses behind the pseudonyms
            unsigned.accounts.email_domains({"account_ids": [victim.id]})

    # signed, but with a key the attacker made: "I am the gateway", "I am petitions"
    forged_key = SigningKey.generate()
    monkeypatch.setattr(keys, "signing_key", lambda identity: forged_key)
    admin_subject = {trust.SUBJECT_KEY: {"account_id": admin.id, "roles": ["admin"], "direction": None}}
    with SignedClusterRpcProxy(config, context_data=admin_subject, timeout=10) as as_gateway:
        with pytest.raises(trust.CallerNotTrusted) as refused:
            as_gateway.accounts.grant_role(admin.id, {"account_id": attacker.id, "role": "admin"})
        assert refused.value.details == {"reason": "bad_signature"}
    with SignedClusterRpcProxy(config, identity="petitions", timeout=10) as as_petitions:
        with pytest.raises(trust.CallerNotTrusted):
            as_petitions.accounts.email_domains({"account_ids": [victim.id]})
    monkeypatch.undo()

    assert "admin" not in me(platform, attacker.headers).json()["roles"]
    assert me(platform, victim.headers).json() == before
    assert refusals(platform, "accounts", "missing") >= 3 and refusals(platform, "accounts", "bad_signature") >= 2


class Spy:
    """A queue the attacker binds to the RPC exchange: a copy of every matching request, headers included."""

    def __init__(self, uri: str, routing_key: str):
        self.connection = Connection(uri)
        self.exchange = Exchange("nameko-rpc", type="topic", durable=True)
        self.queue = Queue(f"spy-{uuid.uuid4().hex[:8]}", self.exchange, routing_key=routing_key, auto_delete=True)
        replies = f"spy-replies-{uuid.uuid4().hex[:8]}"  # nameko answers through its exchange, keyed by reply_to
        self.replies = Queue(replies, self.exchange, routing_key=replies, auto_delete=True)
        with self.connection.channel() as channel:
            self.queue(channel).declare()
            self.replies(channel).declare()

    def captured(self) -> tuple:
        """(body, headers) of the first request copied to the spy queue."""
        def one():
            with self.connection.channel() as channel:
                message = self.queue(channel).get(no_ack=True)
                return message and (json.loads(message.body), message.headers)
        return wait_for(one)

    def replay(self, routing_key: str, body: dict, headers: dict) -> dict:
        """Publish `body` with the captured `headers` as a request for `routing_key`; the service's reply."""
        correlation = uuid.uuid4().hex
        with self.connection.channel() as channel:
            producer = self.connection.Producer(channel)
            producer.publish(body, exchange=self.exchange, routing_key=routing_key, headers=headers,
                             reply_to=self.replies.name, correlation_id=correlation, serializer="json")

        def reply():
            with self.connection.channel() as channel:
                message = self.replies(channel).get(no_ack=True)
                return message and json.loads(message.body)
        return wait_for(reply, timeout=15)

    def close(self):
        self.connection.release()


def test_an_assertion_captured_on_the_broker_cannot_be_reused(platform, mail_link):
    """The attacker copies the gateway's request for the victim's profile change, assertion included, then sends
    it again with other arguments, or to another method: both refused, nothing changed."""
    victim = citizen(platform, mail_link, "Victime")
    spy = Spy(platform.amqp_uri, "accounts.update_profile")
    try:
        changed = requests.patch(f"{platform.url}/api/v1/me", headers=victim.headers,
                                 json={"birth_date": "1992-03-08", "lives_in_paris": True,
                                       "address_line": "5 place du Panthéon", "postcode": "75005"})
        assert changed.status_code == 200
        body, headers = spy.captured()
        assert "nameko.hub_assertion" in headers and body["args"][0] == victim.id
        tampered = {**body, "args": [victim.id, {"address_line": "1 rue de l'Intrus", "postcode": "75001"}]}
        answer = spy.replay("accounts.update_profile", tampered, headers)
        assert answer["error"]["exc_type"] == "CallerNotTrusted" and "wrong_arguments" in json.dumps(answer)
        answer = spy.replay("accounts.delete_account", {"args": [victim.id, {"password": "x"}], "kwargs": {}},
                            headers)
        assert answer["error"]["exc_type"] == "CallerNotTrusted" and "wrong_audience" in json.dumps(answer)
    finally:
        spy.close()
    assert me(platform, victim.headers).json()["postcode"] == "75005"


def test_a_forged_event_changes_nothing(platform, mail_link):
    """`account_deleted` for a living citizen, unsigned or signed by another service: ideas does not erase their
    idea's authorship."""
    victim = citizen(platform, mail_link, "Victime")
    idea = requests.post(f"{platform.url}/api/v1/ideas", headers=victim.headers, json={
        "title": "Un composteur rue Oberkampf", "description": "Un composteur partagé pour les immeubles de la rue.",
        "theme": "environnement"})
    assert idea.status_code == 201
    idea_id = idea.json()["id"]
    before = refusals(platform, "ideas", "event_signature")
    exchange = Exchange("accounts.events", type="topic", durable=True)
    with Connection(platform.amqp_uri) as connection:
        producer = connection.Producer()
        for signer in (None, "ideas"):
            envelope = make_event(type="account_deleted", version=1, producer="accounts",
                                  subject={"kind": "account", "id": victim.id}, payload={"account_id": victim.id},
                                  correlation_id=f"forged-{signer}", causation_id=f"forged-{signer}")
            envelope = json.loads(json.dumps(envelope, default=str))
            headers = context_headers(envelope) if signer is None else signed_headers(envelope, signer)
            producer.publish(envelope, exchange=exchange, routing_key="account_deleted", headers=headers,
                             serializer="json", declare=[exchange])
    wait_for(lambda: refusals(platform, "ideas", "event_signature") >= before + 2)
    shown = requests.get(f"{platform.url}/api/v1/ideas/{idea_id}").json()
    assert shown["author_pseudonym"] == victim.pseudonym
    assert me(platform, victim.headers).status_code == 200


def test_a_forged_session_cache_entry_gives_no_access(platform, mail_link):
    """Redis write access: an administrator's principal under a made-up token, and an administrator's real entry
    copied under the attacker's own token."""
    attacker = citizen(platform, mail_link, "Intrus")
    admin = administrator(platform)
    assert requests.get(f"{platform.url}/api/v1/accounts", headers=admin.headers).status_code == 200
    client = redis.Redis.from_url(platform.env.get("HUB_REDIS_URL", "redis://127.0.0.1:6379/0"),
                                  decode_responses=True)
    key = lambda token: f"{platform.vhost}:session:{hashlib.sha256(token.encode()).hexdigest()}"  # noqa: E731
    made_up = secrets.token_urlsafe(32)
    client.set(key(made_up), json.dumps({"account_id": attacker.id, "session_id": str(uuid.uuid4()),
                                         "pseudonym": "x", "roles": ["admin"], "direction": None,
                                         "expires_at": "2099-01-01T00:00:00+00:00"}), ex=60)
    assert me(platform, {"Authorization": f"Bearer {made_up}"}).status_code == 401

    assert me(platform, admin.headers).status_code == 200  # the administrator's entry is in the cache now
    real_entry = wait_for(lambda: client.get(key(admin.token)))
    client.set(key(attacker.token), real_entry, ex=60)
    assert requests.get(f"{platform.url}/api/v1/accounts", headers=attacker.headers).status_code == 403
    assert me(platform, attacker.headers).json()["id"] == attacker.id
