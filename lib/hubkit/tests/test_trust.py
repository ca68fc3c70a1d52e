"""Signed caller assertions (hubkit.trust): what a forger on the broker would try, and the keys' configuration."""
import base64
import time

import pytest
from nacl.signing import SigningKey
from nameko.standalone.rpc import ClusterRpcProxy

from hubkit import calls, keys, trust
from hubkit.rpc import SignedClusterRpcProxy
from hubkit.service_base import rpc

CITIZEN = {"account_id": "00000000-0000-4000-8000-000000000001", "roles": ["citizen"], "direction": None,
           "session_id": "s-1"}


def token(issuer="gateway", service="budget", method="create_cycle", cid="req-1", args=([1],), kwargs=None,
          subject=None, now=None):
    return trust.issue(issuer, service, method, cid, args, kwargs or {}, subject, now=now)


def reason_of(token_, service="budget", method="create_cycle", cid="req-1", args=([1],), kwargs=None, now=None):
    with pytest.raises(trust.Refusal) as refused:
        trust.verify(token_, service, method, cid, args, kwargs or {}, now=now)
    return refused.value.reason


# --- unit: the assertion itself -------------------------------------------------------------------


def test_a_valid_assertion_gives_its_claims():
    claims = trust.verify(token(subject=trust.subject_of(CITIZEN)), "budget", "create_cycle", "req-1", [[1]], {})
    assert claims["iss"] == "gateway" and claims["sub"]["account_id"] == CITIZEN["account_id"]
    assert claims["sub"]["session"] == "s-1"


def test_each_binding_of_the_assertion_is_checked():
    assert reason_of(None) == "missing"
    assert reason_of("not-a-token") == "malformed"
    assert reason_of("a.b") == "malformed"
    assert reason_of(token(method="advance_stage")) == "wrong_audience"  # replayed on another method
    assert reason_of(token(service="ideas")) == "wrong_audience"
    assert reason_of(token(cid="req-2")) == "wrong_correlation"
    assert reason_of(token(args=([2],))) == "wrong_arguments"  # the arguments were changed on the way
    assert reason_of(token(now=time.time() - trust.LIFETIME_SECONDS - 1)) == "expired"
    assert reason_of(token(now=time.time() + 3600)) == "expired"  # minted for later: refused too


def test_a_tampered_or_foreign_signature_is_refused(monkeypatch):
    payload, signature = token().split(".")
    claims = trust._unb64(payload).replace(b'"sub":null', b'"sub":{"account_id":"x","roles":["admin"]}')
    assert reason_of(f"{trust._b64(claims)}.{signature}") == "bad_signature"
    # a key nobody published: the forger made their own
    forged = SigningKey.generate()
    monkeypatch.setattr(keys, "signing_key", lambda identity: forged)
    assert reason_of(token()) == "bad_signature"


def test_the_call_table_limits_services_to_their_internal_calls():
    assert reason_of(token(issuer="ideas")) == "not_allowed"  # a gateway-only method
    internal = ("accounts", "email_domains")
    assert reason_of(token(service=internal[0], method=internal[1]), *internal) == "not_allowed"  # not the gateway
    assert trust.verify(token(issuer="petitions", service=internal[0], method=internal[1]), *internal, "req-1",
                        [[1]], {})["iss"] == "petitions"
    assert calls.may_call("routing", "accounts", "health") and not calls.may_call("nobody", "accounts", "health")


def test_the_arguments_digest_survives_the_wire_and_odd_values():
    import json
    import uuid
    from datetime import datetime, timezone
    args = ({"id": uuid.UUID(int=5), "at": datetime(2026, 1, 1, tzinfo=timezone.utc), "big": 2 ** 70},)
    assert trust.arguments_digest(args, {}) == trust.arguments_digest([args[0]], {})
    wired = json.loads(json.dumps([{"id": str(args[0]["id"]), "at": str(args[0]["at"]), "big": 2 ** 70}]))
    assert trust.arguments_digest(wired, {}) == trust.arguments_digest(args, {})


def test_an_actor_must_be_the_asserted_person():
    subject = trust.subject_of({**CITIZEN, "roles": ["citizen", "agent"], "direction": "DVD"})
    same = {"account_id": CITIZEN["account_id"], "roles": ["agent", "citizen"]}
    assert trust._same_person(same, subject) and trust._same_person(None, subject)
    assert trust._same_person({**same, "direction": "DVD"}, subject)
    assert not trust._same_person({**same, "roles": ["admin"]}, subject)
    assert not trust._same_person({**same, "account_id": "00000000-0000-4000-8000-000000000002"}, subject)
    assert not trust._same_person({**same, "direction": "DFPE"}, subject)
    assert not trust._same_person(same, None)  # nobody signed in, yet someone claimed
    assert trust._same_person(CITIZEN["account_id"], subject)  # accounts' RPCs take the bare id
    assert not trust._same_person("00000000-0000-4000-8000-000000000002", subject)
    assert not trust._same_person(["list"], subject)


# --- keys --------------------------------------------------------------------------------------------


def test_production_refuses_the_dev_seed_and_needs_configured_keys(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    keys.forget()
    try:
        with pytest.raises(keys.KeyConfigurationError, match="HUB_TRUST_DEV_SEED"):
            keys.check_configuration("gateway")
        monkeypatch.delenv("HUB_TRUST_DEV_SEED")
        keys.forget()
        with pytest.raises(keys.KeyConfigurationError, match="HUB_TRUST_KEY"):
            keys.check_configuration("gateway")
    finally:
        keys.forget()


def test_configured_keys_from_files_and_a_rotation_accepts_both_public_keys(monkeypatch, tmp_path):
    old, new = SigningKey.generate(), SigningKey.generate()
    encoded = lambda raw: base64.b64encode(bytes(raw)).decode()  # noqa: E731
    (tmp_path / "key").write_text(encoded(new) + "\n")
    (tmp_path / "public.json").write_text(
        '{"gateway": ["%s", "%s"]}' % (encoded(new.verify_key), encoded(old.verify_key)))
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.delenv("HUB_TRUST_DEV_SEED")
    monkeypatch.setenv("HUB_TRUST_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("HUB_TRUST_PUBLIC_KEYS_FILE", str(tmp_path / "public.json"))
    monkeypatch.setenv("HUB_SESSION_CACHE_KEYS", "k" * 40)
    keys.forget()
    try:
        keys.check_configuration("gateway")
        assert keys.verify("gateway", b"m", new.sign(b"m").signature)
        assert keys.verify("gateway", b"m", old.sign(b"m").signature)  # still valid during the rotation
        assert not keys.verify("gateway", b"m", SigningKey.generate().sign(b"m").signature)
        assert not keys.verify("accounts", b"m", new.sign(b"m").signature)  # an identity without keys
        monkeypatch.setenv("HUB_TRUST_PUBLIC_KEYS", '{"gateway": ["short"]}')
        keys.forget()
        with pytest.raises(keys.KeyConfigurationError, match="32 octets"):
            keys.verify_keys()
        monkeypatch.setenv("HUB_SESSION_CACHE_KEYS", "too-short")
        keys.forget()
        with pytest.raises(keys.KeyConfigurationError, match="HUB_SESSION_CACHE_KEYS"):
            keys.session_cache_keys()
    finally:
        keys.forget()


# --- integration: a running service refuses forged calls before any worker runs ------------------------


class GuardedService:
    name = "budget"  # the call table's rules for the budget service
    acted = []

    @rpc
    def create_cycle(self, actor, data):
        GuardedService.acted.append((actor, data))
        return "done"


def refused(reason):
    return trust.REFUSALS.labels("budget", "create_cycle", reason)._value.get()


@pytest.mark.integration
def test_a_running_service_acts_only_on_a_verified_caller(rabbit_config, container_factory):
    container_factory(GuardedService, rabbit_config).start()
    GuardedService.acted.clear()
    admin_claim = {"account_id": CITIZEN["account_id"], "roles": ["admin"]}
    before = {reason: refused(reason) for reason in ("missing", "actor_mismatch", "not_allowed")}

    with ClusterRpcProxy(rabbit_config) as unsigned:  # anyone with broker credentials
        with pytest.raises(trust.CallerNotTrusted):
            unsigned.budget.create_cycle(admin_claim, {"name": "forgée"})
    with SignedClusterRpcProxy(rabbit_config, context_data={
            "correlation_id": "req-9", trust.SUBJECT_KEY: trust.subject_of(CITIZEN)}) as gateway:
        with pytest.raises(trust.CallerNotTrusted) as mismatch:  # a citizen's session, an admin's claim
            gateway.budget.create_cycle(admin_claim, {"name": "usurpée"})
        assert mismatch.value.details == {"reason": "actor_mismatch"}
        own = {"account_id": CITIZEN["account_id"], "roles": ["citizen"]}
        assert gateway.budget.create_cycle(own, {"name": "vraie"}) == "done"
    with SignedClusterRpcProxy(rabbit_config, identity="ideas") as another_service:
        with pytest.raises(trust.CallerNotTrusted):
            another_service.budget.create_cycle(None, {"name": "interne"})

    assert GuardedService.acted == [({"account_id": CITIZEN["account_id"], "roles": ["citizen"]}, {"name": "vraie"})]
    assert refused("missing") - before["missing"] == 1
    assert refused("actor_mismatch") - before["actor_mismatch"] == 1
    assert refused("not_allowed") - before["not_allowed"] == 1


def test_the_key_writer_makes_a_working_set_and_never_overwrites(monkeypatch, tmp_path, capsys):
    directory = tmp_path / "secrets"
    assert keys.main(["write", str(directory)]) == 0
    assert oct((directory / "trust-gateway.key").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.delenv("HUB_TRUST_DEV_SEED")
    monkeypatch.setenv("HUB_TRUST_KEY_FILE", str(directory / "trust-budget.key"))
    monkeypatch.setenv("HUB_TRUST_PUBLIC_KEYS_FILE", str(directory / "trust-public-keys.json"))
    monkeypatch.setenv("HUB_SESSION_CACHE_KEYS_FILE", str(directory / "session-cache.key"))
    keys.forget()
    try:
        keys.check_configuration("budget")
        with pytest.raises(keys.KeyConfigurationError, match="n'est pas la clé de 'gateway'"):
            keys.check_configuration("gateway")  # budget's key file mounted in the gateway: refused at start
        monkeypatch.setenv("HUB_TRUST_KEY_FILE", str(directory / "absent.key"))
        keys.forget()
        with pytest.raises(RuntimeError, match="HUB_TRUST_KEY_FILE ne peut pas être lu"):
            keys.check_configuration("budget")
        monkeypatch.setenv("HUB_TRUST_KEY_FILE", str(directory / "trust-budget.key"))
        keys.forget()
        signed = keys.signing_key("budget").sign(b"event").signature
        assert keys.verify("budget", b"event", signed) and not keys.verify("ideas", b"event", signed)
    finally:
        keys.forget()
    before = (directory / "trust-budget.key").read_text()
    assert keys.main(["write", str(directory)]) == 1
    assert (directory / "trust-budget.key").read_text() == before
    assert keys.main(["new", "routing"]) == 0 and "HUB_TRUST_KEY" in capsys.readouterr().out
