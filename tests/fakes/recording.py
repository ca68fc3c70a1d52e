"""What every shared fake service does: records each call, fails on demand, and answers both ways a test needs
(a use case calls `fake.method(*args)` in process; the gateway's `remote.call` sends `fake(method, *args)`)."""
import copy
import functools

import eventlet


def answers(method):
    """An RPC method of a fake service: each call to it, direct or through `RecordingFake.__call__`, is recorded,
    and raises the error a test asked for (`fail`, `down`) instead of answering."""

    @functools.wraps(method)
    def recorded(self, *args):
        self._record(method.__name__, args)
        return method(self, *args)

    recorded.records_itself = True
    return recorded


class RecordingFake:
    """Stands in for a service: answers with its own method of the called name, records each call, and raises the
    error a test asks for (`fail`); `down`, when it holds an error, is raised by every call (a peer that does not
    answer, as the caller's `BoundedRpc` reports it: `ServiceUnavailable` for a use case, `PeerUnavailable` for an
    event handler); `delay`: the seconds each call waits before answering (a peer too slow)."""

    copies_arguments = False  # True: record a deep copy, for pages that change a payload after sending it

    def __init__(self):
        self.calls = []  # (method, arguments), in order
        self.failures = {}
        self.down = None
        self.delay = 0.0

    def __call__(self, method, *args):
        answer = getattr(self, method, None)
        if getattr(answer, "records_itself", False):
            return answer(*args)
        self._record(method, args)  # a method the fake does not answer may still be told to fail (`fail`)
        if answer is None:
            raise AttributeError(f"{type(self).__name__} does not answer {method!r}")
        return answer(*args)

    def _record(self, method: str, args: tuple):
        self.calls.append((method, copy.deepcopy(args) if self.copies_arguments else args))
        if self.delay:
            eventlet.sleep(self.delay)
        if self.down is not None:
            raise self.down
        if method in self.failures:
            raise self.failures[method]

    def fail(self, method, error):
        self.failures[method] = error

    def args_of(self, method) -> list:
        """The arguments of the calls to `method`, in order."""
        return [args for name, args in self.calls if name == method]

    def data_of(self, method) -> list:
        """The payloads (first arguments) of the calls to `method`, in order."""
        return [args[0] for args in self.args_of(method)]
