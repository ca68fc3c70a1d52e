"""How long budget waits for the services it calls (accounts): less than the gateway waits for budget
(5 s), so a citizen gets a clear 503 rather than a hang; see hubkit.rpc.BoundedRpc."""
from hubkit.rpc import BoundedRpc, PeerUnavailable  # noqa: F401  (what the service wraps its proxies in)

PEER_TIMEOUT = 3.0
NOTIFY_TIMEOUT = 10.0  # an event handler e-mailing many followers may wait longer (nobody waits on it)
