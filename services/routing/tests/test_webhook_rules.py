"""Where a webhook may point, and how a scheme's answer is signed: the rules alone, on given addresses and times."""
import hashlib
import hmac
import ipaddress

import pytest

from routing import domain
from routing.domain import webhooks as rules

LOCAL = rules.parse_allowed_networks("127.0.0.0/8")
NOW = 1767225600
BODY = '{"answer": "Permis accordé", "status": "granted"}'.encode()
PATH = "/api/v1/routing/dossiers/DEVE-2026-000001/answer"


@pytest.mark.parametrize("address, reason", [
    ("127.0.0.1", "boucle locale"), ("::1", "boucle locale"), ("0.0.0.0", "non spécifiée"),
    ("::", "non spécifiée"), ("10.1.2.3", "réseau privé"), ("172.16.0.1", "réseau privé"),
    ("192.168.1.10", "réseau privé"), ("fd12:3456::1", "réseau privé"), ("fc00::1", "réseau privé"),
    ("169.254.1.1", "lien-local"), ("fe80::1%eth0", "lien-local"), ("169.254.169.254", "métadonnées"),
    ("fd00:ec2::254", "métadonnées"), ("100.100.100.200", "métadonnées"), ("224.0.0.1", "multidiffusion"),
    ("ff02::1", "multidiffusion"), ("240.0.0.1", "réservée"), ("100.64.0.1", "non publique"),
    ("::ffff:127.0.0.1", "boucle locale"), ("::ffff:10.0.0.1", "réseau privé"),
    ("::ffff:169.254.169.254", "métadonnées"), ("64:ff9b::7f00:1", "boucle locale"),  # NAT64 of 127.0.0.1
    ("2002:7f00:1::1", "boucle locale"),  # 6to4 of 127.0.0.1
])
def test_non_public_addresses_are_refused_with_their_reason(address, reason):
    assert reason in rules.forbidden_address_reason(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert rules.forbidden_address_reason(address) is None


def test_the_allow_list_opens_its_networks_only_and_never_the_metadata_service():
    assert rules.forbidden_address_reason("127.0.0.1", LOCAL) is None
    assert rules.forbidden_address_reason("::ffff:127.0.0.1", LOCAL) is None
    assert rules.forbidden_address_reason("10.0.0.1", LOCAL) == "réseau privé"
    link_local = rules.parse_allowed_networks("169.254.0.0/16, 10.20.0.0/16")
    assert rules.forbidden_address_reason("169.254.1.1", link_local) is None
    assert rules.forbidden_address_reason("10.20.3.4", link_local) is None
    assert "métadonnées" in rules.forbidden_address_reason("169.254.169.254", link_local)


def test_the_allow_list_setting_is_cidrs_and_a_mistake_names_it():
    assert rules.parse_allowed_networks("") == ()
    assert rules.parse_allowed_networks(" 127.0.0.0/8,fd00::/8  10.0.0.1 ") == (
        ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("fd00::/8"), ipaddress.ip_network("10.0.0.1/32"))
    with pytest.raises(ValueError, match="ROUTING_WEBHOOK_ALLOWED_NETWORKS: 'intranet'"):
        rules.parse_allowed_networks("127.0.0.0/8, intranet")


def test_a_host_is_refused_if_any_of_its_addresses_is_and_the_message_names_the_host_not_the_address():
    rules.check_webhook_addresses("dossiers.example.org", ["93.184.215.14", "2606:2800:21f::1"])
    with pytest.raises(domain.RuleBroken) as broken:
        rules.check_webhook_addresses("rebind.example.org", ["93.184.215.14", "10.0.0.7"])
    assert broken.value.field == "webhook_url" and "« rebind.example.org »" in broken.value.message
    assert "réseau privé" in broken.value.message and "10.0.0.7" not in broken.value.message
    with pytest.raises(domain.RuleBroken, match="aucune adresse"):
        rules.check_webhook_addresses("nowhere.example.org", [])
    for name in ("metadata.google.internal", "METADATA.google.internal.", "instance-data"):
        with pytest.raises(domain.RuleBroken, match="métadonnées"):
            rules.check_webhook_addresses(name, ["93.184.215.14"], LOCAL)


def test_an_answer_is_signed_over_method_path_timestamp_and_body():
    signature = rules.sign_answer("s3cret", "POST", PATH, NOW, BODY)
    # known answer, computed independently, as the integrator's documentation shows it
    expected = hmac.new(b"s3cret", f"POST\n{PATH}\n{NOW}\n".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert rules.verify_answer("s3cret", "POST", PATH, str(NOW), BODY, signature, now=NOW + 10)
    other_dossier = PATH.replace("000001", "000002")
    for secret, method, path, timestamp, body in (
            ("other", "POST", PATH, NOW, BODY), ("s3cret", "PUT", PATH, NOW, BODY),
            ("s3cret", "POST", other_dossier, NOW, BODY), ("s3cret", "POST", PATH, NOW + 1, BODY),
            ("s3cret", "POST", PATH, NOW, BODY + b" "), ("", "POST", PATH, NOW, BODY)):
        assert not rules.verify_answer(secret, method, path, str(timestamp), body, signature, now=NOW)
    # the hub's own signature of a dossier (same secret) is no answer
    assert not rules.verify_answer("s3cret", "POST", PATH, str(NOW), BODY, domain.sign("s3cret", NOW, BODY), NOW)


def test_an_answer_too_old_from_the_future_or_with_a_strange_timestamp_is_refused():
    def signed_at(timestamp, now):
        return rules.verify_answer("s3cret", "POST", PATH, timestamp, BODY,
                                   rules.sign_answer("s3cret", "POST", PATH, int(timestamp), BODY), now)
    assert signed_at(str(NOW), NOW + 300) and not signed_at(str(NOW), NOW + 301)
    assert signed_at(str(NOW), NOW - 60) and not signed_at(str(NOW), NOW - 61)
    for strange in ("", "soon", "-1", "1767225600.5", "１７６７２２５６００", " 1767225600", "9" * 13):
        assert rules.answer_timestamp(strange, NOW) is None
    assert not rules.verify_answer("s3cret", "POST", PATH, None, BODY, "sha256=00", NOW)


def test_an_accepted_answer_is_remembered_until_it_would_be_too_old_anyway():
    assert rules.replay_key("sha256=ab") == rules.replay_key("sha256=ab") != rules.replay_key("sha256=ac")
    assert rules.replay_key("sha256=ab") == hashlib.sha256(b"sha256=ab").hexdigest()  # not the signature itself
    assert rules.replay_memory_until(NOW).timestamp() == NOW + rules.ANSWER_MAX_AGE_SECONDS
