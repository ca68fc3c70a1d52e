"""Routing service: the scheme catalogue, the agents' inbox, forwarding (events, signed webhooks, e-mail) and
one traceable history of each idea across the hub's services."""
SERVICE_NAME = "routing"
