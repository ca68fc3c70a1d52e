"""The hub gateway: the single front door (pages and API) to every participation service."""
