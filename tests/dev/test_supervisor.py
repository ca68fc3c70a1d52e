"""`make run`'s supervisor (dev/run.py): a process that ends by itself is restarted after a pause that doubles (up to
MAX_BACKOFF_SECONDS) and starts again from FIRST_BACKOFF_SECONDS once the process had run STEADY_SECONDS; each
crash is reported with its exit code and count; a stop ends every process and restarts none. Real processes, a
clock of the test's own."""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("hub_dev_run", ROOT / "dev" / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
STAY = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def supervised(tmp_path):
    clock, reports = Clock(), []
    supervisor = run.Supervisor(clock=clock, report=reports.append)
    yield supervisor, clock, reports, tmp_path
    supervisor.stop(timeout=5)


def ended(child):
    child.process.wait(timeout=10)
    return child


def test_a_crashed_process_is_restarted_after_a_pause_that_doubles(supervised):
    supervisor, clock, reports, tmp_path = supervised
    child = ended(supervisor.start("accounts", CRASH, {}, tmp_path / "accounts.log"))
    first_pid = child.process.pid
    supervisor.check()
    assert reports == [f"accounts s'est arrêté (code 3) : redémarrage n° 1 dans 1 s (journal : {tmp_path}/accounts.log)."]
    clock.now += run.FIRST_BACKOFF_SECONDS / 2
    supervisor.check()
    assert child.process.pid == first_pid and child.restarts == 0  # still pausing
    clock.now += run.FIRST_BACKOFF_SECONDS / 2
    supervisor.check()
    assert child.process.pid != first_pid and child.restarts == 1
    pauses = []
    for _ in range(6):
        ended(child)
        supervisor.check()
        pauses.append(child.restart_at - clock.now)
        clock.now = child.restart_at
        supervisor.check()
    assert pauses == [2, 4, 8, 16, 30, 30] and child.restarts == 7
    assert "redémarrage n° 7 dans 30 s" in reports[-1]


def test_a_process_that_ran_steadily_before_it_ended_is_restarted_after_the_first_pause(supervised):
    supervisor, clock, reports, tmp_path = supervised
    child = ended(supervisor.start("ideas", CRASH, {}, tmp_path / "ideas.log"))
    child.backoff = run.MAX_BACKOFF_SECONDS  # as after many crashes
    clock.now += run.STEADY_SECONDS
    supervisor.check()
    assert child.restart_at == clock.now + run.FIRST_BACKOFF_SECONDS


def test_the_crashed_process_writes_to_its_log_again_after_a_restart(supervised):
    supervisor, clock, reports, tmp_path = supervised
    talk = [sys.executable, "-c", "print('démarré'); raise SystemExit(1)"]
    child = ended(supervisor.start("budget", talk, {}, tmp_path / "budget.log"))
    supervisor.check()
    clock.now += run.FIRST_BACKOFF_SECONDS
    supervisor.check()
    ended(child)
    assert (tmp_path / "budget.log").read_text().split() == ["démarré", "démarré"]


def test_a_stop_ends_every_process_and_restarts_none(supervised):
    supervisor, clock, reports, tmp_path = supervised
    staying = supervisor.start("gateway", STAY, {}, tmp_path / "gateway.log")
    crashed = ended(supervisor.start("routing", CRASH, {}, tmp_path / "routing.log"))
    supervisor.stop(timeout=5)
    assert staying.process.returncode is not None
    clock.now += run.MAX_BACKOFF_SECONDS
    supervisor.check()
    assert crashed.restarts == 0 and reports == []
