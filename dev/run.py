"""`make run`: migrate, seed demo data, start every service and the gateway under a supervisor that restarts a
process that crashes; Ctrl-C stops everything.

Local mode only (HUB_ENV=local): one SQLite database per service under var/,
mails written to var/mail (their links are also printed in the logs).
"""
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def discover_services() -> list:
    """Every services/<name>/<name>/__main__.py is a service that exists."""
    return sorted(path.parent.name for path in ROOT.glob("services/*/*/__main__.py")
                  if path.parent.name == path.parent.parent.name)


def seeds_demo_data(service: str) -> bool:
    """Whether the service's command line has `seed-demo` (a service with no demo data of its own has none)."""
    return '"seed-demo"' in (ROOT / "services" / service / service / "cli.py").read_text(encoding="utf-8")


def step(args, env):
    result = subprocess.run([PYTHON, "-m", *args], env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"échec : python -m {' '.join(args)}")


FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STEADY_SECONDS = 60.0  # a process that ran this long before it ended is restarted at once again (backoff reset)


class Supervised:
    """One process of the hub, started again (after a growing pause) whenever it ends without being asked to."""

    def __init__(self, name: str, args: list, env: dict, log_path: Path):
        self.name, self.args, self.env, self.log_path = name, args, env, log_path
        self.process, self.restarts, self.started_at = None, 0, 0.0
        self.backoff, self.restart_at = FIRST_BACKOFF_SECONDS, None

    def start(self, now: float):
        with open(self.log_path, "ab") as log_file:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at, self.restart_at = now, None


class Supervisor:
    """`make run`'s processes: a process that crashes is restarted with a backoff (1 s, doubling to 30 s; back to
    1 s once it had run a minute), reported with its exit code and its count of restarts, instead of stopping the
    whole hub. Each restart also shows in the process's `process_start_time_seconds` on its /metrics."""

    def __init__(self, clock=time.monotonic, report=print):
        self.clock, self.report = clock, report
        self.children: list = []
        self.stopping = False

    def start(self, name: str, args: list, env: dict, log_path: Path) -> Supervised:
        child = Supervised(name, args, env, log_path)
        child.start(self.clock())
        self.children.append(child)
        return child

    def check(self):
        """Notice the processes that ended and restart those whose pause is over."""
        now = self.clock()
        for child in self.children:
            if self.stopping:
                return
            if child.restart_at is None and child.process.poll() is not None:
                if now - child.started_at >= STEADY_SECONDS:
                    child.backoff = FIRST_BACKOFF_SECONDS
                child.restart_at = now + child.backoff
                self.report(f"{child.name} s'est arrêté (code {child.process.returncode}) : redémarrage "
                            f"n° {child.restarts + 1} dans {child.backoff:g} s (journal : {child.log_path}).")
                child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                child.start(now)

    def stop(self, timeout: float = 15):
        """SIGTERM to every process still running, SIGKILL to those still there after `timeout` seconds."""
        self.stopping = True
        running = [child.process for child in self.children if child.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(url: str, supervisor: Supervisor, timeout: float = 60) -> bool:
    """Wait until `url` (the gateway's /statusz: every service answers) says 200, restarting what crashes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.check()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def announce_new_mails(seen: set) -> set:
    """Local mode has no mail server: show the subject and links of each new mail in the console."""
    import email
    import re
    current = set((ROOT / "var" / "mail").glob("*.eml"))
    for path in sorted(current - seen):
        message = email.message_from_bytes(path.read_bytes())
        links = re.findall(r"https?://\S+", message.get_payload(decode=True).decode(errors="replace"))
        print(f"  ✉ {message['Subject']} → {' '.join(links) or path.name}")
    return current


def main():
    services = discover_services()
    port = os.environ.get("HUB_PORT", "8000")
    # one random seed a run, from which every process derives the keys that sign calls and events (hubkit.keys)
    env = {**os.environ, "HUB_ENV": "local", "HUB_PORT": port,
           "HUB_TRUST_DEV_SEED": os.environ.get("HUB_TRUST_DEV_SEED") or os.urandom(16).hex(),
           # the demo's schemes deliver to a receiver on this machine (routing refuses internal addresses otherwise)
           "ROUTING_WEBHOOK_ALLOWED_NETWORKS": os.environ.get("ROUTING_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
           "HUB_SERVICES": ",".join(services),
           "HUB_PUBLIC_URL": os.environ.get("HUB_PUBLIC_URL", f"http://127.0.0.1:{port}"),
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    (ROOT / "var").mkdir(exist_ok=True)
    for service in services:
        step([service, "migrate"], env)
        if seeds_demo_data(service):
            step([service, "seed-demo"], env)

    supervisor = Supervisor()
    logs = ROOT / "var" / "log"
    logs.mkdir(exist_ok=True)
    for name in [*services, "gateway"]:
        args = [PYTHON, "-m", name] + (["run"] if name != "gateway" else [])
        supervisor.start(name, args, env, logs / f"{name}.log")

    def stop(*_):
        if supervisor.stopping:
            return
        print("\nArrêt du hub…")
        supervisor.stop()
        print("Hub arrêté.")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    url = f"http://127.0.0.1:{port}"
    if not wait_ready(f"{url}/statusz", supervisor):
        print(f"Le hub n'a pas démarré : voyez les journaux dans {logs}/")
        stop()
    print(f"\n  Hub de la participation prêt : {url}\n"
          f"  Services : {', '.join(services)} — journaux dans var/log/, e-mails dans var/mail/\n"
          f"  Un processus qui s'arrête est redémarré. Arrêt : Ctrl-C\n")
    seen_mails = set((ROOT / "var" / "mail").glob("*.eml"))
    while True:
        seen_mails = announce_new_mails(seen_mails)
        supervisor.check()
        time.sleep(1)


if __name__ == "__main__":
    main()
