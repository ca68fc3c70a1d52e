"""Petitions service: drafts and co-sponsors, moderation, signatures and their count, the Council of Paris."""
SERVICE_NAME = "petitions"
