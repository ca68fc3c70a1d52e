"""Use cases of the notifications service, by area; each runs in one unit of work (one transaction)."""
from .common import Context

__all__ = ["Context"]
