"""What every fake service of the gateway tests shares: recording the calls, failing on demand, and standing
behind `gateway.remote` next to the fake accounts service of conftest.py."""
import copy

import gateway.remote


class RecordingFake:
    """Stands in for a service behind `gateway.remote.call`: answers with its own method of the called name,
    records each call, and raises the error a test asks for (`fail`)."""

    copies_arguments = False  # True: record a deep copy, for pages that change a payload after sending it

    def __init__(self):
        self.calls = []
        self.failures = {}

    def __call__(self, method, *args):
        self.calls.append((method, copy.deepcopy(args) if self.copies_arguments else args))
        if method in self.failures:
            raise self.failures[method]
        return getattr(self, method)(*args)

    def fail(self, method, error):
        self.failures[method] = error

    def args_of(self, method):
        """The arguments of the calls to `method`, in order."""
        return [args for name, args in self.calls if name == method]


def route_to(monkeypatch, accounts, batched=False, **fakes):
    """Send `remote.call` for each service named in `fakes` to its fake (called with the method and the arguments),
    every other service to the fake `accounts`; `batched`: `remote.batched_call` too (a fake answers the one
    payload's outcome as if the batch held only this command)."""
    def route(service, method, *args):
        if service in fakes:
            return fakes[service](method, *args)
        return accounts(service, method, *args)
    monkeypatch.setattr(gateway.remote, "call", route)
    if batched:
        monkeypatch.setattr(gateway.remote, "batched_call", route)
