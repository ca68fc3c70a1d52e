"""The relay inside a service: the commits of a rush share relay runs, and no commit is left without one."""
from types import SimpleNamespace

import eventlet

from hubkit.outbox import OutboxRelayProvider


class CountingRelay:
    """Stands for OutboxRelay: each run takes `seconds` and sees the commits made before it started."""

    def __init__(self, commits: list, seconds: float = 0.02):
        self.commits, self.seconds, self.runs = commits, seconds, []

    def publish_pending(self):
        self.runs.append(len(self.commits))
        eventlet.sleep(self.seconds)
        return 0


def provider(commits: list, gather_seconds: float = 0.05) -> OutboxRelayProvider:
    relay_provider = OutboxRelayProvider(gather_seconds=gather_seconds)
    relay_provider.container = SimpleNamespace(
        spawn_managed_thread=lambda run, identifier=None: eventlet.spawn(run))
    relay_provider.relay = CountingRelay(commits)
    return relay_provider


def commit(relay_provider, commits: list, events: int = 1):
    commits.append(events)
    relay_provider._wake(SimpleNamespace(committed_events=[{}] * events))


def test_the_commits_of_a_rush_share_one_run():
    commits = []
    # a window far longer than the rush takes even on a loaded runner (40 yields of 1 ms took > 50 ms under load)
    relay_provider = provider(commits, gather_seconds=0.5)
    for _ in range(40):
        commit(relay_provider, commits)
        eventlet.sleep(0.001)
    eventlet.sleep(0.8)
    assert relay_provider.relay.runs == [40]


def test_a_commit_during_a_run_gets_a_run_of_its_own_and_a_commit_without_events_none():
    commits = []
    relay_provider = provider(commits, gather_seconds=0.01)
    commit(relay_provider, commits)
    eventlet.sleep(0.02)  # the run started, it is publishing
    commit(relay_provider, commits)
    relay_provider._wake(SimpleNamespace(committed_events=[]))
    eventlet.sleep(0.1)
    assert relay_provider.relay.runs == [1, 2]


def test_stopping_publishes_what_the_gathering_run_waited_for_and_no_run_starts_after():
    commits = []
    relay_provider = provider(commits, gather_seconds=0.5)
    relay_provider.relay.close = lambda: relay_provider.relay.runs.append("closed")
    commit(relay_provider, commits)  # its run is gathering for 0.5 s
    relay_provider.stop()
    commit(relay_provider, commits)  # during shutdown: no new run
    eventlet.sleep(0.7)
    assert relay_provider.relay.runs == [1, "closed"]
