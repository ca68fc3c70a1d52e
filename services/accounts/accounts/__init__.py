"""Accounts service: registration, sessions, profile and eligibility attributes, roles, GDPR."""
SERVICE_NAME = "accounts"
