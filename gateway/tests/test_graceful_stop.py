"""`python -m gateway` on SIGTERM, with one process and with two: /readyz turns 503 at once while the gateway still
answers, new connections are refused once the grace is over, a request in flight (a client still sending its
headers: the connection is busy, as during a slow handler) is answered 200 after that, and the process exits 0."""
import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from gateway.tests.test_processes import alive, children_of, free_port, wait_for

pytestmark = pytest.mark.e2e
GRACE_SECONDS = "1"  # long enough to see readiness turn false before the listener closes


def start_gateway(tmp_path, processes: int):
    port = free_port()
    env = {**os.environ, "HUB_ENV": "test", "HUB_PORT": str(port), "HUB_GATEWAY_PROCESSES": str(processes),
           "HUB_VAR_DIR": str(tmp_path), "HUB_SHUTDOWN_GRACE_SECONDS": GRACE_SECONDS,
           "HUB_SHUTDOWN_TIMEOUT_SECONDS": "30"}
    log = open(tmp_path / "gateway.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, port


def status_of(url: str):
    try:
        return requests.get(url, timeout=2, headers={"Connection": "close"}).status_code
    except requests.RequestException as error:
        return type(error).__name__


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.parametrize("processes", [1, 2])
def test_sigterm_turns_readiness_off_then_refuses_new_connections_and_finishes_the_request_in_flight(
        tmp_path, processes):
    process, port = start_gateway(tmp_path, processes)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: status_of(f"{url}/readyz") == 200, 20), (tmp_path / "gateway.log").read_text()
        assert wait_for(lambda: len(children_of(process.pid)) == processes - 1)
        children = children_of(process.pid)
        in_flight = socket.create_connection(("127.0.0.1", port), timeout=30)
        in_flight.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n")  # the request has begun, not ended
        # a request sent after those bytes is answered: the server's loop has turned since they arrived (the
        # connection is busy, not idle); and the grace gives it a second more
        assert status_of(f"{url}/healthz") == 200

        process.send_signal(signal.SIGTERM)
        assert wait_for(lambda: status_of(f"{url}/readyz") == 503, 5), "readiness did not turn false"
        assert status_of(f"{url}/healthz") == 200  # still alive and serving during the grace
        stopping = requests.get(f"{url}/readyz", timeout=2, headers={"Connection": "close"})
        assert stopping.status_code == 503 and stopping.json()["status"] == "stopping"

        assert wait_for(lambda: refused(port), 10), "new connections were still accepted after the grace"
        assert process.poll() is None  # the request in flight holds the process

        in_flight.sendall(b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := in_flight.recv(65536):
            answer += chunk
        in_flight.close()
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
        assert process.wait(timeout=15) == 0, (tmp_path / "gateway.log").read_text()[-3000:]
        assert wait_for(lambda: not any(alive(child) for child in children), 10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("name, value", [("HUB_SHUTDOWN_GRACE_SECONDS", "-1"),
                                         ("HUB_SHUTDOWN_TIMEOUT_SECONDS", "cinq"),
                                         ("HUB_SHUTDOWN_TIMEOUT_SECONDS", "86400")])
def test_a_bad_shutdown_setting_is_refused_with_its_name(monkeypatch, name, value):
    from gateway.__main__ import shutdown_seconds
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        shutdown_seconds()


@pytest.mark.parametrize("environment, grace", [("production", 5.0), ("test", 0.0), ("local", 0.0)])
def test_the_grace_is_five_seconds_in_production_and_none_elsewhere(monkeypatch, environment, grace):
    from gateway.__main__ import shutdown_seconds
    monkeypatch.setenv("HUB_ENV", environment)
    monkeypatch.delenv("HUB_SHUTDOWN_GRACE_SECONDS", raising=False)
    monkeypatch.delenv("HUB_SHUTDOWN_TIMEOUT_SECONDS", raising=False)
    assert shutdown_seconds() == (grace, 20.0)


def test_sigterm_while_the_processes_are_still_starting_stops_them_all_cleanly(tmp_path):
    """A SIGTERM as soon as the second process exists (it is still building its app: no handler of its own yet) is
    held until each process can stop gracefully: the gateway exits 0, not 1 for a child killed by the signal."""
    process, port = start_gateway(tmp_path, 2)
    try:
        assert wait_for(lambda: len(children_of(process.pid)) == 1, 20)
        children = children_of(process.pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, (tmp_path / "gateway.log").read_text()[-3000:]
        assert wait_for(lambda: not any(alive(child) for child in children), 10)
        assert refused(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
