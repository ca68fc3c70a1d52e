"""The fake services every test shares (one definition each; tests/contract/test_no_copied_fakes.py keeps it so):
`FakeAccounts` and `FakeIdeas` in process (a use case's peer, or behind the gateway's `remote.call`),
`FakeAccountsService` and `FakeIdeasService` on a real broker, `FakeNotifications` behind the gateway's
`remote.call`, `RecordingFake` for a test's own fake of a service."""
from .accounts import FakeAccounts
from .broker import FakeAccountsService, FakeIdeasService
from .ideas import FakeIdeas
from .notifications import FakeNotifications
from .recording import RecordingFake, answers

SHARED_FAKES = ("FakeAccounts", "FakeIdeas", "FakeAccountsService", "FakeIdeasService", "FakeNotifications")

__all__ = ["SHARED_FAKES", "FakeAccounts", "FakeAccountsService", "FakeIdeas", "FakeIdeasService", "FakeNotifications",
           "RecordingFake",
           "answers"]
