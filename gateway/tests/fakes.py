"""How the gateway tests put fake services behind `gateway.remote`, next to the fake accounts service of
conftest.py. The fakes build on tests/fakes (`RecordingFake`: recording the calls, failing on demand)."""
import gateway.remote
from tests.fakes import RecordingFake  # noqa: F401  (the gateway tests' own fakes of a service build on it)


def route_to(monkeypatch, accounts, batched=False, **fakes):
    """Send `remote.call` for each service named in `fakes` to its fake (called with the method and the arguments),
    the accounts service to the fake `accounts`, and fail on any other; `batched`: `remote.batched_call` too (a fake
    answers the one payload's outcome as if the batch held only this command)."""
    def route(service, method, *args):
        if service in fakes:
            return fakes[service](method, *args)
        assert service == "accounts", f"unexpected service {service}"
        return accounts(method, *args)
    monkeypatch.setattr(gateway.remote, "call", route)
    if batched:
        monkeypatch.setattr(gateway.remote, "batched_call", route)
