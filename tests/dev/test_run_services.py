"""`make run` (dev/run.py) starts every service of services/, the notifications service included, and seeds demo data
only where a service has some: one without `seed-demo` (notifications) is migrated and started, not failed on."""
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("hub_dev_run_services", ROOT / "dev" / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def test_every_service_package_is_started_notifications_included():
    assert {"accounts", "ideas", "budget", "petitions", "routing", "notifications"} <= set(run.discover_services())


def test_demo_data_is_seeded_only_by_the_services_whose_command_line_has_it():
    for service in ("petitions", "notifications"):  # one with demo data, one without (each --help takes seconds)
        usage = subprocess.run([sys.executable, "-m", service, "--help"], cwd=ROOT, capture_output=True, text=True,
                               timeout=60).stdout
        assert run.seeds_demo_data(service) == ("seed-demo" in usage), service
