"""Paper ballots from the mobile ballot boxes, entered by agents during the vote.

The agent checks the voter's identity document and enters the identity (last name, first name, birth date,
postcode, kind of document and its last 4 characters) with the choices. The cycle's rules apply as they can on
paper: living in Paris (a Paris postcode) and the minimum age (the birth date); the e-mail and certification
rules are met by the identity check itself.

One person, one ballot — the documented rule:
- Two paper ballots of the same person (same name, first name and birth date, whatever the box): the first one
  counts, the second is refused (409 ALREADY_VOTED_ON_PAPER).
- Online and on paper: THE ONLINE BALLOT WINS, whatever the order. The voter says whether they have a hub account
  and the agent enters its e-mail (`account_email`); the account must have the same birth date (when it has one).
  A paper ballot whose account has an online ballot is recorded but not counted (status
  `superseded_by_online`); an online ballot cast after a paper one supersedes it the same way.

Personal data, kept to the minimum: names, birth date, postcode and the document's characters are never stored
nor put in an event. What is kept until the vote closes: a keyed digest of the identity (HMAC-SHA256 of the
normalised names and birth date with a random key of the cycle), the account named (if any), the kind of
document and the ballot box. When the vote closes, the digests, the accounts and the cycle's key are erased:
the paper ballots stay counted, linked to no one.
"""
import hashlib
import hmac
import secrets
import unicodedata

import sqlalchemy as sa
from hubkit.errors import Conflict, InvalidInput
from sqlalchemy.exc import IntegrityError

from .. import business_metrics, domain, events
from ..models import Ballot, BallotChoice, Cycle, PaperBallot
from . import vote_counts
from .common import UseCases, rules

COUNTED, SUPERSEDED = "counted", "superseded_by_online"


def _normalised(name: str) -> str:
    """« Lefèvre-Dupont » and « LEFEVRE DUPONT » are the same person on two forms."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(character for character in plain if character.isalnum())


def identity_digest(salt: str, last_name: str, first_name: str, birth_date) -> str:
    message = f"{_normalised(last_name)}|{_normalised(first_name)}|{birth_date.isoformat()}".encode()
    return hmac.new(bytes.fromhex(salt), message, hashlib.sha256).hexdigest()


class PaperBallots(UseCases):
    """Paper ballots entered by the organising direction's agents."""

    def record_paper_ballot(self, actor: dict, command: dict) -> dict:
        """Admins and the agents of the organising direction (they hold the mobile ballot boxes) only, checked
        before the voter's account is looked up."""
        actor = self._with_direction(actor)
        self._require_owning_direction(actor, None)  # a cycle's paper ballots: the organising direction's
        account = self._named_account(actor, command)  # asked before the database is touched
        checks = {"last_name": command["last_name"], "first_name": command["first_name"]}
        for field, value in checks.items():
            if not _normalised(value):
                raise InvalidInput(details={field: ["Indiquez le nom tel qu'il figure sur la pièce d'identité."]})
        cycle = self._cycle(command["cycle_id"], lock="share")
        paris_choices = [str(p) for p in command["paris_projects"]]
        sector_choices = [str(p) for p in command["sector_projects"]]
        sector = command.get("sector") if sector_choices else None
        now = self.clock()
        with rules():
            domain.require_stage(cycle.stage, domain.VOTE, action="enregistrer un bulletin papier")
            domain.check_paper_eligible(cycle.eligibility, command["birth_date"], command["postcode"].strip(),
                                        cycle.vote_day or now.date(),
                                        self.context.reference.paris_postcodes(self.accounts))
            domain.check_ballot(self._candidates(cycle.id, only=set(paris_choices + sector_choices)),
                                cycle.max_choices, paris_choices, sector, sector_choices)
            if account is not None:
                domain.check_same_person(account.get("birth_date"), command["birth_date"])
        digest = identity_digest(self._identity_salt(cycle), command["last_name"], command["first_name"],
                                 command["birth_date"])
        account_id = account["id"] if account else None
        if self._paper_ballot_of(cycle.id, digest, account_id):
            raise Conflict("Cette personne a déjà voté sur papier pour ce budget participatif : seul son premier "
                           "bulletin papier compte.", code="ALREADY_VOTED_ON_PAPER")
        online = account_id is not None and self.session.execute(sa.select(Ballot.id).where(
            Ballot.cycle_id == cycle.id, Ballot.account_id == account_id)).first() is not None
        receipt = domain.new_receipt()
        ballot = Ballot(cycle_id=cycle.id, account_id=None, sector=sector, cast_at=now, changes=0,
                        receipt_digest=domain.receipt_digest(receipt), channel=domain.PAPER, counted=not online)
        self.session.add(ballot)
        self.session.flush()
        try:
            with self.session.begin_nested():
                self.session.add(PaperBallot(ballot_id=ballot.id, cycle_id=cycle.id, identity_digest=digest,
                                             account_id=account_id, ballot_box=" ".join(command["ballot_box"].split()),
                                             id_document_kind=command["id_document_kind"],
                                             recorded_by=str(actor["account_id"]), recorded_at=now))
        except IntegrityError:  # the same person entered at the same moment at another box
            raise Conflict("Cette personne a déjà voté sur papier pour ce budget participatif.",
                           code="ALREADY_VOTED_ON_PAPER") from None
        self.session.execute(sa.insert(BallotChoice), [{"ballot_id": ballot.id, "project_id": project_id}
                                                      for project_id in paris_choices + sector_choices])
        if not online:  # the live counts, in this transaction (vote_counts.py)
            counted = vote_counts.Differences()
            counted.ballot(cycle.id, domain.PAPER, paris_choices + sector_choices)
            counted.write(self.session)
        self.uow.emit(events.BALLOT_CAST, events.cycle_subject(cycle.id),
                      {"cycle_id": cycle.id, "channel": domain.PAPER, "count": 1}, actor=events.ANONYMOUS_VOTER)
        self.uow.on_commit(lambda: business_metrics.count_ballots([sector]))
        return {"cycle_id": cycle.id, "receipt": receipt, "counted": not online,
                "status": SUPERSEDED if online else COUNTED, "paris_projects": paris_choices, "sector": sector,
                "sector_projects": sector_choices, "ballot_box": command["ballot_box"], "cast_at": now}

    def _named_account(self, actor: dict, command: dict) -> dict | None:
        """The hub account the voter named, by its e-mail (accounts' search, as the agent), or None."""
        email = (command.get("account_email") or "").strip().lower()
        if not email:
            return None
        found = self.accounts.search_accounts(str(actor["account_id"]), {"query": email, "limit": 5})
        account = next((a for a in found if (a.get("email") or "").lower() == email), None)
        if account is None:
            raise InvalidInput(details={"account_email": ["Aucun compte actif n'a cette adresse e-mail."]})
        # The search's summary has no birth date: the eligibility attributes carry the one to compare.
        attributes = self.accounts.eligibility_attributes({"account_id": account["id"]})
        return {"id": account["id"], "birth_date": attributes.get("birth_date")}

    def _identity_salt(self, cycle: Cycle) -> str:
        if cycle.identity_salt is None:  # a cycle created before paper ballots existed: its key, made once
            self.session.execute(sa.update(Cycle).where(Cycle.id == cycle.id, Cycle.identity_salt.is_(None))
                                 .values(identity_salt=secrets.token_hex(32)))
            self.session.refresh(cycle)
        return cycle.identity_salt

    def _paper_ballot_of(self, cycle_id: str, digest: str, account_id: str | None) -> bool:
        same_person = PaperBallot.identity_digest == digest
        if account_id is not None:
            same_person = sa.or_(same_person, PaperBallot.account_id == account_id)
        return self.session.execute(sa.select(PaperBallot.ballot_id).where(
            PaperBallot.cycle_id == cycle_id, same_person)).first() is not None


def forget_paper_identities(session, cycle: Cycle):
    """At the close of the vote: no more digest, account nor key; the paper ballots stay counted."""
    session.execute(sa.update(PaperBallot).where(PaperBallot.cycle_id == cycle.id).values(
        identity_digest=None, account_id=None))
    cycle.identity_salt = None
