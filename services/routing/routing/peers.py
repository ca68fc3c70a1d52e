"""How long routing waits for the services it calls (ideas, accounts): less than the gateway waits for routing
(5 s), so an agent gets a clear 503 rather than a hang; see hubkit.rpc.BoundedRpc."""
from hubkit.rpc import BoundedRpc, PeerUnavailable  # noqa: F401  (what the service wraps its proxies in)

PEER_TIMEOUT = 3.0
