"""Rules of the participatory budget, in plain Python (no database, no nameko, no Flask).

A cycle (« Budget participatif 2026 ») moves forward through its stages, one at a time, by an admin:

    submission → study → co_construction → selection → campaign → vote → results → implementation

Each stage allows what it names: projects are submitted during `submission`, studied (admissibility,
feasibility and cost) during `study`, selected for the vote during `selection`, ballots are cast during
`vote`; leaving `vote` closes it, tallies and publishes the results.

The envelope of a cycle is split into a Paris-wide envelope and one envelope per voting sector (Paris
Centre, then the 5e to the 20e). A ballot is an approval ballot: up to N Paris-wide projects and up to N
projects of ONE sector the voter chooses (N per cycle, 4 by default).

Winners, per envelope (Paris-wide, then each sector), greedily: projects by votes (most first), ties
broken by the lower cost, then the earlier submission (`position`), then the id; each project whose
cost still fits in what is left of the envelope wins, a project that does not fit is skipped and the
next one considered.

The rules live by area (reference: the vocabulary; projects: cycles and projects; ballots: the vote and the
tally); this package names them all, as `domain.X`.
"""
# ruff: noqa: F401  (re-exported: callers write domain.X)
from .reference import (SUBMISSION, STUDY, CO_CONSTRUCTION, SELECTION, CAMPAIGN, VOTE, RESULTS, IMPLEMENTATION,
                        STAGES, STAGE_ORDER, THEMES, PARIS, ARRONDISSEMENT, SCALES, PARIS_CENTRE, Sector, SECTORS,
                        SECTOR_CODES, sector_of_arrondissement, CERTIFICATION_LEVELS, ELIGIBILITY_RULES, SUBMITTED,
                        INADMISSIBLE, ADMISSIBLE, UNFEASIBLE, FEASIBLE, SELECTED, WINNER, NOT_WINNER, DRAFT, MERGED,
                        PROJECT_STATUSES, NOT_STARTED, ETUDES, PROCEDURES, TRAVAUX, LIVRAISON, REALISE,
                        NON_REALISABLE, IMPLEMENTATION_STATUSES, SETTABLE_STATUSES, FINAL_STATUSES, FAVORITE,
                        ASSOCIATE, FOLLOW_KINDS, ID_DOCUMENT_KINDS, ONLINE, PAPER, CHANNELS, NAME_MAX, BALLOT_BOX_MAX,
                        TITLE_MIN, TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX, ADDRESS_MAX, REASON_MIN, REASON_MAX,
                        CYCLE_TITLE_MAX, MAX_COST, DEFAULT_MAX_CHOICES, RECEIPT_BYTES, DIRECTION_CODE, RuleBroken,
                        NotAllowed, is_admin, is_staff)  
from .projects import (OUTSIDE_DIRECTION, DEFAULT_ORGANISING_DIRECTION, direction_label, check_direction,
                       owning_direction, check_owning_direction, next_stage, check_advance, require_stage, edition_of,
                       clean_text, check_envelopes, check_location, check_theme, project_status, check_study,
                       check_selectable, check_status_change, VOTE_FOR, JOIN, FOLLOW, JOINABLE_STAGES,
                       project_actions)  
from .ballots import (age_on, check_eligible, check_paper_eligible, check_same_person, Candidate,
                      check_ballot, new_receipt, receipt_digest, ranking_key, greedy_winners, scope_of, tally)  
