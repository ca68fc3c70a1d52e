"""The accounts service as the other services' use cases and the gateway's pages call it: one book of accounts
(`add`), sessions (`sign_in`), answers in the shapes of accounts' schemas (services/accounts/accounts/schemas.py),
each call recorded (`RecordingFake`)."""
import uuid
from datetime import datetime, timedelta, timezone

from hubkit.errors import AuthenticationFailed, NotFound

from .recording import RecordingFake, answers

# accounts' own tables (services/accounts/accounts/domain.py), copied: a test of another service does not import
# accounts' code, it reads what accounts answers
ROLES = ("citizen", "agent", "moderator", "admin")
GRANTABLE_ROLES = ("agent", "moderator", "admin")
DIRECTIONS = {
    "DDCT": "Direction de la démocratie, des citoyen·ne·s et des territoires",
    "DEVE": "Direction des espaces verts et de l'environnement",
    "DVD": "Direction de la voirie et des déplacements",
    "DU": "Direction de l'urbanisme",
    "DPE": "Direction de la propreté et de l'eau",
    "DAC": "Direction des affaires culturelles",
    "DASCO": "Direction des affaires scolaires",
    "DJS": "Direction de la jeunesse et des sports",
    "DFPE": "Direction des familles et de la petite enfance",
    "DLH": "Direction du logement et de l'habitat",
    "DAE": "Direction de l'attractivité et de l'emploi",
    "DCPA": "Direction des constructions publiques et de l'architecture",
    "DSOL": "Direction des solidarités",
    "DICOM": "Direction de l'information et de la communication",
    "DSIN": "Direction des systèmes d'information et du numérique",
}
PARIS_POSTCODES = {**{f"750{number:02d}": number for number in range(1, 21)}, "75116": 16}
ARRONDISSEMENTS = [{"number": number, "name": "1er arrondissement" if number == 1 else f"{number}e arrondissement",
                    "postcodes": sorted(code for code, of in PARIS_POSTCODES.items() if of == number)}
                   for number in range(1, 21)]
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)  # the fake's clock: sessions start and end from it
SESSION_DAYS = 30
LOGIN_TOKEN = "session-token-from-login-0123456789"  # what `login` answers
SUMMARY_FIELDS = ("id", "pseudonym", "email", "email_verified", "roles", "direction", "arrondissement",
                  "certification", "created_at")  # accounts' AccountSummarySchema
ELIGIBILITY_FIELDS = ("lives_in_paris", "arrondissement", "sector", "birth_date", "email_verified")


class FakeAccounts(RecordingFake):
    """Stands in for the accounts service: answers like it does from `accounts` (id -> the account as
    `get_account` answers it, plus its `email_domain`), records each call, fails when told to (`fail`, `down`).
    `notices`: what `notify` was asked to send."""

    def __init__(self):
        super().__init__()
        self.accounts, self.sessions, self.tokens, self.notices = {}, {}, {}, []
        self.directions = dict(DIRECTIONS)  # what `reference_data` answers: accounts' table

    # --- for the tests ---

    def add(self, account_id: str = None, pseudonym: str = "Camille du 11e", *, email: str = None,
            roles=("citizen",), direction=None, lives_in_paris=True, arrondissement=11, birth_date="1990-05-14",
            certification="declared", verified_at=None, email_verified=True, email_domain=None,
            registered_at="2025-01-15T09:00:00+00:00", address_line=None, postcode=None, sector=None) -> str:
        """Open an account (every one is a citizen); its id."""
        account_id = account_id or str(uuid.uuid4())
        email = email or f"{account_id[:8]}@{email_domain or 'exemple.fr'}"
        self.accounts[account_id] = {
            "id": account_id, "email": email, "email_verified": email_verified, "pending_email": None,
            "pseudonym": pseudonym, "roles": ["citizen", *(role for role in roles if role != "citizen")],
            "direction": direction, "birth_date": birth_date, "lives_in_paris": lives_in_paris,
            "address_line": address_line, "postcode": postcode,
            "arrondissement": arrondissement if lives_in_paris else None, "sector": sector,
            "certification": {"level": certification, "verified_at": verified_at}, "created_at": registered_at,
            "email_domain": email_domain or email.rsplit("@", 1)[1]}
        return account_id

    def account(self, account_id: str) -> dict:
        """The account as `get_account` answers it."""
        if account_id not in self.accounts:
            raise NotFound("Compte introuvable.")
        return {key: value for key, value in self.accounts[account_id].items() if key != "email_domain"}

    def open_session(self, account_id: str, session_id: str = None, kind="browser", label="Firefox Linux") -> str:
        """A session of the account (as `list_sessions` lists it); its id."""
        session_id = session_id or str(uuid.uuid4())
        self.sessions[session_id] = {"id": session_id, "account_id": account_id, "kind": kind, "label": label,
                                     "created_at": NOW.isoformat(), "last_seen_at": NOW.isoformat(),
                                     "expires_at": (NOW + timedelta(days=SESSION_DAYS)).isoformat()}
        return session_id

    def sign_in(self, account_id: str, token: str, roles=None, direction=None, session_id: str = None) -> dict:
        """`token` opens the session `session_id` (a new one by default) of the account, with `roles` and
        `direction` (by default the account's); the principal `resolve_session` answers for it."""
        if session_id not in self.sessions:
            session_id = self.open_session(account_id, session_id)
        self.tokens[token] = self.principal(account_id, session_id, roles, direction)
        return self.tokens[token]

    def principal(self, account_id: str, session_id: str, roles=None, direction=None) -> dict:
        account = self.accounts[account_id]
        return {"account_id": account_id, "session_id": session_id, "pseudonym": account["pseudonym"],
                "roles": list(account["roles"] if roles is None else roles),
                "direction": account["direction"] if roles is None else direction,
                "expires_at": (NOW + timedelta(days=SESSION_DAYS)).isoformat()}

    # --- what the other services call ---

    @answers
    def public_profiles(self, data):
        return [{"account_id": account_id, "pseudonym": self.accounts[account_id]["pseudonym"],
                 "registered_at": self.accounts[account_id]["created_at"]}
                for account_id in data["account_ids"] if account_id in self.accounts]

    @answers
    def eligibility_attributes(self, data):
        return self._eligibility(self.account(data["account_id"]))

    @answers
    def eligibility_attributes_many(self, data):
        assert 1 <= len(data["account_ids"]) <= 500  # as accounts' schema bounds it
        return [self._eligibility(self.accounts[account_id]) for account_id in data["account_ids"]
                if account_id in self.accounts]

    @answers
    def email_domains(self, data):
        assert 1 <= len(data["account_ids"]) <= 500  # as accounts' schema bounds it
        return [{"account_id": account_id, "email_domain": self.accounts[account_id]["email_domain"],
                 "registered_at": self.accounts[account_id]["created_at"]}
                for account_id in data["account_ids"] if account_id in self.accounts]

    @answers
    def notify(self, data):
        self.notices.append(data)
        return {"queued": len(data["account_ids"])}

    @answers
    def reference_data(self):
        return {"roles": list(ROLES), "grantable_roles": list(GRANTABLE_ROLES),
                "directions": [{"code": code, "name": name} for code, name in self.directions.items()],
                "arrondissements": [dict(row, postcodes=list(row["postcodes"])) for row in ARRONDISSEMENTS]}

    @answers
    def search_accounts(self, actor, data):
        """As accounts searches: a whole address finds that account (shown with it), a fragment finds pseudonyms
        (shown without addresses); newest first, paged."""
        text, role = data.get("query", "").strip().lower(), data.get("role")
        exact = "@" in text

        def matches(account: dict) -> bool:
            found_by_text = account["email"].lower() == text if exact else text in account["pseudonym"].lower()
            return found_by_text and (role in (None, "citizen") or role in account["roles"])

        found = [account for account in self.accounts.values() if matches(account)]
        found.sort(key=lambda account: account["created_at"], reverse=True)
        offset = data.get("offset", 0)
        page = found[offset:offset + data.get("limit", 50)]
        hidden = () if exact else ("email", "email_verified")
        return [{key: account[key] for key in SUMMARY_FIELDS if key not in hidden} for account in page]

    @answers
    def get_account(self, actor):
        return self.account(actor)

    # --- what the gateway's pages call ---

    @answers
    def resolve_session(self, data):
        if data["token"] not in self.tokens:
            raise AuthenticationFailed("Session expirée : reconnectez-vous.", code="SESSION_EXPIRED")
        return self.tokens[data["token"]]

    @answers
    def login(self, data):
        account_id = next((account["id"] for account in self.accounts.values()
                           if account["email"] == data["email"].strip().lower()), None)
        if account_id is None:
            raise AuthenticationFailed("Adresse e-mail ou mot de passe incorrect.", code="INVALID_CREDENTIALS")
        return {"token": LOGIN_TOKEN, "principal": self.sign_in(account_id, LOGIN_TOKEN)}

    @answers
    def logout(self, data):
        self.tokens.pop(data["token"], None)
        return {"status": "logged_out"}

    @answers
    def register(self, data):
        return {"status": "verification_sent"}

    @answers
    def verify_email(self, data):
        return self._first_account()

    @answers
    def resend_verification(self, data):
        return {"status": "sent_if_pending"}

    @answers
    def request_password_reset(self, data):
        return {"status": "sent_if_known"}

    @answers
    def reset_password(self, data):
        return {"status": "password_reset"}

    @answers
    def confirm_email_change(self, data):
        return {**self._first_account(), "email": "nouvelle@example.fr"}

    @answers
    def list_sessions(self, actor, current_session_id=None):
        return [{**{key: value for key, value in session.items() if key != "account_id"},
                 "current": session["id"] == current_session_id}
                for session in self.sessions.values() if session["account_id"] == actor]

    @answers
    def update_profile(self, actor, data):
        return {**self.account(actor), **data}

    @answers
    def request_email_change(self, actor, data):
        return {"status": "confirmation_sent"}

    @answers
    def change_password(self, actor, session_id, data):
        return {"status": "password_changed"}

    @answers
    def revoke_session(self, actor, data):
        return {"status": "revoked"}

    @answers
    def delete_account(self, actor, data):
        self.tokens.clear()
        return {"status": "deleted"}

    @answers
    def export_personal_data(self, actor):
        return {"account": self.account(actor), "sessions": self.list_sessions.__wrapped__(self, actor),
                "role_history": []}

    @answers
    def certify_attributes(self, actor, data):
        account = self.account(data["account_id"])
        return {**account, "certification": {"level": "verified", "verified_at": NOW.isoformat()}}

    @answers
    def grant_role(self, actor, data):
        account = self.account(data["account_id"])
        return {**account, "roles": [*account["roles"], data["role"]], "direction": data.get("direction")}

    @answers
    def revoke_role(self, actor, data):
        account = self.account(data["account_id"])
        return {**account, "roles": [role for role in account["roles"] if role != data["role"]]}

    def _eligibility(self, account: dict) -> dict:
        return {"account_id": account["id"], **{key: account[key] for key in ELIGIBILITY_FIELDS},
                "certification": account["certification"]["level"]}

    def _first_account(self) -> dict:
        """The account a mailed link (verification, e-mail change) belongs to: the fake knows no tokens."""
        return self.account(next(iter(self.accounts)))
