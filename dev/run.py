"""`make run`: migrate, seed demo data, start every service and the gateway; Ctrl-C stops everything.

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


def step(args, env):
    result = subprocess.run([PYTHON, "-m", *args], env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"échec : python -m {' '.join(args)}")


def wait_ready(url: str, processes: list, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            return False
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
        step([service, "seed-demo"], env)

    processes = []
    logs = ROOT / "var" / "log"
    logs.mkdir(exist_ok=True)
    for name in [*services, "gateway"]:
        args = [PYTHON, "-m", name] + (["run"] if name != "gateway" else [])
        log_file = open(logs / f"{name}.log", "ab")
        processes.append(subprocess.Popen(args, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                                          start_new_session=True))
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nArrêt du hub…")
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        print("Hub arrêté.")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    url = f"http://127.0.0.1:{port}"
    if not wait_ready(f"{url}/readyz", processes):
        print(f"Le hub n'a pas démarré : voyez les journaux dans {logs}/")
        stop()
    print(f"\n  Hub de la participation prêt : {url}\n"
          f"  Services : {', '.join(services)} — journaux dans var/log/, e-mails dans var/mail/\n"
          f"  Arrêt : Ctrl-C\n")
    seen_mails = set((ROOT / "var" / "mail").glob("*.eml"))
    while True:
        seen_mails = announce_new_mails(seen_mails)
        for process in processes:
            if process.poll() is not None:
                print(f"Un processus s'est arrêté ({' '.join(process.args[1:])}) : voyez var/log/.")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
