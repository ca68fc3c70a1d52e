"""What an attacker would try on accounts: learning who is registered, guessing passwords, locking someone out,
outliving a session, reusing an old link, reading secrets in logs and events."""
import json
import logging
import statistics
import time
import uuid
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from prometheus_client import REGISTRY

from accounts.handlers import Accounts, passwords, utcnow
from accounts.handlers.common import GUESS_WINDOW
from accounts.models import Account
from accounts.settings import AccountsSettings
from hubkit.errors import AuthenticationFailed, Conflict, InvalidInput, RateLimited
from hubkit.sessions import SessionCache
from hubkit.throttle import Throttle, connect

pytestmark = pytest.mark.integration
PASSWORD = "Des-Arbres-Partout-2026"
ATTACKER = {"ip": "198.51.100.66", "user_agent": "curl/8.0"}
OWNER = {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


# failed guesses allowed per account and client address, as the service reads it (ACCOUNTS_LOGIN_FAILURES_...)
GUESSES = AccountsSettings().login_failures_per_account_and_ip


@pytest.fixture
def settings() -> dict:
    """Settings these tests change (as the environment would), over the environment's."""
    return {}


@pytest.fixture
def run(store, throttle, clock, settings):
    def run(method, *args, throttle=throttle, session_cache=None):
        with store.uow() as uow:
            return getattr(Accounts(uow, throttle, clock, session_cache=session_cache,
                                    settings=AccountsSettings(**settings)), method)(*args)
    return run


def registration(email, pseudonym, password=PASSWORD, client=OWNER) -> dict:
    return {"email": email, "password": password, "pseudonym": pseudonym, "client": client}


def login(email="camille@exemple.fr", password=PASSWORD, client=OWNER) -> dict:
    return {"email": email, "password": password, "session_kind": "browser", "client": client}


def signed_up(run, store, email="camille@exemple.fr", pseudonym="Camille du 11e") -> dict:
    run("register", registration(email, pseudonym))
    run("verify_email", store.link_token(email))
    return run("login", login(email))


# --- registration tells nobody whether an address has an account -----------------------------------------------

def test_a_known_address_gets_the_same_answer_a_hash_and_only_its_owner_is_told(run, store, monkeypatch):
    signed_up(run, store)
    hashed = []
    monkeypatch.setattr(passwords, "hash_password", lambda password: hashed.append(password) or "x")
    known = run("register", registration("camille@exemple.fr", "Quelqu'un"))
    new = run("register", registration("dominique@exemple.fr", "Dominique"))
    assert known == new == {"status": "verification_sent"}
    assert hashed == [PASSWORD, PASSWORD]  # the known address cost a hash too
    assert "Tentative d'inscription" in store.mails_to("camille@exemple.fr")[-1].subject
    assert len(store.rows("accounts")) == 2 and len(store.events("account_registered")) == 2


def test_a_taken_pseudonym_is_refused_alike_whether_the_address_is_known_or_not(run, store):
    signed_up(run, store)
    for email in ("camille@exemple.fr", "inconnue@exemple.fr"):
        with pytest.raises(Conflict) as refused:
            run("register", registration(email, "Camille du 11e"))
        assert refused.value.code == "PSEUDONYM_TAKEN"


def test_a_pseudonym_tried_with_a_known_address_is_held_as_a_new_account_would_hold_it(run, store):
    """Registering "Essai" with address A, then "Essai" with address B: B is refused whether A was known or not."""
    signed_up(run, store)
    run("register", registration("camille@exemple.fr", "Essai connu"))  # known address
    run("register", registration("nouvelle@exemple.fr", "Essai nouveau"))  # new address
    for pseudonym in ("Essai connu", "Essai nouveau"):
        with pytest.raises(Conflict):
            run("register", registration("troisieme@exemple.fr", pseudonym))
    account_id = store.one("accounts", store.metadata.tables["accounts"].c.email == "camille@exemple.fr").id
    assert run("update_profile", account_id, {"pseudonym": "Essai connu"})["pseudonym"] == "Essai connu"
    run("delete_account", account_id, {"password": PASSWORD, "client": OWNER})
    assert store.rows("pseudonym_reservations") == []


def registration_time(run, email: str, pseudonym: str) -> float:
    started = time.perf_counter()
    run("register", registration(email, pseudonym, client={"ip": f"192.0.2.{uuid.uuid4().int % 250}"}))
    return time.perf_counter() - started


def test_registering_a_known_address_takes_as_long_as_a_new_one(run, store):
    """Real argon2; the two kinds interleaved, so a busy neighbour slows both alike; medians compared. The code
    before this check answered a known address ~20x faster (it skipped the hash)."""
    signed_up(run, store)
    known, new = [], []
    for number in range(12):
        known.append(registration_time(run, "camille@exemple.fr", f"Essai connu {number}"))
        new.append(registration_time(run, f"personne{number}@exemple.fr", f"Essai nouveau {number}"))
    ratio = statistics.median(known) / statistics.median(new)
    assert 0.5 <= ratio <= 2, (ratio, known, new)


# --- password guessing -----------------------------------------------------------------------------------------

def test_an_attacker_guessing_backs_off_their_own_client_not_the_owner(run, store):
    signed_up(run, store)
    for _ in range(GUESSES):
        with pytest.raises(AuthenticationFailed):
            run("login", login(password="mauvais-mot-de-passe", client=ATTACKER))
    with pytest.raises(RateLimited) as limited:
        run("login", login(client=ATTACKER))  # even the right password: the guess is not even checked
    assert 0 < limited.value.retry_after <= GUESS_WINDOW
    assert run("login", login(client=OWNER))["token"]  # the owner, from their own client, is not locked out


def test_a_refused_guess_never_reaches_the_password_check(run, store, monkeypatch):
    signed_up(run, store)
    for _ in range(GUESSES):
        with pytest.raises(AuthenticationFailed):
            run("login", login(password="mauvais-mot-de-passe", client=ATTACKER))
    monkeypatch.setattr(passwords, "matches", lambda *args: pytest.fail("checked past the limit"))
    with pytest.raises(RateLimited):
        run("login", login(client=ATTACKER))


def test_a_right_password_clears_this_clients_failures_and_gives_its_guess_back(run, store, throttle):
    signed_up(run, store)
    for _ in range(GUESSES - 1):
        with pytest.raises(AuthenticationFailed):
            run("login", login(password="faute-de-frappe"))
    run("login", login())
    for _ in range(GUESSES):  # a fresh allowance
        with pytest.raises(AuthenticationFailed):
            run("login", login(password="faute-de-frappe"))
    # 1 success (given back) and 4 + 5 failures from this address, +1 for the login in signed_up, given back too
    assert throttle.client.get(throttle._key("login-ip", OWNER["ip"])) == str(2 * GUESSES - 1)


@pytest.mark.parametrize("recheck", ["change_password", "request_email_change", "delete_account"])
def test_password_rechecks_are_limited_too(run, store, recheck, settings):
    settings["email_changes_per_account"] = 100  # the guesses' limit, not this one
    account_id = signed_up(run, store)["principal"]["account_id"]

    def attempt(password):
        if recheck == "change_password":
            return run("change_password", account_id, None, {"current_password": password,
                                                             "new_password": "Un-Autre-Mot-De-Passe", "client": OWNER})
        if recheck == "request_email_change":
            return run("request_email_change", account_id, {"new_email": "autre@exemple.fr", "password": password,
                                                            "client": OWNER})
        return run("delete_account", account_id, {"password": password, "client": OWNER})
    for _ in range(GUESSES):
        with pytest.raises(InvalidInput) as refused:
            attempt("mauvais-mot-de-passe")
        assert refused.value.code == "WRONG_PASSWORD"
    before = store.snapshot()
    with pytest.raises(RateLimited):
        attempt(PASSWORD)
    assert store.snapshot() == before


def test_email_change_requests_are_limited_per_account_and_per_client(run, store, settings):
    settings.update(email_changes_per_account=2, email_changes_per_ip=3)
    first = signed_up(run, store)["principal"]["account_id"]
    second = signed_up(run, store, "dominique@exemple.fr", "Dominique")["principal"]["account_id"]
    for number in range(2):
        run("request_email_change", first, {"new_email": f"n{number}@exemple.fr", "password": PASSWORD,
                                            "client": OWNER})
    before = store.snapshot()
    with pytest.raises(RateLimited) as limited:  # the account's limit, from another client as well
        run("request_email_change", first, {"new_email": "n2@exemple.fr", "password": PASSWORD, "client": ATTACKER})
    assert "changement d'adresse" in limited.value.message and store.snapshot() == before
    run("request_email_change", second, {"new_email": "d0@exemple.fr", "password": PASSWORD, "client": OWNER})
    with pytest.raises(RateLimited):  # the client's limit: 3 requests from OWNER's address in all
        run("request_email_change", second, {"new_email": "d1@exemple.fr", "password": PASSWORD, "client": OWNER})
    assert len(store.mails_to("d1@exemple.fr")) == 0


def test_with_redis_down_logins_work_and_guessing_is_still_limited(run, store):
    signed_up(run, store)
    down = Throttle(connect("redis://127.0.0.1:1/0"), prefix=f"test:{uuid.uuid4().hex}")
    assert run("login", login(), throttle=down)["token"]  # not refused because Redis is down
    assert REGISTRY.get_sample_value("hub_rate_limit_fallback") == 1
    for _ in range(GUESSES):
        with pytest.raises(AuthenticationFailed):
            run("login", login(password="mauvais-mot-de-passe", client=ATTACKER), throttle=down)
    with pytest.raises(RateLimited):
        run("login", login(client=ATTACKER), throttle=down)
    assert run("login", login(), throttle=down)["token"]


# --- sessions end --------------------------------------------------------------------------------------------

def test_a_citizen_session_ends_after_a_week_idle_and_after_thirty_days_whatever(run, store, clock):
    token = signed_up(run, store)["token"]
    for days in (6, 6, 6, 6, 5):  # active every six days or less: alive on day 29
        clock.advance(days=days)
        run("resolve_session", token)
    clock.advance(days=2)  # day 31: over, however active
    with pytest.raises(AuthenticationFailed):
        run("resolve_session", token)
    idle = signed_up(run, store, "dominique@exemple.fr", "Dominique")["token"]
    clock.advance(days=7, seconds=1)
    with pytest.raises(AuthenticationFailed) as expired:
        run("resolve_session", idle)
    assert expired.value.code == "SESSION_EXPIRED"


def test_a_staff_session_ends_after_thirty_minutes_idle_and_eight_hours_whatever(run, store, clock):
    signed_up(run, store, "admin@exemple.fr", "Alix Martin")
    admin_id = store.one("accounts", store.metadata.tables["accounts"].c.email == "admin@exemple.fr").id
    with store.uow() as uow:
        Accounts(uow, None, clock).ensure_role(uow.session.get(Account, admin_id), "admin")
    token = run("login", login("admin@exemple.fr"))["token"]
    clock.advance(minutes=29)
    assert "admin" in run("resolve_session", token)["roles"]
    clock.advance(minutes=31)
    with pytest.raises(AuthenticationFailed):
        run("resolve_session", token)
    busy = run("login", login("admin@exemple.fr"))["token"]
    for _ in range(23):  # a request every 20 minutes: alive for 8 hours
        clock.advance(minutes=20)
        run("resolve_session", busy)
    clock.advance(minutes=20)
    with pytest.raises(AuthenticationFailed):
        run("resolve_session", busy)


def test_last_seen_is_written_at_most_once_a_minute(run, store, clock):
    token = signed_up(run, store)["token"]
    [created] = store.rows("sessions")
    clock.advance(seconds=30)
    run("resolve_session", token)
    assert store.rows("sessions")[0].last_seen_at == created.last_seen_at
    clock.advance(seconds=31)
    run("resolve_session", token)
    assert store.rows("sessions")[0].last_seen_at > created.last_seen_at


def test_a_role_change_applies_from_the_next_request(run, store):
    cache = SessionCache(connect(), prefix=f"test:{uuid.uuid4().hex}:session")
    admin = signed_up(run, store, "admin@exemple.fr", "Alix Martin")
    with store.uow() as uow:
        Accounts(uow, None).ensure_role(uow.session.get(Account, admin["principal"]["account_id"]), "admin")
    signed_up(run, store)
    citizen = run("login", login(), session_cache=cache)
    assert cache.get(citizen["token"])["roles"] == ["citizen"]
    run("grant_role", admin["principal"]["account_id"],
        {"account_id": citizen["principal"]["account_id"], "role": "moderator", "direction": None},
        session_cache=cache)
    assert cache.get(citizen["token"]) is None  # the gateway must ask again
    assert run("resolve_session", citizen["token"], session_cache=cache)["roles"] == ["citizen", "moderator"]
    run("revoke_role", admin["principal"]["account_id"],
        {"account_id": citizen["principal"]["account_id"], "role": "moderator"}, session_cache=cache)
    assert cache.get(citizen["token"]) is None
    assert run("resolve_session", citizen["token"], session_cache=cache)["roles"] == ["citizen"]


# --- older links stop working ----------------------------------------------------------------------------------

def reset_link(run, store, email="camille@exemple.fr") -> str:
    run("request_password_reset", {"email": email})
    return store.link_token(email)


def test_a_reset_revokes_older_reset_links(run, store):
    signed_up(run, store)
    older, newer = reset_link(run, store), reset_link(run, store)
    run("reset_password", {"token": newer, "password": "Un-Nouveau-Mot-De-Passe"})
    with pytest.raises(InvalidInput) as refused:
        run("reset_password", {"token": older, "password": "Le-Mot-De-L-Attaquant"})
    assert refused.value.code == "INVALID_TOKEN"


def test_a_password_change_revokes_pending_reset_links(run, store):
    login_result = signed_up(run, store)
    pending = reset_link(run, store)
    run("change_password", login_result["principal"]["account_id"], login_result["principal"]["session_id"],
        {"current_password": PASSWORD, "new_password": "Un-Nouveau-Mot-De-Passe", "client": OWNER})
    with pytest.raises(InvalidInput):
        run("reset_password", {"token": pending, "password": "Le-Mot-De-L-Attaquant"})


def test_an_email_change_revokes_reset_links_sent_to_the_old_address(run, store):
    account_id = signed_up(run, store)["principal"]["account_id"]
    pending = reset_link(run, store)
    run("request_email_change", account_id, {"new_email": "camille.neuve@exemple.fr", "password": PASSWORD,
                                             "client": OWNER})
    run("confirm_email_change", store.link_token("camille.neuve@exemple.fr"))
    with pytest.raises(InvalidInput):
        run("reset_password", {"token": pending, "password": "Le-Mot-De-L-Attaquant"})


# --- argon2 parameters --------------------------------------------------------------------------------------

def test_a_hash_with_older_parameters_still_logs_in_and_is_rehashed(run, store):
    signed_up(run, store)
    accounts_table = store.metadata.tables["accounts"]
    old_hash = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4).hash(PASSWORD)
    with store.factory() as session, session.begin():
        session.execute(accounts_table.update().values(password_hash=old_hash))
    assert run("login", login())["token"]
    rehashed = store.one("accounts").password_hash
    assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and not passwords.needs_rehash(rehashed)
    assert run("login", login())["token"]


# --- secrets never in logs or events --------------------------------------------------------------------------

def test_passwords_and_tokens_appear_in_no_log_record_and_no_event(run, store, caplog):
    caplog.set_level(logging.DEBUG)
    new_password, reset_password = "Un-Nouveau-Mot-De-Passe", "Encore-Un-Autre-Mot-1"
    run("register", registration("camille@exemple.fr", "Camille du 11e"))
    verification = store.link_token("camille@exemple.fr")
    run("verify_email", verification)
    session = run("login", login())
    run("resolve_session", session["token"])
    with pytest.raises(AuthenticationFailed):
        run("login", login(password="Un-Essai-Rate-42"))
    reset = reset_link(run, store)
    run("reset_password", {"token": reset, "password": reset_password})
    session = run("login", login(password=reset_password))
    run("change_password", session["principal"]["account_id"], session["principal"]["session_id"],
        {"current_password": reset_password, "new_password": new_password, "client": OWNER})
    run("logout", session["token"])

    secrets = [PASSWORD, new_password, reset_password, "Un-Essai-Rate-42", verification, reset, session["token"]]
    digests = [passwords_digest(secret) for secret in secrets[4:]]
    records = [json.dumps({**record.__dict__, "msg": record.getMessage()}, default=str) for record in caplog.records]
    events = [json.dumps(event, default=str) for event in store.events()]
    assert records and len(events) >= 4  # something was logged and emitted: the check looked at real output
    for text in records + events:
        for secret in secrets:
            assert secret not in text
        for digest in digests:  # nor the stored digests, nor a prefix that would help find the row
            assert digest[:12] not in text


def passwords_digest(secret: str) -> str:
    from accounts import domain
    return domain.digest(secret)
