"""Use cases of the accounts service on a real database (SQLite and PostgreSQL) and a real Redis."""
import copy
import json
import uuid
from datetime import date, timedelta

import pytest

from accounts.handlers import Accounts, utcnow
from accounts.models import Account, Base
from accounts.schemas import EligibilityAttributesSchema, PrincipalSchema, dump_eligibility_attributes_many
from accounts.settings import AccountsSettings
from hubkit.sessions import SessionCache, token_digest
from hubkit.throttle import connect
from hubkit.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited

pytestmark = pytest.mark.integration
ACCOUNTS = Base.metadata.tables["accounts"]
PASSWORD = "Des-Arbres-Partout-2026"
CLIENT = {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


@pytest.fixture
def settings() -> dict:
    """Settings these tests change (as the environment would), over the environment's."""
    return {}


@pytest.fixture
def run(store, throttle, settings):
    """Run one use case in its own unit of work, as a service worker does."""
    def run(method, *args, clock=utcnow):
        with store.uow() as uow:
            return getattr(Accounts(uow, throttle, clock, settings=AccountsSettings(**settings)), method)(*args)
    return run


def register(run, store, email="camille@exemple.fr", pseudonym="Camille du 11e"):
    run("register", {"email": email, "password": PASSWORD, "pseudonym": pseudonym, "client": CLIENT})
    return store.link_token(email)


def verified(run, store, email="camille@exemple.fr", pseudonym="Camille du 11e") -> dict:
    run("verify_email", register(run, store, email, pseudonym))
    return run("login", {"email": email, "password": PASSWORD, "session_kind": "browser", "client": CLIENT})


def test_registration_stores_the_account_queues_the_mail_and_emits_an_event_without_personal_data(run, store):
    assert run("register", {"email": " Camille@Exemple.fr ", "password": PASSWORD, "pseudonym": "Camille du 11e",
                            "client": CLIENT}) == {"status": "verification_sent"}
    [account] = store.rows("accounts")
    assert account.email == "camille@exemple.fr" and account.email_verified_at is None
    assert account.password_hash.startswith("$argon2id$")
    [mail] = store.mails_to("camille@exemple.fr")
    assert "/compte/verifier?token=" in mail.body
    [event] = store.events("account_registered")
    assert event["subject"] == {"kind": "account", "id": account.id}
    serialized = json.dumps(event)
    assert "camille@exemple.fr" not in serialized and "Camille" not in serialized
    [token] = store.rows("one_time_tokens")
    assert token.token_digest != store.link_token("camille@exemple.fr")  # only the digest is stored


def test_registering_a_known_address_answers_the_same_and_warns_the_owner(run, store):
    register(run, store)
    answer = run("register", {"email": "camille@exemple.fr", "password": PASSWORD, "pseudonym": "Autre nom",
                              "client": CLIENT})
    assert answer == {"status": "verification_sent"}
    assert len(store.rows("accounts")) == 1
    assert "Tentative d'inscription" in store.mails_to("camille@exemple.fr")[-1].subject


def test_a_taken_pseudonym_is_a_conflict_and_nothing_is_written(run, store):
    register(run, store)
    with pytest.raises(Conflict) as refused:
        run("register", {"email": "autre@exemple.fr", "password": PASSWORD, "pseudonym": "camille-du-11E",
                         "client": CLIENT})
    assert refused.value.details == {"pseudonym": ["Ce pseudonyme est déjà pris."]}
    assert len(store.rows("accounts")) == 1 and store.mails_to("autre@exemple.fr") == []
    assert len(store.events()) == 1


def test_a_weak_password_is_refused_on_its_field(run, store):
    with pytest.raises(InvalidInput) as refused:
        run("register", {"email": "a@exemple.fr", "password": "motdepasse123", "pseudonym": "Abc", "client": CLIENT})
    assert list(refused.value.details) == ["password"]
    assert store.rows("accounts") == [] and store.rows("outgoing_mails") == []


def test_verification_links_work_once(run, store):
    token = register(run, store)
    account = run("verify_email", token)
    assert account.email_verified_at is not None
    with pytest.raises(InvalidInput) as refused:
        run("verify_email", token)
    assert refused.value.code == "INVALID_TOKEN"
    assert len(store.events("account_email_verified")) == 1


def test_verification_links_expire(run, store):
    token = register(run, store)
    with pytest.raises(InvalidInput):
        run("verify_email", token, clock=lambda: utcnow() + timedelta(hours=49))
    assert store.rows("accounts")[0].email_verified_at is None


def test_login_needs_a_verified_address(run, store):
    register(run, store)
    with pytest.raises(PermissionDenied) as refused:
        run("login", {"email": "camille@exemple.fr", "password": PASSWORD, "session_kind": "browser",
                      "client": CLIENT})
    assert refused.value.code == "EMAIL_NOT_VERIFIED"
    assert store.rows("sessions") == []


def test_login_gives_a_session_that_resolves_and_logout_revokes_it(run, store):
    login = verified(run, store)
    principal = run("resolve_session", login["token"])
    assert principal["pseudonym"] == "Camille du 11e" and principal["roles"] == ["citizen"]
    [session] = store.rows("sessions")
    assert session.token_digest != login["token"] and session.label == "Firefox Linux"
    run("logout", login["token"])
    with pytest.raises(AuthenticationFailed):
        run("resolve_session", login["token"])
    run("logout", login["token"])  # idempotent


def test_an_unknown_address_and_a_wrong_password_fail_the_same_way(run, store):
    verified(run, store)
    errors = []
    for email, password in (("personne@exemple.fr", PASSWORD), ("camille@exemple.fr", "pas-le-bon-mot")):
        with pytest.raises(AuthenticationFailed) as refused:
            run("login", {"email": email, "password": password, "session_kind": "api", "client": CLIENT})
        errors.append(refused.value.to_dict())
    assert errors[0] == errors[1]


def test_repeated_failures_on_an_account_are_throttled_with_a_retry_time(run, store):
    verified(run, store)
    attempt = {"email": "camille@exemple.fr", "password": "pas-le-bon-mot", "session_kind": "browser",
               "client": {"ip": "198.51.100.1"}}
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            run("login", attempt)
    with pytest.raises(RateLimited) as limited:
        run("login", {**attempt, "password": PASSWORD})  # even the right password waits
    assert 0 < limited.value.retry_after <= 15 * 60
    sessions_before = len(store.rows("sessions"))
    assert sessions_before == 1  # only the one from `verified`


def test_repeated_failures_from_one_address_are_throttled_across_accounts(run, store, settings):
    settings["login_failures_per_ip"] = 3
    for number in range(3):
        with pytest.raises(AuthenticationFailed):
            run("login", {"email": f"inconnu{number}@exemple.fr", "password": "x", "session_kind": "api",
                          "client": {"ip": "192.0.2.9"}})
    with pytest.raises(RateLimited):
        run("login", {"email": "encore@exemple.fr", "password": "x", "session_kind": "api",
                      "client": {"ip": "192.0.2.9"}})


def test_registrations_from_one_address_are_limited(run, store, settings):
    settings["registrations_per_ip"] = 2
    for number in range(2):
        run("register", {"email": f"n{number}@exemple.fr", "password": PASSWORD, "pseudonym": f"Nouveau {number}",
                         "client": {"ip": "192.0.2.50"}})
    with pytest.raises(RateLimited) as limited:
        run("register", {"email": "n3@exemple.fr", "password": PASSWORD, "pseudonym": "Nouveau 3",
                         "client": {"ip": "192.0.2.50"}})
    assert limited.value.retry_after > 0
    assert len(store.rows("accounts")) == 2


def test_password_reset_is_single_use_and_closes_every_session(run, store):
    login = verified(run, store)
    run("request_password_reset", {"email": "camille@exemple.fr"})
    token = store.link_token("camille@exemple.fr")
    run("reset_password", {"token": token, "password": "Un-Nouveau-Mot-De-Passe"})
    with pytest.raises(AuthenticationFailed):
        run("resolve_session", login["token"])
    with pytest.raises(InvalidInput):
        run("reset_password", {"token": token, "password": "Encore-Un-Autre-Mot"})
    assert run("login", {"email": "camille@exemple.fr", "password": "Un-Nouveau-Mot-De-Passe",
                         "session_kind": "api", "client": CLIENT})["token"]


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_nothing(run, store):
    assert run("request_password_reset", {"email": "personne@exemple.fr"}) is None
    assert store.rows("outgoing_mails") == []


def test_changing_the_email_is_confirmed_from_the_new_address(run, store):
    login = verified(run, store)
    account_id = login["principal"]["account_id"]
    run("request_email_change", account_id, {"new_email": "camille.nouvelle@exemple.fr", "password": PASSWORD, "client": CLIENT})
    assert run("get_account", account_id)["pending_email"] == "camille.nouvelle@exemple.fr"
    assert "Changement d'adresse" in store.mails_to("camille@exemple.fr")[-1].subject
    account = run("confirm_email_change", store.link_token("camille.nouvelle@exemple.fr"))
    assert account.email == "camille.nouvelle@exemple.fr"
    assert run("get_account", account_id)["pending_email"] is None
    assert len(store.events("account_email_changed")) == 1


def test_an_email_change_needs_the_password(run, store):
    account_id = verified(run, store)["principal"]["account_id"]
    with pytest.raises(InvalidInput) as refused:
        run("request_email_change", account_id, {"new_email": "x@exemple.fr", "password": "faux", "client": CLIENT})
    assert refused.value.details == {"password": ["Mot de passe incorrect."]}
    assert store.mails_to("x@exemple.fr") == []


def test_profile_gives_arrondissement_and_sector(run, store):
    account_id = verified(run, store)["principal"]["account_id"]
    profile = run("update_profile", account_id, {"birth_date": date(1990, 5, 14), "lives_in_paris": True,
                                                 "address_line": "3 rue de Rivoli", "postcode": "75004"})
    assert profile["arrondissement"] == 4
    assert profile["sector"] == {"code": "paris-centre", "label": "Paris Centre", "insee": "75123"}
    assert profile["certification"]["level"] == "declared"
    [event] = store.events("account_profile_updated")
    # the date as written ("1990" alone is in one random id of a few hundred: the event's or an account's)
    assert "Rivoli" not in json.dumps(event) and "1990-05-14" not in json.dumps(event)


def test_a_bad_profile_change_writes_nothing(run, store):
    account_id = verified(run, store)["principal"]["account_id"]
    with pytest.raises(InvalidInput) as refused:
        run("update_profile", account_id, {"pseudonym": "Nouveau nom", "lives_in_paris": True,
                                           "address_line": "1 place de la Mairie", "postcode": "92100"})
    assert list(refused.value.details) == ["postcode"]
    account = run("get_account", account_id)
    assert account["pseudonym"] == "Camille du 11e" and account["lives_in_paris"] is None
    assert store.events("account_profile_updated") == []


def test_an_agent_certifies_attributes_and_a_change_makes_them_declared_again(run, store):
    citizen = verified(run, store)["principal"]["account_id"]
    run("update_profile", citizen, {"birth_date": date(1990, 5, 14), "lives_in_paris": True,
                                    "address_line": "12 rue Oberkampf", "postcode": "75011"})
    with store.uow() as uow:
        agent = Accounts(uow, None).create_verified_account("agent@paris.fr", PASSWORD, "Agent DEVE")
        Accounts(uow, None).ensure_role(agent, "agent", "DEVE")
    with pytest.raises(PermissionDenied):
        run("certify_attributes", citizen, citizen)
    certified = run("certify_attributes", agent.id, citizen)
    assert certified["certification"]["level"] == "verified"
    assert run("eligibility_attributes", citizen)["certification"] == "verified"
    run("update_profile", citizen, {"postcode": "75012"})
    assert run("get_account", citizen)["certification"]["level"] == "declared"


def test_only_an_admin_grants_roles_and_the_last_admin_stays(run, store):
    citizen = verified(run, store)["principal"]["account_id"]
    with store.uow() as uow:
        admin = Accounts(uow, None).create_admin("admin@paris.fr", PASSWORD, "Admin Hub").id
    with pytest.raises(PermissionDenied):
        run("grant_role", citizen, {"account_id": citizen, "role": "admin", "direction": None})
    with pytest.raises(InvalidInput) as refused:
        run("grant_role", admin, {"account_id": citizen, "role": "agent", "direction": None})
    assert list(refused.value.details) == ["direction"]
    granted = run("grant_role", admin, {"account_id": citizen, "role": "agent", "direction": "DVD"})
    assert granted["roles"] == ["citizen", "agent"] and granted["direction"] == "DVD"
    with pytest.raises(Conflict) as refused:
        run("revoke_role", admin, {"account_id": admin, "role": "admin"})
    assert refused.value.code == "LAST_ADMIN"
    revoked = run("revoke_role", admin, {"account_id": citizen, "role": "agent"})
    assert revoked["roles"] == ["citizen"] and revoked["direction"] is None
    assert [e["payload"]["role"] for e in store.events() if e["type"] in ("role_granted", "role_revoked")] == [
        "admin", "agent", "agent"]


def test_the_export_holds_the_personal_data(run, store):
    login = verified(run, store)
    account_id = login["principal"]["account_id"]
    export = run("export_personal_data", account_id)
    assert export["account"]["email"] == "camille@exemple.fr"
    assert export["account"]["pseudonym"] == "Camille du 11e"
    assert len(export["sessions"]) == 1
    json.dumps(export)  # plain JSON


def test_deleting_the_account_erases_personal_data_and_announces_it(run, store):
    login = verified(run, store)
    account_id = login["principal"]["account_id"]
    run("update_profile", account_id, {"birth_date": date(1990, 5, 14), "lives_in_paris": True,
                                       "address_line": "12 rue Oberkampf", "postcode": "75011"})
    with pytest.raises(InvalidInput):
        run("delete_account", account_id, {"password": "faux", "client": CLIENT})
    run("delete_account", account_id, {"password": PASSWORD, "client": CLIENT})
    [account] = store.rows("accounts")
    assert account.status == "deleted"
    assert (account.email, account.pseudonym, account.password_hash, account.birth_date, account.address_line,
            account.postcode) == (None,) * 6
    assert store.rows("sessions") == [] and store.rows("one_time_tokens") == []
    [event] = store.events("account_deleted")
    assert event["payload"] == {"account_id": account_id}
    with pytest.raises(AuthenticationFailed):
        run("resolve_session", login["token"])
    with pytest.raises(NotFound):
        run("get_account", account_id)
    register(run, store)  # the address is free again


def test_public_profiles_give_pseudonyms_of_active_accounts_only(run, store):
    first = verified(run, store)["principal"]["account_id"]
    second = verified(run, store, "sam@exemple.fr", "Sam du 20e")["principal"]["account_id"]
    run("delete_account", second, {"password": PASSWORD, "client": CLIENT})
    [profile] = run("public_profiles", [first, second])
    assert {key: profile[key] for key in ("account_id", "pseudonym")} == {"account_id": first,
                                                                        "pseudonym": "Camille du 11e"}
    registered = store.one("accounts", Account.id == first).created_at
    assert profile["registered_at"] is not None and profile["registered_at"].replace(tzinfo=None) == \
        registered.replace(tzinfo=None)  # when the account was created: ideas weighs reports by it


@pytest.fixture
def cache():
    return SessionCache(connect(), prefix=f"test:{uuid.uuid4().hex}:session")


def test_resolved_sessions_are_cached_and_dropped_when_they_change(store, throttle, cache):
    from accounts import domain

    def run(method, *args):
        with store.uow() as uow:
            return getattr(Accounts(uow, throttle, session_cache=cache), method)(*args)

    run("register", {"email": "cache@exemple.fr", "password": PASSWORD, "pseudonym": "Cache 11e", "client": CLIENT})
    run("verify_email", store.link_token("cache@exemple.fr"))
    login = run("login", {"email": "cache@exemple.fr", "password": PASSWORD, "session_kind": "api", "client": CLIENT})
    cached, resolved = cache.get(login["token"]), PrincipalSchema().dump(run("resolve_session", login["token"]))
    # from login on; the end of an idle session moves with each request
    assert cached.pop("expires_at") <= resolved.pop("expires_at") and cached == resolved
    assert cache.get(login["token"])["pseudonym"] == "Cache 11e"
    assert domain.digest(login["token"]) == token_digest(login["token"])  # both sides key the same entry

    run("update_profile", login["principal"]["account_id"], {"pseudonym": "Cache 12e"})
    assert cache.get(login["token"]) is None  # the pseudonym changed: re-resolve
    run("resolve_session", login["token"])
    run("logout", login["token"])
    assert cache.get(login["token"]) is None


def test_a_failed_change_keeps_the_cache(store, throttle, cache):
    with store.uow() as uow:
        accounts = Accounts(uow, throttle, session_cache=cache)
        account = accounts.create_verified_account("garde@exemple.fr", PASSWORD, "Garde")
    with store.uow() as uow:
        login = Accounts(uow, throttle, session_cache=cache).login(
            {"email": "garde@exemple.fr", "password": PASSWORD, "session_kind": "api", "client": CLIENT})
    with store.uow() as uow:
        Accounts(uow, throttle, session_cache=cache).resolve_session(login["token"])
    with pytest.raises(InvalidInput):
        with store.uow() as uow:
            Accounts(uow, throttle, session_cache=cache).update_profile(
                account.id, {"pseudonym": "Nouveau", "postcode": "92100"})
    assert cache.get(login["token"])["pseudonym"] == "Garde"  # rolled back: nothing dropped


def test_other_services_notify_verified_accounts_by_id(run, store):
    reader = verified(run, store)["principal"]["account_id"]
    register(run, store, "pas.verifie@exemple.fr", "Pas Vérifié")
    unverified = store.rows("accounts", ACCOUNTS.c.email == "pas.verifie@exemple.fr")[0].id
    queued = run("notify", {"account_ids": [reader, unverified], "subject": "Votre pétition a atteint le seuil",
                            "body": "Elle sera inscrite à l'ordre du jour du Conseil de Paris."})
    assert queued == 1
    [mail] = [m for m in store.mails_to("camille@exemple.fr") if m.subject.startswith("Votre pétition")]
    assert "Conseil de Paris" in mail.body and "Camille du 11e" in mail.body


def test_a_notification_sent_again_for_the_same_event_and_purpose_is_queued_once(run, store):
    reader = verified(run, store)["principal"]["account_id"]
    event_id = str(uuid.uuid4())
    message = {"account_ids": [reader], "subject": "Votre pétition a atteint son seuil", "body": "Bravo.",
               "event_id": event_id, "purpose": "petitions.notify_followers#0"}
    # the caller's wait ran out after the first call queued it: it retries the event, with the same names
    assert [run("notify", dict(message)) for _ in range(2)] == [1, 0]
    assert run("notify", {**message, "purpose": "petitions.notify_followers#5000"}) == 1  # another part
    assert run("notify", {k: v for k, v in message.items() if k not in ("event_id", "purpose")}) == 1  # unnamed
    assert len([m for m in store.mails_to("camille@exemple.fr") if m.subject.startswith("Votre pétition")]) == 3


@pytest.mark.parametrize("names", [{"event_id": "00000000-0000-4000-8000-000000000001"},
                                   {"purpose": "petitions.notify_followers#0"},
                                   {"event_id": "pas-un-uuid", "purpose": "petitions.notify_followers#0"},
                                   {"event_id": "00000000-0000-4000-8000-000000000001", "purpose": "Avec Espaces"},
                                   {"event_id": "00000000-0000-4000-8000-000000000001", "purpose": "x" * 101}])
def test_a_notification_names_its_event_and_purpose_together_and_well_formed(names):
    from accounts.schemas import NotificationSchema
    from hubkit.validation import load
    message = {"account_ids": [str(uuid.uuid4())], "subject": "Objet", "body": "Corps"}
    named = load(NotificationSchema(), {**message, "event_id": "00000000-0000-4000-8000-000000000001",
                                        "purpose": "budget.notify_carriers#0"})
    assert (str(named["event_id"]), named["purpose"]) == ("00000000-0000-4000-8000-000000000001",
                                                           "budget.notify_carriers#0")
    with pytest.raises(InvalidInput):
        load(NotificationSchema(), {**message, **names})


def test_other_services_read_e_mail_domains_never_addresses(run, store):
    first = verified(run, store)["principal"]["account_id"]
    second = verified(run, store, "sam@yopmail.com", "Sam du 20e")["principal"]["account_id"]
    gone = verified(run, store, "parti@exemple.fr", "Parti")["principal"]["account_id"]
    run("delete_account", gone, {"password": PASSWORD, "client": CLIENT})
    domains = run("email_domains", [first, second, gone, "00000000-0000-4000-8000-000000000000"])
    assert sorted((d["account_id"], d["email_domain"]) for d in domains) == sorted(
        [(first, "exemple.fr"), (second, "yopmail.com")])
    assert all(d["registered_at"].tzinfo is not None for d in domains)
    assert "@" not in json.dumps(domains, default=str)


def test_eligibility_attributes_of_many_accounts_at_once(run, store):
    first = verified(run, store)["principal"]["account_id"]
    second = verified(run, store, "sam@exemple.fr", "Sam du 20e")["principal"]["account_id"]
    run("update_profile", second, {"lives_in_paris": True, "address_line": "8 rue des Pyrénées",
                                   "postcode": "75020"})
    run("update_profile", first, {"birth_date": date(1990, 5, 14)})
    register(run, store, "noa@exemple.fr", "Noa")  # never verified its address
    unverified = store.one("accounts", ACCOUNTS.c.email == "noa@exemple.fr").id
    many = {a["account_id"]: a for a in run("eligibility_attributes_many",
                                            [uuid.UUID(first), second, unverified, str(uuid.uuid4())])}
    assert set(many) == {first, second, unverified}
    assert many == {account_id: run("eligibility_attributes", account_id) for account_id in many}
    schema_dump = EligibilityAttributesSchema(many=True).dump(list(many.values()))
    assert dump_eligibility_attributes_many(copy.deepcopy(list(many.values()))) == schema_dump  # the RPC's answer
    assert many[second]["lives_in_paris"] is True and many[second]["arrondissement"] == 20
    assert many[second]["sector"] == {"code": "paris-20", "label": "20e arrondissement", "insee": "75120"}
    assert many[first]["birth_date"] == date(1990, 5, 14) and many[first]["sector"] is None
    assert many[first]["email_verified"] is True and many[unverified]["email_verified"] is False


def test_the_lists_of_accounts_other_services_send_are_bounded():
    from accounts.schemas import AccountIdsSchema
    from hubkit.validation import load
    with pytest.raises(InvalidInput):
        load(AccountIdsSchema(), {"account_ids": [str(uuid.uuid4()) for _ in range(501)]})
    with pytest.raises(InvalidInput):
        load(AccountIdsSchema(), {"account_ids": []})


# --- the account search: e-mail addresses only for an exact, audited lookup ---------------------------------

SEARCH = {"role": None, "limit": 50, "offset": 0}


@pytest.fixture
def searchable(run, store):
    """Camille (citizen), and an agent of the DVD who searches."""
    camille = verified(run, store)["principal"]["account_id"]
    with store.uow() as uow:
        accounts = Accounts(uow, None)
        admin = accounts.create_admin("admin@paris.fr", PASSWORD, "Admin Hub").id
        agent = accounts.create_verified_account("agent@paris.fr", PASSWORD, "Agent Voirie")
        accounts.ensure_role(agent, "agent", "DVD")
        agent = agent.id
    return {"camille": camille, "admin": admin, "agent": agent}


def test_a_fragment_finds_pseudonyms_and_shows_no_address(run, store, searchable, caplog):
    caplog.set_level("DEBUG")
    found = run("search_accounts", searchable["agent"], {**SEARCH, "query": "camille"})
    assert [a["id"] for a in found] == [searchable["camille"]]
    assert not {"email", "email_verified", "pending_email"} & set(found[0])
    assert found[0]["pseudonym"] == "Camille du 11e" and found[0]["roles"] == ["citizen"]
    # a fragment of an address matches nothing: addresses cannot be guessed piece by piece
    assert run("search_accounts", searchable["agent"], {**SEARCH, "query": "exemple.fr"}) == []
    assert run("search_accounts", searchable["agent"], {**SEARCH, "query": "%"}) == []
    everyone = run("search_accounts", searchable["admin"], {**SEARCH, "query": ""})
    assert len(everyone) == 3 and all("email" not in a for a in everyone)
    agents = run("search_accounts", searchable["admin"], {**SEARCH, "query": "", "role": "agent"})
    assert [(a["id"], a["direction"]) for a in agents] == [(searchable["agent"], "DVD")]
    assert store.rows("email_lookups") == []
    assert "@exemple.fr" not in caplog.text


def test_a_whole_address_is_an_exact_lookup_recorded_in_the_audit(run, store, searchable, caplog):
    caplog.set_level("DEBUG")
    [found] = run("search_accounts", searchable["agent"], {**SEARCH, "query": " Camille@Exemple.fr "})
    assert found["id"] == searchable["camille"] and found["email"] == "camille@exemple.fr"
    assert run("search_accounts", searchable["admin"], {**SEARCH, "query": "personne@exemple.fr"}) == []
    assert [(row.looked_up_by, row.email, row.results) for row in store.rows("email_lookups")] == [
        (searchable["agent"], "camille@exemple.fr", 1), (searchable["admin"], "personne@exemple.fr", 0)]
    assert all(row.looked_up_at is not None for row in store.rows("email_lookups"))
    assert "camille@exemple.fr" not in caplog.text.lower() and "personne@exemple.fr" not in caplog.text
    # the lookups are the searcher's own activity: in their export, not in Camille's
    assert [(entry["email"], entry["results"]) for entry in run("export_personal_data", searchable["agent"])[
        "email_lookups"]] == [("camille@exemple.fr", 1)]
    assert run("export_personal_data", searchable["camille"])["email_lookups"] == []


def test_citizens_and_moderators_search_nothing_and_nothing_is_recorded(run, store, searchable):
    with store.uow() as uow:
        accounts = Accounts(uow, None)
        moderator = accounts.create_verified_account("moderation@paris.fr", PASSWORD, "Equipe Moderation")
        accounts.ensure_role(moderator, "moderator")
        moderator = moderator.id
    for searcher in (searchable["camille"], moderator):
        with pytest.raises(PermissionDenied):
            run("search_accounts", searcher, {**SEARCH, "query": "admin@paris.fr"})
    assert store.rows("email_lookups") == []
