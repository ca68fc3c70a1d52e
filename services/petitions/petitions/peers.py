"""How long petitions waits for the services it calls (accounts, ideas): less than the gateway waits for petitions
(5 s), so a citizen gets a clear 503 rather than a hang; see hubkit.rpc.BoundedRpc."""
from hubkit.rpc import BoundedRpc, PeerUnavailable  # noqa: F401  (what the service wraps its proxies in)

PEER_TIMEOUT = 3.0
