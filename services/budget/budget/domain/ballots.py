"""Rules of the vote: who may vote (eligibility, online and on paper), what a ballot holds, receipts, and the
tally (greedy winners per envelope; see the package docstring)."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from .reference import (ARRONDISSEMENT, CERTIFICATION_LEVELS, PARIS, RECEIPT_BYTES, SECTOR_CODES, NotAllowed,
                        RuleBroken)


# --- eligibility --------------------------------------------------------------------------------------

def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_eligible(rules: dict, attributes: dict, vote_day: date):
    """Every rule of the cycle, in a fixed order; the first one broken is named (403, details.rule)."""
    if rules.get("email_verified", True) and not attributes.get("email_verified"):
        _refuse("email_verified", "Vérifiez votre adresse e-mail pour voter.")
    if rules.get("lives_in_paris", True) and not attributes.get("lives_in_paris"):
        _refuse("lives_in_paris", "Ce vote est réservé aux personnes qui habitent à Paris (déclarez votre adresse "
                                  "parisienne dans votre compte).")
    minimum = rules.get("min_age")
    if minimum:
        birth = attributes.get("birth_date")
        if isinstance(birth, str):
            birth = date.fromisoformat(birth[:10])
        age = age_on(birth, vote_day)
        if age is None:
            _refuse("min_age", f"Ce vote est ouvert à partir de {minimum} ans : indiquez votre date de naissance "
                               "dans votre compte.", minimum=minimum)
        if age < minimum:
            _refuse("min_age", f"Ce vote est ouvert à partir de {minimum} ans à la date du vote.", minimum=minimum)
    level = rules.get("certification")
    if level and CERTIFICATION_LEVELS.get(attributes.get("certification"), 0) < CERTIFICATION_LEVELS[level]:
        _refuse("certification", "Ce vote demande un compte dont l'adresse a été vérifiée par la Ville.",
                required=level)


def check_paper_eligible(rules: dict, birth_date: date, postcode: str, vote_day: date, paris_postcodes):
    """The cycle's rules a paper voter can meet in person: living in Paris (`paris_postcodes`: accounts' reference
    data) and the minimum age (e-mail and certification are met by the identity document the agent checked)."""
    if rules.get("lives_in_paris", True) and postcode not in paris_postcodes:
        _refuse("lives_in_paris", "Ce vote est réservé aux personnes qui habitent à Paris (code postal parisien).")
    minimum = rules.get("min_age")
    if minimum and age_on(birth_date, vote_day) < minimum:
        _refuse("min_age", f"Ce vote est ouvert à partir de {minimum} ans à la date du vote.", minimum=minimum)


def check_same_person(account_birth_date, birth_date: date):
    """The account the paper voter names must be theirs: same birth date, when the account has one."""
    if isinstance(account_birth_date, str):
        account_birth_date = date.fromisoformat(account_birth_date[:10])
    if account_birth_date is not None and account_birth_date != birth_date:
        raise RuleBroken("Ce compte n'a pas la date de naissance de la pièce d'identité présentée.",
                         "account_email")


def _refuse(rule: str, message: str, **more):
    raise NotAllowed(message, code="NOT_ELIGIBLE", details={"rule": rule, **more})


# --- ballots --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A project on the ballot paper: its id, scale, sector, cost, and what breaks ties."""
    id: str
    scale: str
    sector: str | None
    cost: int
    position: int


def check_ballot(candidates: dict, max_choices: int, paris_choices: list, sector: str | None,
                 sector_choices: list):
    """Up to `max_choices` Paris-wide projects and up to `max_choices` projects of ONE sector; at least one choice;
    each a project selected for this vote, at its scale (and in the chosen sector), once."""
    if not paris_choices and not sector_choices:
        raise RuleBroken("Choisissez au moins un projet.", "paris_projects")
    for field, choices in (("paris_projects", paris_choices), ("sector_projects", sector_choices)):
        if len(set(choices)) != len(choices):
            raise RuleBroken("Un même projet est choisi deux fois.", field)
        if len(choices) > max_choices:
            raise RuleBroken(f"Au plus {max_choices} projets.", field)
    if sector_choices and sector not in SECTOR_CODES:
        raise RuleBroken("Choisissez un secteur (Paris Centre ou un arrondissement du 5e au 20e).", "sector")
    for project_id in paris_choices:
        candidate = candidates.get(project_id)
        if candidate is None or candidate.scale != PARIS:
            raise RuleBroken("Ce projet n'est pas soumis au vote à l'échelle de tout Paris.", "paris_projects",
                             details={"project_id": project_id})
    for project_id in sector_choices:
        candidate = candidates.get(project_id)
        if candidate is None or candidate.scale != ARRONDISSEMENT or candidate.sector != sector:
            raise RuleBroken("Ce projet n'est pas soumis au vote dans le secteur choisi.", "sector_projects",
                             details={"project_id": project_id})


def new_receipt() -> str:
    """Shown once to the voter; only its digest is stored."""
    return secrets.token_hex(RECEIPT_BYTES)


def receipt_digest(receipt: str) -> str:
    return hashlib.sha256(receipt.strip().lower().encode()).hexdigest()


# --- tally ----------------------------------------------------------------------------------------------

def ranking_key(candidate: Candidate, votes: int):
    """Most votes first; ties: the lower cost, then the earlier submission, then the id."""
    return (-votes, candidate.cost, candidate.position, candidate.id)


def greedy_winners(candidates: list, votes: dict, envelope: int) -> tuple:
    """The winners within `envelope`, chosen greedily (see the module docstring), and the amount used."""
    used, winners = 0, []
    for candidate in sorted(candidates, key=lambda c: ranking_key(c, votes.get(c.id, 0))):
        if votes.get(candidate.id, 0) <= 0:
            continue  # a project nobody chose does not win
        if used + candidate.cost <= envelope:
            winners.append(candidate.id)
            used += candidate.cost
    return winners, used


def scope_of(candidate: Candidate) -> str:
    return PARIS if candidate.scale == PARIS else candidate.sector


def tally(candidates: list, votes: dict, paris_envelope: int, sector_envelopes: dict) -> dict:
    """Winners and envelope used per scope: "paris" and each sector code."""
    scopes = {PARIS: paris_envelope, **sector_envelopes}
    results = {}
    for scope, envelope in scopes.items():
        in_scope = [c for c in candidates if scope_of(c) == scope]
        winners, used = greedy_winners(in_scope, votes, envelope)
        results[scope] = {"envelope": envelope, "used": used, "winners": winners}
    return results
