"""What idempotency keys cost the ballot hot path, in-process: batches of ballots cast by budget's use case on a fresh
PostgreSQL database, with a key per ballot and without, alternating in one process (docs/architecture.md,
"Idempotent requests"; bench/README.md, "Idempotency keys").

    HUB_ENV=test .venv/bin/python bench/idempotency_overhead.py [BATCH] [ROUNDS]

Prints the median CPU of this process (the service's side: validation, digests, statements sent) and the median
wall time (PostgreSQL's work included) per ballot, each way, and their ratios.
"""
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from budget.handlers import Context, use_case  # noqa: E402
from budget.models import Base  # noqa: E402
from budget.schemas import dump_ballot_receipt  # noqa: E402
from budget.service import _ballot_entry  # noqa: E402
from budget.settings import Settings  # noqa: E402
from hubkit.batching import BatchItem  # noqa: E402
from hubkit.testing import ServiceStore  # noqa: E402
from hubkit.testing_databases import FreshDatabase  # noqa: E402
from services.budget.tests.test_handlers import ADMIN, CYCLE, advance_to, study, submit  # noqa: E402
from tests.fakes import FakeAccounts  # noqa: E402
from tests.fakes.actors import citizen_actor  # noqa: E402

SETTINGS = Settings(organising_direction="DDCT", submissions_per_day=10 ** 6)


def main(batch: int, rounds: int):
    database = FreshDatabase("postgresql", "budget", REPO / "services" / "budget" / "budget")
    store, accounts = ServiceStore(database.url, "budget", Base.metadata), FakeAccounts()

    def run(method, *args):
        with store.uow() as uow:
            return use_case(Context(uow, SETTINGS, accounts=accounts, shuffle=lambda items: None), method)(*args)
    try:
        cycle_id, project_id = _cycle_at_the_vote(run)
        timings = {"with keys": [], "without": []}
        for round_ in range(rounds):
            for mode in ("with keys", "without") if round_ % 2 == 0 else ("without", "with keys"):
                entries = [_entry(accounts, cycle_id, project_id, mode == "with keys") for _ in range(batch)]
                attributes = {row["account_id"]: row for row in accounts.eligibility_attributes_many(
                    {"account_ids": [str(entry[1]["account_id"]) for entry in entries]})}
                cpu, wall = time.process_time(), time.perf_counter()
                outcomes = run("cast_ballots_once", entries, attributes, dump_ballot_receipt)
                timings[mode].append((time.process_time() - cpu, time.perf_counter() - wall))
                assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes[:1]
        medians = {mode: [statistics.median(sample[i] for sample in samples) * 1000 / batch for i in (0, 1)]
                   for mode, samples in timings.items()}
        for mode, (cpu, wall) in medians.items():
            print(f"{mode:9} batches of {batch}, {rounds} each: {cpu:.3f} ms CPU, {wall:.3f} ms wall per ballot")
        print(f"with keys / without: CPU {medians['with keys'][0] / medians['without'][0]:.2f} x, "
              f"wall {medians['with keys'][1] / medians['without'][1]:.2f} x")
    finally:
        store.engine.dispose()
        database.drop()


def _cycle_at_the_vote(run) -> tuple:
    cycle = run("create_cycle", ADMIN, CYCLE)
    project_id = submit(run, cycle["id"], title="Projet pour tout Paris", scale="paris", sector=None)["id"]
    advance_to(run, cycle["id"], "study")
    study(run, project_id, 100)
    advance_to(run, cycle["id"], "selection")
    run("select_project", ADMIN, {"project_id": project_id, "selected": True})
    advance_to(run, cycle["id"], "vote")
    return cycle["id"], project_id


def _entry(accounts, cycle_id: str, project_id: str, keyed: bool):
    actor = citizen_actor()
    accounts.add(actor["account_id"])
    ballot = {"cycle_id": cycle_id, "paris_projects": [project_id],
              **({"idempotency_key": uuid.uuid4().hex} if keyed else {})}
    return _ballot_entry(BatchItem({"correlation_id": "bench", "causation_id": "bench"},
                                   {"actor": actor, "ballot": ballot}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
