"""Notifications service: from the other services' events, who is told what, in the hub and by e-mail, by preference."""
SERVICE_NAME = "notifications"
