"""`python -m gateway` with HUB_GATEWAY_PROCESSES=2: two processes on one port, stopped together."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def gateway_processes(tmp_path):
    port = free_port()
    env = {**os.environ, "HUB_ENV": "test", "HUB_PORT": str(port), "HUB_GATEWAY_PROCESSES": "2",
           "HUB_VAR_DIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False
    assert wait_for(answers, 20), "the gateway did not answer"
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_two_processes_share_the_port_and_end_together(gateway_processes, stop):
    process, url = gateway_processes
    assert wait_for(lambda: len(children_of(process.pid)) == 1)
    [child] = children_of(process.pid)
    # every request on a fresh connection is answered, whichever process the kernel gives it to
    assert all(requests.get(f"{url}/healthz", timeout=2, headers={"Connection": "close"}).status_code == 200
               for _ in range(20))
    process.send_signal(stop)
    process.wait(timeout=10)
    assert wait_for(lambda: not alive(child)), "the second process outlived the first"


@pytest.mark.parametrize("processes, in_flight, expected", [
    (None, None, 2), ("1", None, 2), ("2", None, 1), ("4", None, 1), ("2", "3", 3), ("1", "1", 1)])
def test_several_processes_send_one_batch_at_a_time_each_unless_told_otherwise(
        monkeypatch, processes, in_flight, expected):
    from gateway.config import Settings
    for name, value in (("HUB_GATEWAY_PROCESSES", processes), ("HUB_BATCHES_IN_FLIGHT", in_flight)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert Settings().batches_in_flight == expected


@pytest.mark.parametrize("value", ["0", "-1"])
def test_no_batch_in_flight_is_refused_with_the_setting_named(monkeypatch, value):
    from gateway.config import Settings
    monkeypatch.setenv("HUB_BATCHES_IN_FLIGHT", value)
    with pytest.raises(ValueError, match="HUB_BATCHES_IN_FLIGHT"):
        Settings()


@pytest.mark.parametrize("value", ["0", "-3", "deux"])
def test_a_process_count_below_one_is_refused_with_the_setting_named(monkeypatch, value):
    from gateway.__main__ import process_count
    monkeypatch.setenv("HUB_GATEWAY_PROCESSES", value)
    with pytest.raises(ValueError, match="HUB_GATEWAY_PROCESSES"):
        process_count()


def test_a_child_stays_while_its_parent_lives_even_when_the_parent_is_process_one(monkeypatch):
    from gateway import __main__ as gateway_main
    exits = []
    monkeypatch.setattr(gateway_main.os, "_exit", exits.append)
    monkeypatch.setattr(gateway_main.os, "getppid", lambda: 1)  # in a container, the first process is 1
    monkeypatch.setattr(gateway_main.ctypes, "CDLL", lambda *a, **k: (_ for _ in ()).throw(OSError()))  # no prctl here
    gateway_main._end_with_parent(1)
    assert exits == []
    gateway_main._end_with_parent(4242)  # the parent that forked us is gone: we were handed to process 1
    assert exits == [0]
